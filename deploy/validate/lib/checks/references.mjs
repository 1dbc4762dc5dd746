// Every name an object uses resolves to something that exists (or that someone is said to create).
import { describe, find, ofKind, podTemplates, selects } from "../k8s.mjs";

/** Service accounts that others install: cert-manager's controller (Helm release cert-manager). */
const INSTALLED_ACCOUNTS = new Set(["cert-manager/cert-manager"]);

export const references = {
  name: "references: every name used resolves",
  cluster: true,
  run(context, findings) {
    const { objects, matrix } = context;
    const all = context.all ?? objects;   // with the cluster kustomizations this one relies on
    context.problems.forEach((problem) => findings.fail(problem));
    for (const service of context.services.values()) {
      service.problems.forEach((problem) => findings.fail(`${service.name}: ${problem}`));
    }
    for (const deployment of ofKind(objects, "Deployment")) {
      if (!context.services.has(context.baseName(deployment.metadata.name))) {
        findings.fail(`${describe(deployment)} is not a service of the access matrix (access-matrix.json)`);
      }
    }
    const certificateSecrets = new Map(ofKind(all, "Certificate")
      .map((c) => [`${c.metadata.namespace}/${c.spec?.secretName}`, c]));
    const hasCertificates = certificateSecrets.size > 0;

    for (const { owner, spec } of podTemplates(objects)) {
      const namespace = owner.metadata.namespace;
      const account = spec.serviceAccountName ?? "default";
      if (!find(objects, "ServiceAccount", account, namespace)) {
        findings.fail(`${describe(owner)} runs as ServiceAccount ${account}, which is not in the render`);
      }
      const operatorSecrets = matrix.services[context.baseName(owner.metadata.name)]?.operatorSecrets ?? {};
      for (const volume of spec.volumes ?? []) {
        if (volume.configMap && !find(objects, "ConfigMap", volume.configMap.name, namespace)) {
          findings.fail(`${describe(owner)} volume ${volume.name}: ConfigMap ${volume.configMap.name} is not in the render`);
        }
        const secretNames = [volume.secret?.secretName, ...(volume.projected?.sources ?? []).map((s) => s.secret?.name)].filter(Boolean);
        for (const name of secretNames) {
          const fromCertificate = certificateSecrets.has(`${namespace}/${name}`);
          const fromOperator = Object.hasOwn(operatorSecrets, name);
          const fromOverlay = !hasCertificates && context.expect.tls === "secret" && name === `${context.baseName(owner.metadata.name)}-tls`;
          if (!fromCertificate && !fromOperator && !fromOverlay) {
            findings.fail(`${describe(owner)} volume ${volume.name}: nothing writes Secret ${name} (no Certificate, not an operator Secret of access-matrix.json)`);
          }
        }
        for (const source of (volume.projected?.sources ?? []).filter((s) => s.configMap)) {
          const { name } = source.configMap;
          const bundle = find(all, "Bundle", name);
          const keys = (source.configMap.items ?? []).map((item) => item.key);
          if (find(objects, "ConfigMap", name, namespace)) continue;
          if (!bundle?.spec?.target?.configMap) {
            findings.fail(`${describe(owner)} volume ${volume.name}: ConfigMap ${name} is neither in the render nor written by a trust-manager Bundle`);
          } else if (keys.some((key) => key !== bundle.spec.target.configMap.key)) {
            findings.fail(`${describe(owner)} volume ${volume.name}: Bundle ${name} writes the key ${bundle.spec.target.configMap.key}, not ${keys}`);
          }
        }
      }
    }
    // A CloudNativePG Cluster is a workload too: its instances carry its inheritedMetadata labels
    // and CloudNativePG's own (cnpg.io/*, among them the instance role a Service may select).
    const cnpg = ofKind(objects, "Cluster").filter((c) => c.apiVersion?.startsWith("postgresql.cnpg.io/"))
      .map((c) => ({ owner: c, labels: c.spec?.inheritedMetadata?.labels ?? {} }));
    for (const service of ofKind(objects, "Service")) {
      const selector = service.spec?.selector ?? {};
      const own = Object.fromEntries(Object.entries(selector).filter(([key]) => !key.startsWith("cnpg.io/")));
      const selected = [...podTemplates(objects).filter((t) => t.owner.metadata.namespace === service.metadata.namespace
        && selects({ matchLabels: selector }, t.labels)),
      ...cnpg.filter((c) => c.owner.metadata.namespace === service.metadata.namespace && Object.keys(own).length
        && selects({ matchLabels: own }, c.labels))];
      if (selected.length !== 1) {
        findings.fail(`${describe(service)} selects ${selected.length} workloads, expected exactly 1`);
      }
    }
    for (const budget of ofKind(objects, "PodDisruptionBudget")) {
      const selected = ofKind(objects, "Deployment").filter((d) => d.metadata.namespace === budget.metadata.namespace
        && selects(budget.spec?.selector, d.spec?.template?.metadata?.labels));
      if (selected.length !== 1) {
        findings.fail(`${describe(budget)} selects ${selected.length} Deployments, expected exactly 1`);
      } else if (!(budget.spec.minAvailable < (selected[0].spec.replicas ?? 1))) {
        findings.fail(`${describe(budget)}: minAvailable ${budget.spec.minAvailable} must be below the ${selected[0].spec.replicas} replicas, or no node can ever be drained`);
      }
    }
    for (const deployment of ofKind(objects, "Deployment")) {
      const budget = ofKind(objects, "PodDisruptionBudget").find((b) => b.metadata.namespace === deployment.metadata.namespace
        && selects(b.spec?.selector, deployment.spec?.template?.metadata?.labels));
      if (!budget) findings.fail(`${describe(deployment)} has no PodDisruptionBudget`);
      if (!((deployment.spec?.replicas ?? 1) >= 2)) findings.fail(`${describe(deployment)} runs fewer than 2 replicas`);
    }
    for (const certificate of ofKind(objects, "Certificate")) {
      const ref = certificate.spec?.issuerRef ?? {};
      const issuer = ref.kind === "ClusterIssuer"
        ? find(all, "ClusterIssuer", ref.name)
        : find(objects, "Issuer", ref.name, certificate.metadata.namespace);
      if (!issuer) {
        findings.fail(`${describe(certificate)}: its issuer ${ref.kind ?? "Issuer"} ${ref.name} is not in the render`);
      }
    }
    for (const issuer of [...ofKind(objects, "Issuer"), ...ofKind(objects, "ClusterIssuer")]) {
      if (!issuer.spec?.ca) continue;
      // A ClusterIssuer reads its Secret from cert-manager's cluster resource namespace (cert-manager by default).
      const namespace = issuer.kind === "ClusterIssuer" ? "cert-manager" : issuer.metadata.namespace;
      const ca = ofKind(all, "Certificate").find((c) => c.metadata.namespace === namespace
        && c.spec?.secretName === issuer.spec.ca.secretName);
      if (!ca?.spec?.isCA) {
        findings.fail(`${describe(issuer)}: Secret ${namespace}/${issuer.spec.ca.secretName} is not written by a CA Certificate (isCA) in the render`);
      }
    }
    const assumedAccounts = new Set(Object.values(matrix.workloads).map((w) => w.serviceAccount).filter(Boolean));
    for (const binding of ofKind(objects, "RoleBinding")) {
      if (binding.roleRef?.kind === "Role" && !find(objects, "Role", binding.roleRef.name, binding.metadata.namespace)) {
        findings.fail(`${describe(binding)}: Role ${binding.roleRef.name} is not in the render`);
      }
      if (binding.roleRef?.kind === "ClusterRole" && !find(all, "ClusterRole", binding.roleRef.name)) {
        findings.fail(`${describe(binding)}: ClusterRole ${binding.roleRef.name} is not in the render`);
      }
      for (const subject of binding.subjects ?? []) {
        const namespace = subject.namespace ?? binding.metadata.namespace;
        if (subject.kind === "ServiceAccount" && !find(all, "ServiceAccount", subject.name, namespace)
          && !INSTALLED_ACCOUNTS.has(`${namespace}/${subject.name}`)
          && !(namespace === binding.metadata.namespace && assumedAccounts.has(subject.name) && !context.expect.cluster)) {
          findings.fail(`${describe(binding)}: ServiceAccount ${subject.name} is not in the render (nor a workload of access-matrix.json)`);
        }
      }
    }
  },
};
