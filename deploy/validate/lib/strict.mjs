// Strict schemas: an unknown field anywhere in an object is an error. The API server drops fields
// it does not know (or, with kubectl's default field validation, only warns), so a misspelled
// `readinesProbe` would be applied as if it were not there. The model packages (lib/models.mjs)
// check types and required fields but accept unknown ones; this walks every object against the
// upstream schemas, where every object schema that lists its properties is closed:
//
// - Kubernetes' own kinds: the definitions of Kubernetes' OpenAPI document (openapi/kubernetes-*.json);
//   an object schema without properties there is free-form (RawExtension, FieldsV1), one with
//   additionalProperties is a map;
// - custom resources: the CRD's openAPIV3Schema, vendored as schemas/<group>/<version>/<Kind>.json
//   (schemas/README.md says from where), validated with ajv after closing every object schema the
//   way the API server prunes a structural schema: closed unless x-kubernetes-preserve-unknown-fields
//   or additionalProperties say otherwise. The root metadata is an ObjectMeta, checked as above.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Ajv from "ajv";
import addFormats from "ajv-formats";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SCHEMAS_DIR = path.resolve(HERE, "../schemas");
const OPENAPI_DIR = path.resolve(HERE, "../openapi");

// ---- Kubernetes' own kinds ----

function loadKubernetes() {
  const files = existsSync(OPENAPI_DIR) ? readdirSync(OPENAPI_DIR).filter((f) => /^kubernetes-.*\.json$/.test(f)).sort() : [];
  if (files.length !== 1) {
    throw new Error(`expected exactly one openapi/kubernetes-<version>.json, found ${files.length}`);
  }
  const definitions = JSON.parse(readFileSync(path.join(OPENAPI_DIR, files[0]), "utf8")).definitions;
  const kinds = new Map();
  for (const [name, definition] of Object.entries(definitions)) {
    for (const gvk of definition["x-kubernetes-group-version-kind"] ?? []) {
      const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
      kinds.set(`${apiVersion}/${gvk.kind}`, name);
    }
  }
  return { version: files[0].replace(/^kubernetes-|\.json$/g, ""), definitions, kinds };
}

const kubernetes = loadKubernetes();

/** Unknown fields of `value` against a definition of Kubernetes' OpenAPI document (or an inline schema). */
function walkOpenApi(value, schema, at, errors) {
  while (schema?.$ref) {
    schema = kubernetes.definitions[schema.$ref.replace("#/definitions/", "")];
  }
  if (!schema || schema["x-kubernetes-preserve-unknown-fields"]) return;
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((item, i) => walkOpenApi(item, schema.items, `${at}[${i}]`, errors));
    return;
  }
  if (!value || typeof value !== "object") return;   // types are the model packages' check
  if (schema.properties) {
    for (const [key, child] of Object.entries(value)) {
      if (!Object.hasOwn(schema.properties, key)) {
        errors.push(`${at ? `${at}.` : ""}${key}: unknown field`);
      } else {
        walkOpenApi(child, schema.properties[key], at ? `${at}.${key}` : key, errors);
      }
    }
  } else if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
    for (const [key, child] of Object.entries(value)) walkOpenApi(child, schema.additionalProperties, `${at}[${key}]`, errors);
  }
  // an object schema with neither: free-form (RawExtension, FieldsV1)
}

// ---- custom resources ----

/** Closes a structural schema the way the API server prunes: an object keeps only what it names. */
export function closeSchema(schema, isRoot = true) {
  if (Array.isArray(schema)) return schema.map((s) => closeSchema(s, false));
  if (!schema || typeof schema !== "object") return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "properties") {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, child]) =>
        // the root metadata is an ObjectMeta, which the API server knows and a CRD does not spell out
        [name, isRoot && name === "metadata" ? { type: "object" } : closeSchema(child, false)]));
    } else if (key === "items" || key === "additionalProperties") {
      out[key] = typeof value === "boolean" ? value : closeSchema(value, false);
    } else {   // allOf/anyOf/oneOf/not of a structural schema only constrain what the level names: as they are
      out[key] = value;
    }
  }
  const isObject = out.type === "object" || out.properties !== undefined;
  if (isObject && !out["x-kubernetes-preserve-unknown-fields"] && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  if (out["x-kubernetes-int-or-string"] && !out.anyOf) {
    delete out.type;
    out.anyOf = [{ type: "integer" }, { type: "string" }];
  }
  return out;
}

/**
 * CRD patterns are Go RE2: a leading (?i) becomes the i flag; a pattern JavaScript cannot read
 * (none of the vendored ones, today) matches anything rather than failing the whole schema.
 */
function re2(source, flags) {
  let pattern = source;
  let extra = "";
  if (pattern.startsWith("(?i)")) {
    pattern = pattern.slice(4);
    extra = "i";
  }
  try {
    return new RegExp(pattern, flags + extra);
  } catch {
    return /(?:)/u;
  }
}
re2.code = 'require("../lib/strict.mjs").re2';   // never used: the validators are not written out as code

function newAjv() {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true, code: { regExp: re2 } });
  addFormats(ajv);
  for (const format of ["int-or-string", "quantity"]) ajv.addFormat(format, true);
  return ajv;
}

/** Every schemas/<group>/<version>/<Kind>.json: Map "group/version/Kind" -> {file, validate}. */
export function loadCustomSchemas(dir = SCHEMAS_DIR) {
  const ajv = newAjv();
  const schemas = new Map();
  if (!existsSync(dir)) return schemas;
  for (const group of readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory())) {
    for (const version of readdirSync(path.join(dir, group.name), { withFileTypes: true }).filter((e) => e.isDirectory())) {
      for (const file of readdirSync(path.join(dir, group.name, version.name)).filter((f) => /^[A-Z]\w*\.json$/.test(f))) {
        const where = path.join(dir, group.name, version.name, file);
        const schema = closeSchema(JSON.parse(readFileSync(where, "utf8")));
        schemas.set(`${group.name}/${version.name}/${file.replace(/\.json$/, "")}`,
          { file: path.relative(path.resolve(dir, ".."), where), validate: ajv.compile(schema) });
      }
    }
  }
  return schemas;
}

const custom = loadCustomSchemas();

export function kubernetesVersion() {
  return kubernetes.version;
}

/** Whether this kind has a schema here, strict or not (core Kubernetes or a vendored CRD). */
export function hasStrictSchema(object) {
  const key = `${object.apiVersion}/${object.kind}`;
  return kubernetes.kinds.has(key) || custom.has(key);
}

export function hasCustomSchema(object) {
  return custom.has(`${object.apiVersion}/${object.kind}`);
}

/**
 * Unknown fields of a part of an object against one of Kubernetes' definitions, e.g. the containers
 * of a partial custom resource no CRD schema here covers ("io.k8s.api.core.v1.Container").
 */
export function strictErrorsOf(value, definition, at = "") {
  if (!kubernetes.definitions[definition]) throw new Error(`no definition ${definition} in Kubernetes ${kubernetes.version}'s OpenAPI document`);
  const errors = [];
  walkOpenApi(value, { $ref: `#/definitions/${definition}` }, at, errors);
  return errors;
}

/** Unknown fields (and, for custom resources, every schema error) of one object; [] when none. */
export function strictErrors(object) {
  const key = `${object.apiVersion}/${object.kind}`;
  const errors = [];
  const definition = kubernetes.kinds.get(key);
  if (definition) {
    walkOpenApi(object, { $ref: `#/definitions/${definition}` }, "", errors);
    return errors;
  }
  const schema = custom.get(key);
  if (!schema) {
    return [`no strict schema for ${key}: vendor its CRD's openAPIV3Schema as schemas/${key}.json (tools/vendor-schemas.mjs)`];
  }
  walkOpenApi(object.metadata, { $ref: "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" }, "metadata", errors);
  if (!schema.validate(object)) {
    for (const error of schema.validate.errors) {
      const where = error.instancePath.replace(/^\//, "").split("/").filter(Boolean)
        .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : `${i ? "." : ""}${part}`)).join("");
      if (error.keyword === "additionalProperties") {
        errors.push(`${where ? `${where}.` : ""}${error.params.additionalProperty}: unknown field (${schema.file})`);
      } else {
        errors.push(`${where || "(root)"} ${error.message} (${schema.file})`);
      }
    }
  }
  return errors;
}
