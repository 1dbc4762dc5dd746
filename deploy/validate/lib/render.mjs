// Rendering with the kustomize built into kubectl, and YAML parsing that refuses what the
// services' own parser would silently accept (duplicate keys).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseAllDocuments, parse } from "yaml";

/** The second place every target is rendered into, as a user's kustomization over it would: another namespace, a name prefix. */
export const RELOCATED = { namespace: "mall-two", prefix: "two-" };

/**
 * Renders a kustomization; with `namespace` (and `prefix`), through a kustomization of its own
 * over it that sets `namespace:` and `namePrefix:`, the way someone installs it elsewhere.
 */
export function render(dir, { namespace, prefix } = {}) {
  if (namespace === undefined && !prefix) {
    return renderDirectory(dir);
  }
  const over = mkdtempSync(path.join(tmpdir(), "deploy-relocated-"));
  try {
    writeFileSync(path.join(over, "kustomization.yaml"), [
      "apiVersion: kustomize.config.k8s.io/v1beta1",
      "kind: Kustomization",
      ...(namespace !== undefined ? [`namespace: ${namespace}`] : []),
      ...(prefix ? [`namePrefix: ${prefix}`] : []),
      "resources:",
      `  - ${path.relative(over, path.resolve(dir))}`,
      "",
    ].join("\n"));
    return renderDirectory(over, dir);
  } finally {
    rmSync(over, { recursive: true, force: true });
  }
}

function renderDirectory(dir, shownAs = dir) {
  const result = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.error) {
    throw new Error(`cannot run kubectl (${result.error.code ?? result.error.message}): install kubectl 1.27 or later, which has kustomize built in`);
  }
  if (result.status !== 0) {
    throw new Error(`kubectl kustomize ${shownAs} failed: ${result.stderr.trim()}`);
  }
  return parseStream(result.stdout, `kubectl kustomize ${shownAs}`);
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
