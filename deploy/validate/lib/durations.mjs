// Durations in seconds, as cert-manager (Go: 24h, 1h30m) and Dropwizard (30s, 6h, 14 days) write them.

export function goDuration(text) {
  const units = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  let consumed = "";
  for (const match of String(text ?? "").matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    total += Number(match[1]) * units[match[2]];
    consumed += match[0];
  }
  return consumed !== "" && consumed === String(text) ? total : NaN;
}

const DROPWIZARD_UNITS = new Map([
  [["ns", "nanosecond", "nanoseconds"], 1e-9], [["us", "microsecond", "microseconds"], 1e-6],
  [["ms", "millisecond", "milliseconds"], 1e-3], [["s", "second", "seconds"], 1],
  [["m", "min", "mins", "minute", "minutes"], 60], [["h", "hour", "hours"], 3600], [["d", "day", "days"], 86400],
]);

export function dropwizardDuration(text) {
  const match = /^\s*(\d+)\s*([a-z]+)\s*$/.exec(String(text ?? ""));
  if (!match) return NaN;
  for (const [names, seconds] of DROPWIZARD_UNITS) {
    if (names.includes(match[2])) return Number(match[1]) * seconds;
  }
  return NaN;
}
