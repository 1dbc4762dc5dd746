// The alerting rules: the PrometheusRule a target renders carries exactly the groups of
// components/alerts/rules.yml, the file that promtool checks and unit-tests (run.sh), with the
// render's namespace where rules.yml names its own, so what is tested is what is deployed. Every
// expression selects only the install's series: each vector selector names the namespace the rule is
// rendered into (two installs would otherwise alert on each other's pods). Every alert has a
// severity and a summary. Every overlay that deploys the services has it (lib/context.mjs
// deploysServices), whatever targets.json says.
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import path from "node:path";
import { describe, ofKind } from "../k8s.mjs";
import { deploysServices } from "../context.mjs";
import { parseOne } from "../render.mjs";
import { withNamespace } from "../../tools/sync-rules.mjs";

export const RULES_FILE = "components/alerts/rules.yml";

export const alerts = {
  name: "alerts: PrometheusRule = the promtool-tested rules.yml",
  applies: (context) => deploysServices(context) || context.objects.some((o) => o.kind === "PrometheusRule"),
  run(context, findings) {
    const rules = ofKind(context.objects, "PrometheusRule");
    if (rules.length !== 1) {
      findings.fail(`${rules.length} PrometheusRules in the render, expected 1: every overlay that deploys the services includes components/alerts`);
      return;
    }
    const rule = rules[0];
    const at = describe(rule);
    const written = context.alertRules ?? loadRules(context, findings);
    if (!written) return;
    const groups = withNamespace(written, rule.metadata.namespace);
    if (!isDeepStrictEqual(rule.spec?.groups, groups)) {
      const names = (list) => (list ?? []).flatMap((g) => (g.rules ?? []).map((r) => r.alert ?? r.record));
      findings.fail(`${at}: its groups differ from ${RULES_FILE} (the rules promtool tests); rules ${JSON.stringify(names(rule.spec?.groups))} vs ${JSON.stringify(names(groups))}: run node deploy/validate/tools/sync-rules.mjs`);
    }
    for (const group of rule.spec?.groups ?? []) {
      for (const entry of group.rules ?? []) {
        const { selectors, bare } = vectorSelectors(String(entry.expr ?? ""));
        const name = entry.alert ?? entry.record;
        for (const metric of bare) {
          findings.fail(`${at}: ${name} selects ${metric} without a namespace: it would read every install's series`);
        }
        for (const selector of selectors) {
          if (!selector.matchers.some((m) => m.label === "namespace" && m.op === "=" && m.value === rule.metadata.namespace)) {
            findings.fail(`${at}: ${name} selects ${selector.text} without namespace="${rule.metadata.namespace}" (the namespace the rule is rendered into): it would read every install's series`);
          }
        }
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

const KEYWORDS = new Set(["and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "inf", "nan", "atan2"]);

/**
 * The vector selectors of a PromQL expression: {selectors: [{text, metric, matchers: [{label, op,
 * value}]}], bare: [metric names used without braces]}. Enough PromQL for rule files: strings,
 * label lists of by/without/on/ignoring/group_*, ranges and function calls are told apart.
 */
export function vectorSelectors(expr) {
  const selectors = [];
  const braces = /([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{((?:[^{}"]|"(?:[^"\\]|\\.)*")*)\}/g;
  let rest = expr;
  for (const match of expr.matchAll(braces)) {
    const matchers = [...match[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)]
      .map((m) => ({ label: m[1], op: m[2], value: m[3] }));
    selectors.push({ text: match[0].replace(/\s+/g, " "), metric: match[1] ?? "", matchers });
  }
  rest = rest.replace(braces, " ").replace(/"(?:[^"\\]|\\.)*"/g, " ").replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const bare = [];
  for (const match of rest.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    if (match[2] || KEYWORDS.has(match[1]) || /^\d/.test(match[1])) continue;
    const before = rest.slice(0, match.index);
    if (/[0-9.]$/.test(before)) continue;   // the exponent or unit of a number (1e3, 5m)
    bare.push(match[1]);
  }
  return { selectors, bare };
}
