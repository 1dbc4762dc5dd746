// The NetworkPolicies allow exactly the connections of the access matrix: each side (the callee's
// ingress, the caller's egress) and the two together, compared both ways.
import { expectedConnections } from "../matrix.mjs";
import { networkWorkloads, namespaceLabels } from "../context.mjs";
import { evaluate } from "../netpol.mjs";
import { describe, ofKind, selects } from "../k8s.mjs";

export const network = {
  name: "network policies = access matrix",
  run(context, findings) {
    const { matrix } = context;
    const policies = ofKind(context.objects, "NetworkPolicy");
    const defaultDeny = policies.find((p) => p.metadata.namespace === matrix.namespace
      && Object.keys(p.spec?.podSelector ?? {}).length === 0
      && ["Ingress", "Egress"].every((t) => (p.spec?.policyTypes ?? []).includes(t))
      && !(p.spec?.ingress?.length) && !(p.spec?.egress?.length));
    if (!defaultDeny) {
      findings.fail(`no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules) in ${matrix.namespace}`);
    }
    const workloads = networkWorkloads(context);
    let expected;
    try {
      expected = expectedConnections(matrix, workloads);
    } catch (error) {
      findings.fail(error.message);
      return;
    }
    // An ipBlock is allowed only where the matrix lets a workload reach the API server: a policy
    // that selects only such workloads, a rule with only the API server's ports.
    const apiServer = matrix.apiServer ?? { clients: [], ports: [] };
    const ipBlockAllowed = (policy, rule) => {
      const selected = workloads.filter((w) => w.namespace === policy.metadata.namespace && selects(policy.spec?.podSelector ?? {}, w.labels));
      return selected.length > 0 && selected.every((w) => apiServer.clients.includes(w.name))
        && (rule.ports ?? []).length > 0 && rule.ports.every((p) => apiServer.ports.includes(Number(p.port)) && (p.protocol ?? "TCP") === "TCP")
        && rule.to.every((peer) => peer.ipBlock);
    };
    // The API server is a few addresses: a block wider than 256 of them (0.0.0.0/0 above all) lets
    // the database pods reach whatever else lives there.
    for (const policy of policies) {
      (policy.spec?.egress ?? []).forEach((rule, index) => {
        for (const peer of rule.to ?? []) {
          if (!peer.ipBlock) continue;
          const size = addresses(peer.ipBlock.cidr);
          if (!(size <= 256)) {
            findings.fail(`${describe(policy)} egress[${index}]: ipBlock ${peer.ipBlock.cidr} is ${Number.isFinite(size) ? `${size} addresses` : "not a CIDR"}, wider than an API server (at most 256 addresses: the /32 of each endpoint of kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes)`);
          }
        }
      });
    }
    const result = evaluate(policies, workloads, namespaceLabels(context), ipBlockAllowed);
    result.problems.forEach((problem) => findings.fail(problem));

    const namespaceOf = new Map(workloads.map((w) => [w.name, w.namespace]));
    const parse = (key) => /^(\S+) -> ([^:]+):/.exec(key).slice(1, 3);
    const inScope = {
      ingress: (key) => namespaceOf.get(parse(key)[1]) === matrix.namespace,
      egress: (key) => namespaceOf.get(parse(key)[0]) === matrix.namespace,
      effective: (key) => parse(key).some((name) => namespaceOf.get(name) === matrix.namespace),
    };
    for (const [side, allowed] of [["effective", result.effective], ["ingress", result.ingress], ["egress", result.egress]]) {
      const want = [...expected].filter(inScope[side]);
      const have = [...allowed].filter(inScope[side]);
      const label = side === "effective" ? "connection" : `${side} side`;
      for (const key of want.filter((k) => !allowed.has(k))) findings.fail(`${label}: matrix allows ${key}, the policies do not`);
      for (const key of have.filter((k) => !expected.has(k))) findings.fail(`${label}: policies allow ${key}, the matrix does not`);
    }
    for (const grant of result.ruleGrants) {
      if (![...grant.grants].some((key) => expected.has(key))) {
        findings.fail(`${grant.where} allows no connection of the matrix (a peer or port nobody has?)`);
      }
    }
    for (const policy of policies) {
      if (policy.metadata.namespace !== matrix.namespace) findings.fail(`${describe(policy)} is outside ${matrix.namespace}`);
    }
  },
};

/** How many addresses a CIDR covers (NaN when it is not one). */
export function addresses(cidr) {
  const match = /^([0-9.]+|[0-9a-fA-F:]+)\/(\d{1,3})$/.exec(String(cidr ?? ""));
  if (!match) return NaN;
  const bits = match[1].includes(":") ? 128 : 32;
  const prefix = Number(match[2]);
  return prefix > bits ? NaN : 2 ** (bits - prefix);
}
