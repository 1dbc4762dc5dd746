// Schema validation with the model classes of kubernetes-models (Kubernetes' own OpenAPI schemas)
// and its cert-manager and Prometheus Operator companions (their CRD schemas). A kind none of them
// knows is an error: an object nobody can check is not an object that passed.
import * as kubernetes from "kubernetes-models";
import * as certManager from "@kubernetes-models/cert-manager";
import * as prometheusOperator from "@kubernetes-models/prometheus-operator";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Ajv from "ajv";

const registry = new Map();

function collect(namespace, seen = new Set()) {
  if (!namespace || seen.has(namespace)) {
    return;
  }
  seen.add(namespace);
  for (const value of Object.values(namespace)) {
    if (typeof value === "function" && typeof value.apiVersion === "string" && typeof value.kind === "string") {
      registry.set(`${value.apiVersion}/${value.kind}`, value);
    } else if (value && typeof value === "object") {
      collect(value, seen);
    }
  }
}

[kubernetes, certManager, prometheusOperator].forEach((module) => collect(module));

// Kinds no package covers: schemas/<group>/<version>/<Kind>.json (schemas/README.md says where each
// comes from). An object schema with properties admits no other field unless it says otherwise.
const SCHEMAS = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "schemas");
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });

function closed(schema) {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== "object") return schema;
  const copy = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, closed(value)]));
  if (copy.properties && copy.additionalProperties === undefined && !copy["x-kubernetes-preserve-unknown-fields"]) {
    copy.additionalProperties = false;
  }
  return copy;
}

function vendoredKinds() {
  if (!existsSync(SCHEMAS)) return;
  for (const group of readdirSync(SCHEMAS, { withFileTypes: true }).filter((e) => e.isDirectory())) {
    for (const version of readdirSync(path.join(SCHEMAS, group.name), { withFileTypes: true }).filter((e) => e.isDirectory())) {
      for (const file of readdirSync(path.join(SCHEMAS, group.name, version.name)).filter((f) => f.endsWith(".json"))) {
        const schema = JSON.parse(readFileSync(path.join(SCHEMAS, group.name, version.name, file), "utf8"));
        const validate = ajv.compile(closed(schema));
        const kind = file.slice(0, -".json".length);
        const apiVersion = `${group.name}/${version.name}`;
        registry.set(`${apiVersion}/${kind}`, class {
          constructor(object) { this.object = object; }
          validate() {
            if (!validate(this.object)) {
              throw new Error(validate.errors.map((e) => `${e.instancePath || "/"} ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ""}`).join("; "));
            }
          }
        });
      }
    }
  }
}

vendoredKinds();

export function knownKinds() {
  return registry.size;
}

/** The schema errors of one object, or [] when it is valid. */
export function schemaErrors(object) {
  const type = registry.get(`${object.apiVersion}/${object.kind}`);
  if (!type) {
    return [`unknown kind ${object.apiVersion}/${object.kind}: no schema to check it against`];
  }
  try {
    new type(object).validate();
    return [];
  } catch (error) {
    return [String(error.message ?? error)];
  }
}
