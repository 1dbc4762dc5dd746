// Relocatable: rendered into another namespace (and with a name prefix), nothing still names the
// namespace the manifests were written for: no DNS name, SVID identity, namespace field, selector or
// config value. Runs on the relocated render only; there the default namespace is a stale one.
import { describe, strings } from "../k8s.mjs";

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
  },
};
