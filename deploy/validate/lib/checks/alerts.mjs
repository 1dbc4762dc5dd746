// The alerting rules: the PrometheusRule a target renders carries exactly the groups of
// components/alerts/rules.yml, the file that promtool checks and unit-tests (run.sh), so what is
// tested is what is deployed. Every alert has a severity and a summary.
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import path from "node:path";
import { describe, ofKind } from "../k8s.mjs";
import { parseOne } from "../render.mjs";

export const RULES_FILE = "components/alerts/rules.yml";

export const alerts = {
  name: "alerts: PrometheusRule = the promtool-tested rules.yml",
  applies: (context) => Boolean(context.expect.alerts) || context.objects.some((o) => o.kind === "PrometheusRule"),
  run(context, findings) {
    const rules = ofKind(context.objects, "PrometheusRule");
    if (rules.length !== 1) {
      findings.fail(`${rules.length} PrometheusRules in the render, expected 1 (components/alerts)`);
      return;
    }
    const rule = rules[0];
    const at = describe(rule);
    const groups = context.alertRules ?? loadRules(context, findings);
    if (!groups) return;
    if (!isDeepStrictEqual(rule.spec?.groups, groups)) {
      const names = (list) => (list ?? []).flatMap((g) => (g.rules ?? []).map((r) => r.alert ?? r.record));
      findings.fail(`${at}: its groups differ from ${RULES_FILE} (the rules promtool tests); rules ${JSON.stringify(names(rule.spec?.groups))} vs ${JSON.stringify(names(groups))}: run node deploy/validate/tools/sync-rules.mjs`);
    }
    for (const group of rule.spec?.groups ?? []) {
      for (const entry of group.rules ?? []) {
        if (!entry.alert) continue;
        if (!entry.labels?.severity) findings.fail(`${at}: alert ${entry.alert} has no severity label`);
        if (!entry.annotations?.summary) findings.fail(`${at}: alert ${entry.alert} has no summary annotation`);
      }
    }
  },
};

function loadRules(context, findings) {
  const deployDir = path.resolve(context.dir, ...context.target.split("/").map(() => ".."));
  const file = path.join(deployDir, RULES_FILE);
  try {
    return parseOne(readFileSync(file, "utf8")).groups;
  } catch (error) {
    findings.fail(`${RULES_FILE}: ${error.message}`);
    return null;
  }
}
