// The access matrix (access-matrix.json) and what follows from it.
import { readFileSync } from "node:fs";
import { connectionKey, WORLD } from "./netpol.mjs";

export function loadMatrix(file) {
  return JSON.parse(readFileSync(file, "utf8"));
}

/** Who holds each role of a service: Map caller -> sorted roles. */
export function grantsOf(serviceMatrix) {
  const grants = new Map();
  for (const [role, callers] of Object.entries(serviceMatrix.roles)) {
    for (const caller of callers) {
      grants.set(caller, [...(grants.get(caller) ?? []), role].sort());
    }
  }
  return grants;
}

/** The matrix's own consistency: every name it uses is defined, and calls agree with roles. */
export function matrixProblems(matrix) {
  const problems = [];
  const names = new Set([...Object.keys(matrix.services), ...Object.keys(matrix.workloads)]);
  for (const [name, service] of Object.entries(matrix.services)) {
    for (const caller of [...Object.values(service.roles).flat(), ...service.admin, ...(service.metrics ?? [])]) {
      if (!names.has(caller)) problems.push(`${name}: caller ${caller} is neither a service nor a workload`);
    }
    for (const callee of service.calls ?? []) {
      if (!grantsOf(matrix.services[callee] ?? { roles: {} }).has(name)) {
        problems.push(`${name} calls ${callee}, but holds none of ${callee}'s roles`);
      }
    }
  }
  for (const [name, service] of Object.entries(matrix.services)) {
    if (!(service.metrics ?? []).includes(matrix.scraper.identity)) problems.push(`${name}: metrics does not name the scraper ${matrix.scraper.identity}`);
    if (service.admin.includes(matrix.scraper.identity)) problems.push(`${name}: the scraper ${matrix.scraper.identity} is in admin; it needs metrics only`);
  }
  for (const name of [matrix.scraper.workload, matrix.database.workload, matrix.database.operator, matrix.dns.workload,
    ...(matrix.apiServer?.clients ?? [])].filter(Boolean)) {
    if (!matrix.workloads[name]) problems.push(`workload ${name} is not defined`);
  }
  return problems;
}

/**
 * Every connection the matrix allows, as keys of netpol.connectionKey.
 * @param workloads the same workload list the policies are evaluated on (rendered services + matrix workloads)
 */
export function expectedConnections(matrix, workloads) {
  const byName = new Map(workloads.map((w) => [w.name, w]));
  const expected = new Set();
  const add = (from, to, portName) => {
    const port = byName.get(to)?.ports.find((p) => p.name === portName);
    if (!byName.has(from) || !port) {
      throw new Error(`access matrix: ${from} -> ${to}:${portName} names an unknown workload or port`);
    }
    expected.add(connectionKey(from, to, port));
  };
  for (const [name, service] of Object.entries(matrix.services)) {
    for (const caller of grantsOf(service).keys()) add(caller, name, "app");
    for (const caller of new Set([...service.admin, ...(service.metrics ?? []), matrix.scraper.workload])) add(caller, name, matrix.scraper.port);
    if (service.database) add(name, matrix.database.workload, matrix.database.port);
  }
  const database = matrix.database;
  for (const port of database.operatorPorts ?? []) add(database.operator, database.workload, port);
  if (database.replicationPort) add(database.workload, database.workload, database.replicationPort);
  for (const client of matrix.apiServer?.clients ?? []) {
    for (const port of matrix.apiServer.ports) expected.add(connectionKey(client, WORLD.name, WORLD.ports.find((p) => p.port === port)));
  }
  for (const workload of workloads.filter((w) => w.namespace === matrix.namespace)) {
    for (const port of matrix.dns.ports) add(workload.name, matrix.dns.workload, port);
  }
  return expected;
}
