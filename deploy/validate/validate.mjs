#!/usr/bin/env node
// Offline validation of deploy/: renders deploy/base and every deploy/overlays/* with the kustomize
// built into kubectl, checks every object against its schema and the project's invariants, prints
// a summary and exits non-zero on any failure. No cluster is contacted.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildContext } from "./lib/context.mjs";
import { loadMatrix, matrixProblems } from "./lib/matrix.mjs";
import { render } from "./lib/render.mjs";
import { runChecks } from "./lib/run.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));

const USAGE = `Usage: node validate.mjs [--deploy-dir DIR] [--only TARGET]... [--service-jars ROOT]

Renders DIR/base, every DIR/cluster/<name> and every DIR/overlays/<name> (kubectl kustomize, no cluster needed) and checks
every rendered object: its schema (kubernetes-models, cert-manager and Prometheus Operator CRDs;
an unknown kind fails), and the invariants of this project: tls paths = mounted files, certificate
URIs = authorization identities = access matrix, probe ports = container ports = config,
NetworkPolicies = access matrix (both ways), non-root read-only containers, no embedded secrets.

  --deploy-dir DIR   the deploy directory (default: the parent of this script's directory)
  --only TARGET      check only this target, e.g. base or overlays/cert-manager (repeatable)
  --service-jars ROOT
                     also run each rendered config through its service's own parser:
                     java -jar ROOT/<svc>/target/<svc>.jar check <config> (needs built jars)
  -h, --help         this text

Exit status: 0 all checks passed, 1 a check failed, 2 bad usage or a missing tool.`;

function parseArgs(argv) {
  const options = { deployDir: path.resolve(HERE, ".."), only: [], serviceJars: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h" || arg === "--help") {
      console.log(USAGE);
      process.exit(0);
    } else if (arg === "--deploy-dir" && argv[i + 1]) {
      options.deployDir = path.resolve(argv[++i]);
    } else if (arg === "--only" && argv[i + 1]) {
      options.only.push(argv[++i].replace(/\/+$/, ""));
    } else if (arg === "--service-jars" && argv[i + 1]) {
      options.serviceJars = path.resolve(argv[++i]);
    } else {
      console.error(`validate: unknown argument ${arg}\n\n${USAGE}`);
      process.exit(2);
    }
  }
  return options;
}

function targetsIn(deployDir) {
  const under = (parent) => {
    const dir = path.join(deployDir, parent);
    return existsSync(dir)
      ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `${parent}/${e.name}`).sort()
      : [];
  };
  return ["base", ...under("cluster"), ...under("overlays")];
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const matrix = loadMatrix(path.join(HERE, "access-matrix.json"));
  const expectations = JSON.parse(readFileSync(path.join(HERE, "targets.json"), "utf8"));
  let targets = targetsIn(options.deployDir);
  if (options.only.length) {
    const unknown = options.only.filter((t) => !targets.includes(t));
    if (unknown.length) {
      console.error(`validate: no such target ${unknown.join(", ")} (targets: ${targets.join(", ")})`);
      process.exit(2);
    }
    targets = options.only;
  }

  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const record = (status) => {
    if (status === "pass") passed++;
    else if (status === "fail") failed++;
    else skipped++;
  };

  const ownProblems = matrixProblems(matrix);
  console.log(`${ownProblems.length ? "FAIL" : "ok  "}  access-matrix.json is consistent`);
  ownProblems.forEach((problem) => console.log(`        - ${problem}`));
  record(ownProblems.length ? "fail" : "pass");

  for (const target of targets) {
    const dir = path.join(options.deployDir, target);
    console.log(`\n${target}  (kubectl kustomize ${path.relative(process.cwd(), dir) || "."})`);
    const expect = expectations[target];
    if (!expect) {
      console.log(`FAIL  ${target} is not described in targets.json`);
      record("fail");
      continue;
    }
    let objects;
    try {
      objects = render(dir);
    } catch (error) {
      console.log(`FAIL  render: ${error.message}`);
      record("fail");
      if (/cannot run kubectl/.test(error.message)) process.exit(2);
      continue;
    }
    console.log(`ok    render: ${objects.length} objects`);
    record("pass");
    let clusterObjects;
    try {
      clusterObjects = (expect.with ?? []).flatMap((other) => render(path.join(options.deployDir, other)));
    } catch (error) {
      console.log(`FAIL  render of what it relies on (${expect.with}): ${error.message}`);
      record("fail");
      continue;
    }
    const context = buildContext({ target, dir, objects, matrix, expect, clusterObjects, deployDir: options.deployDir });
    context.serviceJars = options.serviceJars;
    for (const result of runChecks(context)) {
      record(result.status);
      const mark = { pass: "ok  ", fail: "FAIL", skip: "skip" }[result.status];
      const notes = result.warnings.length ? `  (${result.warnings.length} warning${result.warnings.length > 1 ? "s" : ""})` : "";
      console.log(`${mark}  ${result.name}${result.status === "skip" ? " (not part of this run)" : notes}`);
      result.failures.forEach((failure) => console.log(`        - ${failure}`));
      result.warnings.forEach((warning) => console.log(`        warning: ${warning}`));
    }
  }
  console.log(`\n${failed ? "FAILED" : "OK"}: ${targets.length} kustomizations rendered and checked offline; no cluster was contacted.`);
  console.log(`validate: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(failed ? 1 : 0);
}

main();
