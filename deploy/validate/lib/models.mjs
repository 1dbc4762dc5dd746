// Schema validation with the model classes of kubernetes-models (Kubernetes' own OpenAPI schemas)
// and its cert-manager and Prometheus Operator companions (their CRD schemas), then the strict
// check of lib/strict.mjs: no unknown field anywhere, against Kubernetes' OpenAPI definitions or the
// CRD schemas vendored under schemas/<group>/<version>/<Kind>.json (a kind with a vendored schema
// and no model class is checked by that schema alone). A kind none of them knows is an error: an
// object nobody can check is not an object that passed.
import * as kubernetes from "kubernetes-models";
import * as certManager from "@kubernetes-models/cert-manager";
import * as prometheusOperator from "@kubernetes-models/prometheus-operator";
import { hasCustomSchema, strictErrors } from "./strict.mjs";

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

export function knownKinds() {
  return registry.size;
}

/** The schema errors of one object, or [] when it is valid. */
export function schemaErrors(object) {
  const type = registry.get(`${object.apiVersion}/${object.kind}`);
  if (!type && !hasCustomSchema(object)) {
    return [`unknown kind ${object.apiVersion}/${object.kind}: no schema to check it against`];
  }
  const errors = [];
  if (type) {
    try {
      new type(object).validate();
    } catch (error) {
      errors.push(String(error.message ?? error));
    }
  }
  return [...errors, ...strictErrors(object)];
}
