// spiffe-helper's configuration file (helper.conf, HCL), as far as this project writes it: one
// `key = value` a line, the value a string, a boolean or an integer (0600 is octal, as HCL reads
// it), comments with # or //. Anything else (blocks, lists) is reported, not guessed at; so is a
// key spiffe-helper does not know, which it refuses at start-up ("unknown top level key(s)").

/** The top-level keys of spiffe-helper v0.11.0 (cmd/spiffe-helper/config/config.go). */
export const HELPER_KEYS = new Set(["add_intermediates_to_bundle", "agent_address", "cmd", "cmd_args", "pid_file_name",
  "cert_dir", "cert_file_mode", "key_file_mode", "jwt_bundle_file_mode", "jwt_svid_file_mode", "include_federated_domains",
  "omit_expired", "renew_signal", "daemon_mode", "health_checks", "hint", "svid_file_name", "svid_key_file_name",
  "svid_bundle_file_name", "jwt_svids", "jwt_bundle_file_name"]);

/** {values: {key: value}, problems: [text]} */
export function parseHelperConf(text, file = "helper.conf") {
  const values = {};
  const problems = [];
  text.split("\n").forEach((raw, index) => {
    const at = `${file}:${index + 1}`;
    const line = stripComment(raw).trim();
    if (!line) return;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$/.exec(line);
    if (!match) {
      problems.push(`${at}: "${line}" is not key = value (the validator reads no blocks or lists)`);
      return;
    }
    const [, key, rawValue] = match;
    const value = scalar(rawValue.trim());
    if (value === undefined) {
      problems.push(`${at}: ${key}: "${rawValue.trim()}" is not a string, boolean or integer`);
    } else if (!HELPER_KEYS.has(key)) {
      problems.push(`${at}: ${key} is not a key of spiffe-helper (it refuses unknown keys at start-up)`);
    } else if (Object.hasOwn(values, key)) {
      problems.push(`${at}: ${key} is set twice`);
    } else {
      values[key] = value;
    }
  });
  return { values, problems };
}

function stripComment(line) {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted && c === "\\") i++;
    else if (c === "\"") quoted = !quoted;
    else if (!quoted && (c === "#" || (c === "/" && line[i + 1] === "/"))) return line.slice(0, i);
  }
  return line;
}

function scalar(text) {
  if (/^"(?:[^"\\]|\\.)*"$/.test(text)) return JSON.parse(text);
  if (text === "true") return true;
  if (text === "false") return false;
  if (/^0[0-7]+$/.test(text)) return parseInt(text, 8);
  if (/^(0|[1-9][0-9]*)$/.test(text)) return parseInt(text, 10);
  return undefined;
}

/**
 * The options of a spiffe-helper command line (Go's flag package: -name value, -name=value, also
 * with two dashes; a boolean only as -name or -name=value): {config, daemonMode} with spiffe-helper's
 * defaults (helper.conf; daemon mode from the file unless the flag says).
 */
export function helperArgs(args = []) {
  const options = { config: "helper.conf", daemonMode: undefined, problems: [] };
  for (let i = 0; i < args.length; i++) {
    const match = /^--?([a-z-]+)(?:=(.*))?$/.exec(String(args[i]));
    if (!match) {
      options.problems.push(`argument ${JSON.stringify(args[i])} is not a flag`);
      continue;
    }
    const [, name, inline] = match;
    if (name === "config") {
      options.config = inline ?? args[++i];
    } else if (name === "daemon-mode") {
      if (inline === undefined || ["true", "1", "t", "TRUE", "True"].includes(inline)) options.daemonMode = true;
      else if (["false", "0", "f", "FALSE", "False"].includes(inline)) options.daemonMode = false;
      else options.problems.push(`-daemon-mode=${inline} is not a boolean`);
    } else {
      options.problems.push(`-${name} is not a flag of spiffe-helper`);
    }
  }
  return options;
}
