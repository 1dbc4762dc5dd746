// Rendering with the kustomize built into kubectl, and YAML parsing that refuses what the
// services' own parser would silently accept (duplicate keys).
import { spawnSync } from "node:child_process";
import { parseAllDocuments, parse } from "yaml";

export function render(dir) {
  const result = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.error) {
    throw new Error(`cannot run kubectl (${result.error.code ?? result.error.message}): install kubectl 1.27 or later, which has kustomize built in`);
  }
  if (result.status !== 0) {
    throw new Error(`kubectl kustomize ${dir} failed: ${result.stderr.trim()}`);
  }
  return parseStream(result.stdout, `kubectl kustomize ${dir}`);
}

export function parseStream(text, source) {
  const objects = [];
  for (const doc of parseAllDocuments(text, { uniqueKeys: true })) {
    if (doc.errors.length > 0) {
      throw new Error(`${source}: ${doc.errors[0].message}`);
    }
    const value = doc.toJS({ maxAliasCount: 0 });
    if (value !== null && value !== undefined) {
      objects.push(value);
    }
  }
  return objects;
}

/** One YAML document, e.g. a service config from a ConfigMap; throws on duplicate keys and syntax errors. */
export function parseOne(text) {
  return parse(text, { uniqueKeys: true, maxAliasCount: 0 });
}
