// Relocatable: rendered into another namespace (and with a name prefix), nothing still names the
// namespace the manifests were written for: no DNS name, SVID identity, namespace field, selector or
// config value. Runs on the relocated render only; there the default namespace is a stale one.
import { describe, strings } from "../k8s.mjs";

/** Kinds without a namespace: one object per cluster, whichever install applies it. */
export const CLUSTER_SCOPED = new Set(["ClusterRole", "ClusterRoleBinding", "CertificateRequestPolicy", "ClusterSPIFFEID",
  "ClusterStaticEntry", "ClusterFederatedTrustDomain", "ClusterIssuer", "Bundle", "StorageClass", "PriorityClass",
  "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "CustomResourceDefinition", "PersistentVolume"]);

const NAMESPACE_FIELDS = ["namespace", "kubernetes.io/metadata.name"];

export const relocation = {
  name: "relocatable: nothing names the default namespace",
  applies: (context) => context.relocated && context.namespace !== context.defaultNamespace,
  run(context, findings) {
    const stale = context.defaultNamespace;
    // /ns/<ns>/ (SVIDs), .<ns>.svc and the like (DNS), namespace="<ns>" (a PromQL matcher)
    const inText = new RegExp(`(/ns/${stale}(/|$)|\\.${stale}(\\.svc\\b|:\\d|/|\\.|$)|namespace\\s*=~?\\s*"${stale}")`);
    const look = (what, value) => {
      for (const [where, text] of strings(value)) {
        const field = where.replace(/\[\d+\]$/, "");
        const named = [...NAMESPACE_FIELDS, "matchNames"].some((f) => field === f || field.endsWith(`.${f}`));
        if (named && text === stale) {
          findings.fail(`${what} ${where} is ${stale}, the namespace the manifests were written for (rendered into ${context.namespace})`);
        } else if (inText.test(text)) {
          findings.fail(`${what} ${where}: "${text}" names the namespace ${stale} (rendered into ${context.namespace})`);
        }
      }
    };
    for (const object of context.objects) {
      if (object.metadata?.namespace && object.metadata.namespace !== context.namespace) continue;   // cluster-wide, installed apart
      // a ConfigMap's data is read below, as the service reads it (its environment substituted)
      look(describe(object), object.kind === "ConfigMap" ? { ...object, data: undefined } : object);
    }
    for (const service of context.services.values()) {
      if (service.config) look(`${service.name} (${service.configKey})`, service.config);
    }
    // A second install in the same cluster is told apart by its prefix: a cluster-scoped object
    // that keeps its name would be the other install's (replaced by each apply, deleted with either).
    if (context.prefix) {
      for (const object of context.objects.filter((o) => CLUSTER_SCOPED.has(o.kind))) {
        if (!object.metadata.name.startsWith(context.prefix)) {
          findings.fail(`${object.kind} ${object.metadata.name} is cluster-scoped and does not carry the name prefix ${context.prefix}: a second install would share it`);
        }
      }
    }
  },
};
