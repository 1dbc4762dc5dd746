// cert-manager Certificates: one SPIFFE URI, the usages mTLS needs, a fresh EC P-256 key on every
// renewal, renewal well before expiry, DNS names for what callers dial, and a CA that is a CA.
import { describe, ofKind } from "../k8s.mjs";
import { goDuration } from "../durations.mjs";

const USAGES = ["client auth", "digital signature", "server auth"];

export const certificates = {
  name: "certificates: SPIFFE URI, usages, ECDSA P-256 rotated",
  cluster: true,
  applies: (context) => Boolean(context.expect.certificates) || context.objects.some((o) => o.kind === "Certificate"),
  run(context, findings) {
    const { matrix, objects } = context;
    const all = ofKind(objects, "Certificate");
    if (context.expect.certificates && all.length === 0) {
      findings.fail(`${context.target} must issue certificates, and renders none`);
    }
    for (const certificate of all) {
      const at = describe(certificate);
      const spec = certificate.spec ?? {};
      if (spec.privateKey?.algorithm !== "ECDSA" || spec.privateKey?.size !== 256) {
        findings.fail(`${at}: privateKey must be ECDSA 256 (P-256)`);
      }
      const duration = goDuration(spec.duration);
      const renewBefore = goDuration(spec.renewBefore);
      if (!(renewBefore > 0 && duration > renewBefore)) {
        findings.fail(`${at}: renewBefore ${spec.renewBefore} must be set and below duration ${spec.duration}`);
      }
      if (spec.isCA) continue;
      if (spec.privateKey?.rotationPolicy !== "Always") findings.fail(`${at}: privateKey.rotationPolicy must be Always (a new key on every renewal)`);
      if (!(duration <= 7 * 86400)) findings.fail(`${at}: duration ${spec.duration}: leaf certificates live at most 7 days here`);
      const databaseUsers = Object.values(matrix.services).map((s) => s.database?.user).filter(Boolean);
      if (!(spec.uris ?? []).length && databaseUsers.includes(spec.commonName)) {
        // A database login of a service on SVIDs (components/database-clients, tls.database): CN = its
        // role, client only, no identity towards the other services.
        findings.same([...(spec.usages ?? [])].sort(), ["client auth", "digital signature"], `${at}: usages (a database login)`);
        if ((spec.dnsNames ?? []).length) findings.fail(`${at}: a database login needs no DNS name`);
        if (spec.secretName !== `${context.baseName(certificate.metadata.name)}-tls`) {
          findings.fail(`${at}: secretName ${spec.secretName}, expected ${context.baseName(certificate.metadata.name)}-tls`);
        }
        continue;
      }
      if (context.baseName(certificate.metadata.name) === matrix.database.replicationCertificate) {
        // CloudNativePG's replicas log in as streaming_replica by CN; no SPIFFE identity, client only.
        findings.same(spec.commonName, "streaming_replica", `${at}: commonName`);
        findings.same([...(spec.usages ?? [])].sort(), ["client auth", "digital signature"], `${at}: usages`);
        if ((spec.uris ?? []).length || (spec.dnsNames ?? []).length) findings.fail(`${at}: a replication login needs no URI or DNS name`);
        continue;
      }
      const usages = context.baseName(certificate.metadata.name) === matrix.database.serverCertificate
        ? ["digital signature", "server auth"]   // PostgreSQL's: serves only, its key never a client identity
        : USAGES;
      const uris = spec.uris ?? [];
      if (uris.length !== 1 || !uris[0].startsWith(`spiffe://${matrix.trustDomain}/`)) {
        findings.fail(`${at}: needs exactly one URI SAN in spiffe://${matrix.trustDomain}/, has ${JSON.stringify(uris)}`);
      }
      findings.same([...(spec.usages ?? [])].sort(), usages, `${at}: usages`);
      // Secrets are not in the render, so a name prefix leaves their names alone (and both sides agree)
      const name = context.baseName(certificate.metadata.name);
      if (spec.secretName !== `${name}-tls`) {
        findings.fail(`${at}: secretName ${spec.secretName}, expected ${name}-tls`);
      }
      const namespace = certificate.metadata.namespace;
      const hasService = ofKind(objects, "Service").some((s) => s.metadata.name === certificate.metadata.name && s.metadata.namespace === namespace)
        || matrix.workloads[name]?.service === name;
      // callers in the namespace dial the Service's short name (the configs' urls); a name with the
      // namespace in it would be wrong the moment the manifests are rendered into another one
      // (a Service in the render carries the prefix; one this repository does not deploy, none)
      const serviceName = matrix.workloads[name]?.service
        ? (ofKind(objects, "Service").some((s) => s.metadata.name === `${context.prefix}${matrix.workloads[name].service}`)
          ? `${context.prefix}${matrix.workloads[name].service}` : matrix.workloads[name].service)
        : certificate.metadata.name;
      if (hasService && !(spec.dnsNames ?? []).includes(serviceName)) {
        findings.fail(`${at}: lacks the DNS name ${serviceName} of its Service`);
      }
    }
  },
};
