#!/usr/bin/env node
// Writes deploy/components/alerts/prometheusrule.yaml from rules.yml beside it: the PrometheusRule
// carries exactly the groups of the plain rule file that promtool checks and tests. The validator
// fails when the two differ; run this after editing rules.yml:
//   node deploy/validate/tools/sync-rules.mjs
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";

const alerts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../components/alerts");
const groups = parse(readFileSync(path.join(alerts, "rules.yml"), "utf8")).groups;
const rule = {
  apiVersion: "monitoring.coreos.com/v1",
  kind: "PrometheusRule",
  metadata: { name: "tiktokmall", namespace: "tiktokmall", labels: { "app.kubernetes.io/name": "tiktokmall" } },
  spec: { groups },
};
const header = `# Generated from rules.yml by deploy/validate/tools/sync-rules.mjs: edit rules.yml, then run it.
# The validator fails when this PrometheusRule and rules.yml differ. Your Prometheus must select it
# (ruleSelector / ruleNamespaceSelector, often a label such as release: <name>).
`;
writeFileSync(path.join(alerts, "prometheusrule.yaml"), header + stringify(rule, { lineWidth: 0 }));
console.log(`wrote ${path.relative(process.cwd(), path.join(alerts, "prometheusrule.yaml"))}`);
