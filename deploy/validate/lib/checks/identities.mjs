// The authorization blocks are the access matrix, in this target's identities; and every identity
// they name is one a certificate (or an SVID) really carries.
import { grantsOf } from "../matrix.mjs";
import { identityOf, leafCertificates } from "../context.mjs";
import { describe, find } from "../k8s.mjs";

export const identities = {
  name: "identities: authorization blocks = matrix = certificate URIs",
  run(context, findings) {
    const { matrix } = context;
    const used = new Map();   // identity -> workload that must hold it
    for (const service of context.services.values()) {
      const config = service.config;
      if (!config) continue;
      const at = `${service.name} (${service.configKey})`;
      used.set(identityOf(context, service.name), service.name);
      if (config.tls?.trust_domain !== matrix.trustDomain) {
        findings.fail(`${at}: tls.trust_domain ${config.tls?.trust_domain}, expected ${matrix.trustDomain}`);
      }
      const expectedPeers = {};
      for (const [caller, roles] of grantsOf(service.expected)) {
        expectedPeers[identityOf(context, caller)] = roles;
        used.set(identityOf(context, caller), caller);
      }
      const actualPeers = Object.fromEntries(Object.entries(config.authorization?.peers ?? {})
        .map(([id, roles]) => [id, [...(roles ?? [])].sort()]));
      for (const id of new Set([...Object.keys(expectedPeers), ...Object.keys(actualPeers)])) {
        if (!actualPeers[id]) findings.fail(`${at}: authorization.peers lacks ${id} ${JSON.stringify(expectedPeers[id])}`);
        else if (!expectedPeers[id]) findings.fail(`${at}: authorization.peers grants ${id} ${JSON.stringify(actualPeers[id])}, which the matrix does not`);
        else findings.same(actualPeers[id], expectedPeers[id], `${at}: roles of ${id}`);
      }
      const expectedAdmin = service.expected.admin.map((a) => identityOf(context, a)).sort();
      service.expected.admin.forEach((a) => used.set(identityOf(context, a), a));
      findings.same([...(config.authorization?.admin ?? [])].sort(), expectedAdmin, `${at}: authorization.admin`);
      const expectedMetrics = (service.expected.metrics ?? []).map((m) => identityOf(context, m)).sort();
      (service.expected.metrics ?? []).forEach((m) => used.set(identityOf(context, m), m));
      findings.same([...(config.authorization?.metrics ?? [])].sort(), expectedMetrics, `${at}: authorization.metrics`);
      for (const callee of service.expected.calls ?? []) {
        findings.same(config[callee]?.identity, identityOf(context, callee), `${at}: ${callee}.identity`);
      }
      for (const id of [...Object.keys(actualPeers), ...(config.authorization?.admin ?? []), ...(config.authorization?.metrics ?? [])]) {
        if (!id.startsWith(`spiffe://${matrix.trustDomain}/`)) findings.fail(`${at}: ${id} is outside the trust domain ${matrix.trustDomain}`);
      }
    }
    if (context.expect.identities === "svid") {
      checkSvids(context, findings);
    } else if (context.expect.certificates) {
      checkCertificates(context, used, findings);
    }
  },
};

function checkCertificates(context, used, findings) {
  const leaves = leafCertificates(context);
  for (const [id, holder] of used) {
    const holders = leaves.filter((c) => (c.spec?.uris ?? []).includes(id));
    if (holders.length !== 1) {
      findings.fail(`${id} (${holder}) is carried by ${holders.length} Certificates, expected exactly 1`);
      continue;
    }
    const service = context.services.get(holder);
    const expectedSecret = service ? service.tls?.secretName : `${holder}-tls`;
    if (holders[0].spec.secretName !== expectedSecret) {
      findings.fail(`${describe(holders[0])} (${id}) writes Secret ${holders[0].spec.secretName}, but ${holder} uses ${expectedSecret}`);
    }
  }
  for (const certificate of leaves) {
    for (const uri of certificate.spec?.uris ?? []) {
      if (!used.has(uri) && context.baseName(certificate.metadata.name) !== context.matrix.database.workload) {
        findings.fail(`${describe(certificate)}: ${uri} is granted nothing by any authorization block`);
      }
    }
  }
}

function checkSvids(context, findings) {
  for (const service of context.services.values()) {
    if (!service.deployment) continue;
    const account = service.pod?.serviceAccountName;
    if (!account || account === "default") {
      findings.fail(`${service.name}: an SVID names the service account; give the pod its own (not default)`);
    } else if (!find(context.objects, "ServiceAccount", account, service.deployment.metadata.namespace)) {
      findings.fail(`${service.name}: ServiceAccount ${account} is not in the render`);
    }
  }
}
