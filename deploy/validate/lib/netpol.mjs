// NetworkPolicy semantics, evaluated on a known set of workloads: which connections
// (source -> destination port) the ingress side allows, which the egress side allows, and
// which get through both. Traffic from a pod's own node (kubelet probes) is always allowed by
// Kubernetes and is not modelled here.
import { selects } from "./k8s.mjs";

/**
 * Outside the pod network: reachable only through ipBlock peers or rules without peers. Its ports
 * are those a pod might be let out to: https, and the API server's usual endpoint port.
 */
export const WORLD = { name: "world", namespace: null, labels: {},
  ports: [{ name: "https", port: 443, protocol: "TCP" }, { name: "kube-apiserver", port: 6443, protocol: "TCP" }] };

export function connectionKey(from, to, port) {
  return `${from} -> ${to}:${port.name} (${port.port}/${port.protocol})`;
}

/**
 * @param policies NetworkPolicy objects
 * @param workloads [{name, namespace, labels, ports: [{name, port, protocol}]}]
 * @param namespaceLabels Map namespace -> labels
 * @param ipBlockAllowed (policy, rule) -> true where an ipBlock peer is expected (the API server)
 * @returns {ingress: Set, egress: Set, effective: Set, problems: [string], ruleGrants: [{policy, side, index, grants: Set}]}
 */
export function evaluate(policies, workloads, namespaceLabels, ipBlockAllowed = () => false) {
  const everyone = [...workloads, WORLD];
  const problems = [];
  const ruleGrants = [];
  const ingress = new Set();
  const egress = new Set();
  const effective = new Set();

  const peerMatches = (peer, policyNamespace, workload) => {
    if (peer.ipBlock) {
      return workload === WORLD;
    }
    if (workload === WORLD) {
      return false;
    }
    const inNamespace = peer.namespaceSelector
      ? selects(peer.namespaceSelector, namespaceLabels.get(workload.namespace) ?? { "kubernetes.io/metadata.name": workload.namespace })
      : workload.namespace === policyNamespace;
    return inNamespace && (peer.podSelector ? selects(peer.podSelector, workload.labels) : true);
  };
  const peersMatch = (peers, policyNamespace, workload) =>
    peers === undefined || peers.length === 0 || peers.some((peer) => peerMatches(peer, policyNamespace, workload));
  const portMatches = (rulePorts, port) => rulePorts === undefined || rulePorts.length === 0 || rulePorts.some((rule) => {
    if ((rule.protocol ?? "TCP") !== port.protocol) return false;
    if (rule.port === undefined) return true;
    if (typeof rule.port === "string" && !/^\d+$/.test(rule.port)) return rule.port === port.name;
    const first = Number(rule.port);
    return rule.endPort ? port.port >= first && port.port <= rule.endPort : port.port === first;
  });
  const selected = (policy, workload) => workload !== WORLD && workload.namespace === policy.metadata.namespace
    && selects(policy.spec?.podSelector ?? {}, workload.labels);
  const types = (policy) => policy.spec?.policyTypes ?? ["Ingress", ...(policy.spec?.egress ? ["Egress"] : [])];

  for (const policy of policies) {
    const spec = policy.spec ?? {};
    for (const [side, rules, peerKey] of [["ingress", spec.ingress ?? [], "from"], ["egress", spec.egress ?? [], "to"]]) {
      rules.forEach((rule, index) => {
        const where = `NetworkPolicy ${policy.metadata.namespace}/${policy.metadata.name} ${side}[${index}]`;
        if (!rule[peerKey] || rule[peerKey].length === 0) {
          problems.push(`${where} has no '${peerKey}': it admits every source, in and outside the cluster`);
        }
        if ((rule[peerKey] ?? []).some((peer) => peer.ipBlock) && !(side === "egress" && ipBlockAllowed(policy, rule))) {
          problems.push(`${where} uses ipBlock: the access matrix names workloads, not addresses`);
        }
        ruleGrants.push({ policy, side, index, where, rule, grants: new Set() });
      });
    }
  }

  for (const source of everyone) {
    for (const destination of everyone) {
      if (source.namespace === null && destination.namespace === null) continue;
      for (const port of destination.ports) {
        const key = connectionKey(source.name, destination.name, port);
        const ingressPolicies = policies.filter((p) => types(p).includes("Ingress") && selected(p, destination));
        const egressPolicies = policies.filter((p) => types(p).includes("Egress") && selected(p, source));
        let ingressOk = ingressPolicies.length === 0;
        let egressOk = egressPolicies.length === 0;
        for (const grant of ruleGrants) {
          const policyNamespace = grant.policy.metadata.namespace;
          if (grant.side === "ingress" && ingressPolicies.includes(grant.policy)
              && peersMatch(grant.rule.from, policyNamespace, source) && portMatches(grant.rule.ports, port)) {
            ingressOk = true;
            grant.grants.add(key);
          }
          if (grant.side === "egress" && egressPolicies.includes(grant.policy)
              && peersMatch(grant.rule.to, policyNamespace, destination) && portMatches(grant.rule.ports, port)) {
            egressOk = true;
            grant.grants.add(key);
          }
        }
        if (ingressOk) ingress.add(key);
        if (egressOk) egress.add(key);
        if (ingressOk && egressOk) effective.add(key);
      }
    }
  }
  return { ingress, egress, effective, problems, ruleGrants };
}
