// Runs the checks on one context: [{name, status: pass | fail | skip, failures, warnings}].
import { CHECKS } from "./checks/index.mjs";
import { Findings } from "./findings.mjs";

export function runChecks(context, checks = CHECKS) {
  return checks.map((check) => {
    // A cluster kustomization (deploy/cluster/*) has no services: only checks made for it run there.
    if ((context.expect.cluster && !check.cluster) || (check.applies && !check.applies(context))) {
      return { name: check.name, status: "skip", failures: [], warnings: [] };
    }
    const findings = new Findings();
    try {
      check.run(context, findings);
    } catch (error) {
      findings.fail(`the check itself failed: ${error.stack ?? error}`);
    }
    return { name: check.name, status: findings.failures.length ? "fail" : "pass", ...findings };
  });
}
