// Schema validation with the model classes of kubernetes-models (Kubernetes' own OpenAPI schemas)
// and its cert-manager and Prometheus Operator companions (their CRD schemas). A kind none of them
// knows is an error: an object nobody can check is not an object that passed.
import * as kubernetes from "kubernetes-models";
import * as certManager from "@kubernetes-models/cert-manager";
import * as prometheusOperator from "@kubernetes-models/prometheus-operator";
import { readdirSync, readFileSync } from "node:fs";
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

// Vendored CRD schemas (schemas/<group>/<version>/<Kind>.json: a CRD's openAPIV3Schema, source and
// release in schemas/README.md), for kinds no model package covers. Strict: an object schema with
// properties and no additionalProperties (nor x-kubernetes-preserve-unknown-fields) admits no
// other field, as the API server prunes unknown fields of a structural schema instead of keeping them.
const SCHEMAS = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "schemas");
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

function closed(schema) {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== "object") return schema;
  const copy = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, closed(value)]));
  if (copy.properties && copy.additionalProperties === undefined && !copy["x-kubernetes-preserve-unknown-fields"]) {
    copy.additionalProperties = false;
  }
  return copy;
}

function vendored(dir, parts = []) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      vendored(file, [...parts, entry.name]);
    } else if (entry.name.endsWith(".json") && parts.length === 2) {
      const [group, version] = parts;
      const kind = entry.name.slice(0, -".json".length);
      const validate = ajv.compile(closed(JSON.parse(readFileSync(file, "utf8"))));
      registry.set(`${group}/${version}/${kind}`, {
        vendored: true,
        errors: (object) => (validate(object) ? [] : validate.errors.map((e) => `${e.instancePath || "/"} ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ""}`)),
      });
    }
  }
}
vendored(SCHEMAS);

export function knownKinds() {
  return registry.size;
}

/** The schema errors of one object, or [] when it is valid. */
export function schemaErrors(object) {
  const type = registry.get(`${object.apiVersion}/${object.kind}`);
  if (!type) {
    return [`unknown kind ${object.apiVersion}/${object.kind}: no schema to check it against`];
  }
  if (type.vendored) {
    return type.errors(object);
  }
  try {
    new type(object).validate();
    return [];
  } catch (error) {
    return [String(error.message ?? error)];
  }
}
