// SPIRE: each service reads the Workload API socket that the SPIFFE CSI driver mounts (no
// hostPath), and every identity the authorization blocks name is registered by exactly one
// ClusterSPIFFEID whose template, rendered for that workload's pods, is that identity; the SPIRE
// Helm values agree on the trust domain and the controller class; SVIDs outlive expiry_warning.
import { describe, find, ofKind, selects } from "../k8s.mjs";
import { identityOf } from "../context.mjs";
import { grantsOf } from "../matrix.mjs";
import { dropwizardDuration, goDuration } from "../durations.mjs";
import { AGENT_SOCKET, SPIFFE_CSI_DRIVER } from "../services.mjs";

export const spire = {
  name: "SPIRE: ClusterSPIFFEIDs = identities, Workload API socket from the SPIFFE CSI driver",
  applies: (context) => context.expect.tls === "workload-api" || context.objects.some((o) => o.kind === "ClusterSPIFFEID"),
  run(context, findings) {
    const { matrix } = context;
    const values = context.spireValues ?? {};
    const trustDomain = values.global?.spire?.trustDomain;
    findings.same(trustDomain, matrix.trustDomain, `${context.expect.spireValues}: global.spire.trustDomain`);
    const controller = values["spire-server"]?.controllerManager ?? {};
    const className = controller.className;
    if (controller.identities?.clusterSPIFFEIDs?.default?.enabled !== false) {
      findings.fail(`${context.expect.spireValues}: spire-server.controllerManager.identities.clusterSPIFFEIDs.default.enabled must be false: the chart's catch-all gives every pod of the cluster an SVID`);
    }
    const ids = ofKind(context.objects, "ClusterSPIFFEID");
    for (const id of ids) {
      if (!className || id.spec?.className !== className) {
        findings.fail(`${describe(id)}: className ${id.spec?.className} is not the controller manager's class ${className} (${context.expect.spireValues}): it would be ignored`);
      }
    }
    for (const service of context.services.values()) {
      const tls = service.tls;
      if (!tls || !service.config) continue;
      const at = `${service.name} (${service.configKey})`;
      if (tls.kind !== "workload-api") {
        findings.fail(`${at}: tls.source.type is not workload_api`);
        continue;
      }
      if (tls.volume?.csi?.driver !== SPIFFE_CSI_DRIVER || tls.volume.csi.readOnly !== true || Object.keys(tls.volume).length !== 2) {
        findings.fail(`${at}: the socket ${tls.socket} is not in a read-only ${SPIFFE_CSI_DRIVER} volume (the restricted Pod Security level refuses a hostPath)`);
      }
      if (tls.file !== AGENT_SOCKET) {
        findings.fail(`${at}: the socket is ${tls.file} in the volume, but the SPIRE agent's is ${AGENT_SOCKET}`);
      }
      if (tls.mount.readOnly !== true || tls.mount.subPath) findings.fail(`${at}: mount the socket directory read-only and whole`);
    }

    // Every workload whose identity the authorization blocks use, with its pods' labels and namespace.
    const workloads = new Map();
    const add = (name) => {
      const service = context.services.get(name);
      const workload = matrix.workloads[name];
      const namespace = service ? service.deployment?.metadata?.namespace : workload?.namespace;
      if (!namespace || workloads.has(name)) return;
      workloads.set(name, {
        name, namespace,
        labels: service ? service.podLabels : workload.labels,
        account: service ? service.pod?.serviceAccountName ?? "default" : workload.serviceAccount,
        namespaceLabels: { ...(find(context.objects, "Namespace", namespace)?.metadata?.labels ?? {}), "kubernetes.io/metadata.name": namespace },
        service,
      });
    };
    for (const service of context.services.values()) {
      add(service.name);
      for (const caller of grantsOf(service.expected).keys()) add(caller);
      service.expected.admin.forEach(add);
      (service.expected.metrics ?? []).forEach(add);   // the scraper: Prometheus, in its own namespace
    }
    // Each registration selects this install's namespace only: not a namespace labelled like it
    // (a second install's), which would get SVIDs from this install's ClusterSPIFFEIDs.
    const own = find(context.objects, "Namespace", context.matrix.namespace);
    const lookalike = { ...(own?.metadata?.labels ?? {}), "kubernetes.io/metadata.name": `${context.matrix.namespace}-other` };
    for (const id of ids) {
      if (selects(id.spec?.namespaceSelector, lookalike)) {
        findings.fail(`${describe(id)}: its namespaceSelector also selects another namespace labelled like ${context.matrix.namespace} (a second install's): select kubernetes.io/metadata.name, which kustomize's namespace: rewrites`);
      }
    }
    const used = new Set();
    for (const workload of workloads.values()) {
      const matching = ids.filter((id) => !id.spec?.fallback && (id.spec?.className ?? "") === (className ?? "")
        && selects(id.spec?.podSelector, workload.labels) && selects(id.spec?.namespaceSelector, workload.namespaceLabels));
      matching.forEach((id) => used.add(id));
      if (matching.length !== 1) {
        findings.fail(`${workload.name} (namespace ${workload.namespace}, labels ${JSON.stringify(workload.labels)}): ${matching.length} ClusterSPIFFEIDs register its pods, expected exactly 1`);
        continue;
      }
      const id = matching[0];
      const rendered = renderTemplate(id.spec.spiffeIDTemplate, { trustDomain, namespace: workload.namespace, account: workload.account });
      if (rendered.error) {
        findings.fail(`${describe(id)}: spiffeIDTemplate ${rendered.error}`);
      } else if (rendered.value !== identityOf(context, workload.name)) {
        findings.fail(`${describe(id)}: gives ${workload.name} the SVID ${rendered.value}, but the authorization blocks name ${identityOf(context, workload.name)}`);
      }
      if ((id.spec.dnsNameTemplates ?? []).length || id.spec.admin || id.spec.downstream || (id.spec.federatesWith ?? []).length) {
        findings.fail(`${describe(id)}: DNS names, admin, downstream or federation are more than the app needs`);
      }
      const ttl = goDuration(id.spec.ttl ?? values["spire-server"]?.defaultX509SvidTTL ?? "4h");
      const warning = dropwizardDuration(workload.service?.config?.tls?.expiry_warning ?? "14 days");
      if (workload.service?.config && !(warning < ttl / 2)) {
        findings.fail(`${workload.name}: tls.expiry_warning ${workload.service.config.tls?.expiry_warning} is not below the ${ttl / 120} minutes an SVID has left when the agent renews it (half of ttl ${id.spec.ttl}): the tls health check would warn all the time`);
      }
    }
    for (const id of ids.filter((i) => !used.has(i))) {
      findings.fail(`${describe(id)} registers none of the app's workloads`);
    }
  },
};

/** spire-controller-manager's template, for the data a stable identity may use. */
function renderTemplate(template, { trustDomain, namespace, account }) {
  const data = { ".TrustDomain": trustDomain, ".PodMeta.Namespace": namespace, ".PodSpec.ServiceAccountName": account };
  let error = null;
  const value = String(template ?? "").replace(/\{\{\s*([^}]*?)\s*\}\}/g, (whole, expression) => {
    if (Object.hasOwn(data, expression)) return data[expression];
    error ??= `uses ${whole}, which is not one of ${Object.keys(data).join(", ")} (an identity must not change with the pod or the node)`;
    return whole;
  });
  if (!error && !/^spiffe:\/\/[^/]+\/\S+$/.test(value)) error = `renders ${value}, not a SPIFFE ID`;
  return { value, error };
}

