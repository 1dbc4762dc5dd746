// trust-manager: each Bundle copies only CA certificates (never a key) into the namespaces of the
// app, and every service's tls.ca_cert is that bundle: the file of the projected TLS volume that
// comes from the Bundle's ConfigMap and key, in a namespace the Bundle selects, holding the CA that
// signs the overlay's certificates.
import { describe, find, ofKind, selects } from "../k8s.mjs";
import { projectedSource, resolvePath } from "../services.mjs";

export const trustBundle = {
  name: "trust bundle: tls.ca_cert = trust-manager's bundle of the issuing CA",
  cluster: true,
  applies: (context) => Boolean(context.expect.trustBundle) || context.objects.some((o) => o.kind === "Bundle"),
  run(context, findings) {
    for (const bundle of ofKind(context.objects, "Bundle")) {
      checkBundle(context, bundle, findings);
    }
    if (!context.expect.trustBundle) return;
    const bundle = find(context.all, "Bundle", context.expect.trustBundle);
    if (!bundle) {
      findings.fail(`no Bundle ${context.expect.trustBundle} in the render or in ${context.expect.with ?? "what it relies on"}`);
      return;
    }
    const target = bundle.spec?.target?.configMap ?? {};
    for (const service of context.services.values()) {
      if (!service.config || !service.tls) continue;
      const at = `${service.name} (${service.configKey})`;
      const namespace = service.deployment.metadata.namespace;
      const labels = { ...(find(context.objects, "Namespace", namespace)?.metadata?.labels ?? {}), "kubernetes.io/metadata.name": namespace };
      if (!selects(bundle.spec?.target?.namespaceSelector, labels)) {
        findings.fail(`${at}: Bundle ${bundle.metadata.name} does not select the namespace ${namespace} (its labels: ${JSON.stringify(labels)}), so the ConfigMap would never appear there`);
      }
      const where = resolvePath(service, service.config.tls?.ca_cert ?? "");
      const source = where?.volume ? projectedSource(where.volume, where.file) : null;
      if (!source || source.kind !== "configMap" || source.name !== bundle.metadata.name || source.key !== target.key) {
        findings.fail(`${at}: tls.ca_cert ${service.config.tls?.ca_cert} is not the key ${target.key} of the bundle ConfigMap ${bundle.metadata.name} (it is ${source ? `${source.kind} ${source.name} key ${source.key}` : "not from a projected ConfigMap"})`);
      }
    }
    // The bundle must hold the CA that signs the certificates: a CA issuer's Secret among its sources.
    const issuers = new Set();
    for (const certificate of ofKind(context.objects, "Certificate").filter((c) => !c.spec?.isCA)) {
      const ref = certificate.spec?.issuerRef ?? {};
      const issuer = ref.kind === "ClusterIssuer" ? find(context.all, "ClusterIssuer", ref.name) : find(context.objects, "Issuer", ref.name, certificate.metadata.namespace);
      if (issuer) issuers.add(issuer);
    }
    for (const issuer of issuers) {
      if (issuer.spec?.ca) {
        const sources = (bundle.spec?.sources ?? []).filter((s) => s.secret?.name === issuer.spec.ca.secretName);
        if (!sources.some((s) => ["ca.crt", "tls.crt"].includes(s.secret.key))) {
          findings.fail(`Bundle ${bundle.metadata.name} lacks the CA of ${describe(issuer)} (Secret ${issuer.spec.ca.secretName}, key ca.crt): the services would refuse every certificate it signs`);
        }
      } else if (issuer.spec?.vault && !(bundle.spec?.sources ?? []).some((s) => s.configMap || s.inLine || s.secret)) {
        findings.fail(`Bundle ${bundle.metadata.name} has no source for the CA of ${describe(issuer)}`);
      }
    }
  },
};

function checkBundle(context, bundle, findings) {
  const at = describe(bundle);
  for (const source of bundle.spec?.sources ?? []) {
    if (source.useDefaultCAs) findings.fail(`${at}: useDefaultCAs would make the services trust every public CA for their peers`);
    for (const kind of ["secret", "configMap"]) {
      const part = source[kind];
      if (!part) continue;
      if (part.includeAllKeys || !part.key) {
        findings.fail(`${at}: the ${kind} source ${part.name} takes all its keys; name the CA certificate's key (a CA Secret also holds tls.key)`);
      } else if (/key/i.test(part.key) && !/crt|cert|pem/i.test(part.key)) {
        findings.fail(`${at}: the ${kind} source ${part.name} takes the key ${part.key}: a private key must never be in a trust bundle`);
      }
      if (kind === "secret") {
        const ca = ofKind(context.all, "Certificate").find((c) => c.spec?.secretName === part.name);
        if (!ca?.spec?.isCA) findings.fail(`${at}: Secret ${part.name} is not written by a CA Certificate (isCA) in the render`);
      }
    }
  }
  if (!bundle.spec?.target?.configMap?.key) findings.fail(`${at}: no target.configMap.key, the file the services read`);
  // A Secret target only where something reads Secrets only: CloudNativePG's clientCASecret (key ca.crt).
  const secret = bundle.spec?.target?.secret;
  if (secret && secret.key !== "ca.crt") findings.fail(`${at}: target.secret key ${secret.key}: the only reader of the bundle as a Secret is CloudNativePG's clientCASecret, which reads ca.crt`);
  const selector = bundle.spec?.target?.namespaceSelector;
  if (!selector || (!Object.keys(selector.matchLabels ?? {}).length && !(selector.matchExpressions ?? []).length)) {
    findings.fail(`${at}: no namespaceSelector: the bundle would go to every namespace of the cluster, not only the app's`);
  }
}
