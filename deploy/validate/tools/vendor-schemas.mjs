#!/usr/bin/env node
// Vendors upstream schemas for the validator's strict check (lib/strict.mjs), descriptions removed:
//   node tools/vendor-schemas.mjs crd FILE.yaml...       each CustomResourceDefinition's served versions
//                                                        -> schemas/<group>/<version>/<Kind>.json (openAPIV3Schema)
//   node tools/vendor-schemas.mjs kubernetes SWAGGER.json VERSION
//                                                        -> openapi/kubernetes-<VERSION>.json (the definitions
//                                                           of Kubernetes' api/openapi-spec/swagger.json)
// Record where each file came from (repository, tag, path) in schemas/README.md or openapi/README.md.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// What the strict walk never reads: prose, and list/patch/map annotations that change nothing about
// which fields exist.
const DROP = new Set(["description", "x-kubernetes-list-map-keys", "x-kubernetes-list-type", "x-kubernetes-patch-merge-key",
  "x-kubernetes-patch-strategy", "x-kubernetes-map-type", "x-kubernetes-unions", "x-kubernetes-validations", "example"]);

function strip(value, underProperties = false) {
  if (Array.isArray(value)) return value.map((v) => strip(v));
  if (!value || typeof value !== "object") return value;
  const out = {};
  for (const [key, child] of Object.entries(value)) {
    if (!underProperties && DROP.has(key)) continue;   // a property may well be named "description"
    out[key] = strip(child, !underProperties && (key === "properties" || key === "definitions"));
  }
  return out;
}

const write = (file, value) => {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 1)}\n`);
  console.log(`wrote ${path.relative(ROOT, file)}`);
};

const [mode, ...args] = process.argv.slice(2);
if (mode === "crd") {
  for (const file of args) {
    for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
      const crd = doc.toJS();
      if (crd?.kind !== "CustomResourceDefinition") continue;
      for (const version of crd.spec.versions ?? []) {
        const schema = version.schema?.openAPIV3Schema;
        if (!schema || version.served === false) continue;
        write(path.join(ROOT, "schemas", crd.spec.group, version.name, `${crd.spec.names.kind}.json`), strip(schema));
      }
    }
  }
} else if (mode === "kubernetes" && args.length === 2) {
  const swagger = JSON.parse(readFileSync(args[0], "utf8"));
  write(path.join(ROOT, "openapi", `kubernetes-${args[1]}.json`), strip({ definitions: swagger.definitions }));
} else {
  console.error("usage: vendor-schemas.mjs crd FILE.yaml... | kubernetes SWAGGER.json VERSION");
  process.exit(2);
}
