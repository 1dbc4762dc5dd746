#!/usr/bin/env node
// Writes deploy/components/alerts/prometheusrule.yaml from rules.yml beside it: the PrometheusRule
// carries exactly the groups of the plain rule file that promtool checks and tests, with the
// install's namespace (namespace="tiktokmall" in rules.yml) written as the kustomize var
// $(TIKTOKMALL_ALERTS_NAMESPACE), which kustomize replaces with the PrometheusRule's own namespace in
// the outermost kustomization (components/alerts/kustomization.yaml). The validator fails when the
// rendered rule and rules.yml (with the render's namespace) differ; run this after editing rules.yml:
//   node deploy/validate/tools/sync-rules.mjs
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";

/** The namespace rules.yml is written (and promtool-tested) for, and the var that stands for it. */
export const RULES_NAMESPACE = "tiktokmall";
export const NAMESPACE_VAR = "$(TIKTOKMALL_ALERTS_NAMESPACE)";
/** rules.yml's groups with each namespace matcher of its own namespace set to `namespace`. */
export function withNamespace(groups, namespace) {
  return JSON.parse(JSON.stringify(groups, (key, value) => (key === "expr" && typeof value === "string"
    ? value.replaceAll(`namespace="${RULES_NAMESPACE}"`, `namespace="${namespace}"`) : value)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();

function main() {
  const alerts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../components/alerts");
  const groups = withNamespace(parse(readFileSync(path.join(alerts, "rules.yml"), "utf8")).groups, NAMESPACE_VAR);
  const rule = {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: { name: "tiktokmall", namespace: "tiktokmall", labels: { "app.kubernetes.io/name": "tiktokmall" } },
    spec: { groups },
  };
  const header = `# Generated from rules.yml by deploy/validate/tools/sync-rules.mjs: edit rules.yml, then run it.
# The validator fails when the rendered PrometheusRule and rules.yml differ. ${NAMESPACE_VAR} is the
# namespace this rule lands in (a kustomize var, kustomization.yaml), so every expression selects
# the install's own series only. Your Prometheus must select it (ruleSelector /
# ruleNamespaceSelector, often a label such as release: <name>).
`;
  writeFileSync(path.join(alerts, "prometheusrule.yaml"), header + stringify(rule, { lineWidth: 0 }));
  console.log(`wrote ${path.relative(process.cwd(), path.join(alerts, "prometheusrule.yaml"))}`);
}
