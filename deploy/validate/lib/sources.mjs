// The access matrix (access-matrix.json) is the one source; everything else that states it is
// checked against it: the NetworkPolicies and the deploy ConfigMaps' authorization blocks per render
// (checks/network.mjs, checks/identities.mjs), and here, once per run, the services' own configs
// (config/<service>.yml) and the table of docs/security.md.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { grantsOf } from "./matrix.mjs";
import { parseOne } from "./render.mjs";

const id = (matrix, name) => `spiffe://${matrix.trustDomain}/${name}`;
const sorted = (list) => [...(list ?? [])].map(String).sort();
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** config/<service>.yml: authorization.peers, authorization.admin and the callees' identities, as the matrix says. */
export function configProblems(matrix, configs) {
  const problems = [];
  for (const [name, service] of Object.entries(matrix.services)) {
    const file = `config/${service.config}`;
    const text = configs[name];
    if (text === undefined) {
      problems.push(`${file} is missing`);
      continue;
    }
    let config;
    try {
      config = parseOne(text) ?? {};
    } catch (error) {
      problems.push(`${file}: ${error.message}`);
      continue;
    }
    const expected = Object.fromEntries([...grantsOf(service)].map(([caller, roles]) => [id(matrix, caller), roles]));
    const actual = Object.fromEntries(Object.entries(config.authorization?.peers ?? {}).map(([peer, roles]) => [peer, sorted(roles)]));
    for (const peer of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
      if (!actual[peer]) problems.push(`${file}: authorization.peers lacks ${peer} ${JSON.stringify(expected[peer])}`);
      else if (!expected[peer]) problems.push(`${file}: authorization.peers grants ${peer} ${JSON.stringify(actual[peer])}, which the matrix does not`);
      else if (!same(actual[peer], expected[peer])) problems.push(`${file}: ${peer} holds ${JSON.stringify(actual[peer])}, the matrix grants ${JSON.stringify(expected[peer])}`);
    }
    for (const list of ["admin", "metrics"]) {
      const want = sorted((service[list] ?? []).map((a) => id(matrix, a)));
      if (!same(sorted(config.authorization?.[list]), want)) {
        problems.push(`${file}: authorization.${list} is ${JSON.stringify(sorted(config.authorization?.[list]))}, the matrix says ${JSON.stringify(want)}`);
      }
    }
    for (const callee of service.calls ?? []) {
      if (config[callee]?.identity !== id(matrix, callee)) {
        problems.push(`${file}: ${callee}.identity is ${config[callee]?.identity}, expected ${id(matrix, callee)}`);
      }
    }
  }
  return problems;
}

/**
 * The table "| service | endpoint | role | granted to |" of docs/security.md: every role of the
 * matrix in a row of its service, granted to exactly the matrix's callers, and no other role; the
 * admin row (role `authorization.admin`, service "all three") names the matrix's admins.
 */
export function docsProblems(matrix, text, file = "docs/security.md") {
  const problems = [];
  const lines = text.split("\n");
  const header = lines.findIndex((l) => /^\|\s*service\s*\|\s*endpoint\s*\|\s*role\s*\|\s*granted to\s*\|\s*$/i.test(l));
  if (header < 0) return [`${file}: no table "| service | endpoint | role | granted to |"`];
  const rows = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith("|")) break;
    const cells = line.split("|").slice(1, -1).map((c) => c.trim());
    const role = /^`([^`]+)`$/.exec(cells[2] ?? "")?.[1];
    if (!role) continue;   // rows without a role (e.g. /healthcheck for any certificate)
    rows.push({ service: cells[0], role, callers: cells[3].split(",").map((c) => c.trim()).filter(Boolean).sort(), line });
  }
  const LISTS = { "authorization.admin": "admin", "authorization.metrics": "metrics" };
  const documented = new Map(rows.filter((r) => !LISTS[r.role]).map((r) => [`${r.service}/${r.role}`, r]));
  for (const [name, service] of Object.entries(matrix.services)) {
    for (const [role, callers] of Object.entries(service.roles)) {
      const row = documented.get(`${name}/${role}`);
      if (!row) problems.push(`${file}: no row for ${name}'s role ${role} (granted to ${[...callers].sort().join(", ")})`);
      else if (!same(row.callers, [...callers].sort())) {
        problems.push(`${file}: ${name}'s ${role} is granted to ${row.callers.join(", ")} there, to ${[...callers].sort().join(", ")} in the matrix`);
      }
      documented.delete(`${name}/${role}`);
    }
  }
  for (const row of documented.values()) problems.push(`${file}: role ${row.role} of ${row.service} is not in the matrix: ${row.line}`);
  // "prometheus (the scraper)": the name, then words about it
  const names = (row) => row.callers.map((c) => c.split(/\s+/)[0]).sort();
  for (const [role, list] of Object.entries(LISTS)) {
    const listed = rows.filter((r) => r.role === role);
    const want = [...new Set(Object.values(matrix.services).flatMap((s) => s[list] ?? []))].sort();
    if (!want.length && !listed.length) continue;
    if (listed.length !== 1) problems.push(`${file}: expected one ${role} row, found ${listed.length}`);
    else if (!same(names(listed[0]), want)) problems.push(`${file}: the ${role} row names ${names(listed[0]).join(", ")}, the matrix ${want.join(", ")}`);
  }
  return problems;
}

/** Both, read from a repository root. */
export function sourceProblems(matrix, root) {
  const configs = {};
  for (const [name, service] of Object.entries(matrix.services)) {
    const file = path.join(root, "config", service.config);
    if (existsSync(file)) configs[name] = readFileSync(file, "utf8");
  }
  const docs = path.join(root, "docs", "security.md");
  return {
    configs: configProblems(matrix, configs),
    docs: existsSync(docs) ? docsProblems(matrix, readFileSync(docs, "utf8")) : ["docs/security.md is missing"],
  };
}
