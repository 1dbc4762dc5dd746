// csi-driver-spiffe: the driver's Helm values and the pods agree on the trust domain, the issuer,
// the file names, the CA bundle and the file group; the pods may request their certificates.
import path from "node:path/posix";
import { describe, find, ofKind } from "../k8s.mjs";
import { CSI_SPIFFE_DRIVER } from "../services.mjs";
import { approval, svidRequest } from "./approver-policy.mjs";

/** May this account create CertificateRequests in its namespace (a Role of the render, bound to it)? */
function mayRequest(objects, namespace, account) {
  return ofKind(objects, "RoleBinding").some((binding) => binding.metadata.namespace === namespace
    && (binding.subjects ?? []).some((s) => s.kind === "ServiceAccount" && s.name === account && (s.namespace ?? namespace) === namespace)
    && (find(objects, "Role", binding.roleRef?.name, namespace)?.rules ?? []).some((rule) =>
      rule.apiGroups?.includes("cert-manager.io") && rule.resources?.includes("certificaterequests") && rule.verbs?.includes("create")));
}

export const csiDriver = {
  name: "csi-driver-spiffe: driver values = pods = configs",
  applies: (context) => Boolean(context.expect.helmValues),
  run(context, findings) {
    const app = context.helmValues?.app;
    if (!app) {
      findings.fail(`${context.expect.helmValues}: no app block`);
      return;
    }
    const { matrix, objects } = context;
    findings.same(app.trustDomain, matrix.trustDomain, "app.trustDomain");
    findings.same(app.name ?? CSI_SPIFFE_DRIVER, CSI_SPIFFE_DRIVER, "app.name (the driver name the volumes use)");
    findings.same(context.csiFiles, ["tls.crt", "tls.key", "ca.crt"], "app.driver.volumeFileName (cert, key, ca)");
    const issuer = app.issuer ?? {};
    const issuerObject = issuer.kind === "ClusterIssuer" ? find(context.all, "ClusterIssuer", issuer.name) : null;
    if (!issuerObject || (issuer.group ?? "cert-manager.io") !== "cert-manager.io") {
      findings.fail(`app.issuer ${issuer.kind} ${issuer.name} is not a ClusterIssuer of the render or of ${context.expect.with ?? "what it relies on"}`);
    }
    const bundle = app.driver?.sourceCABundle;
    if (!bundle) {
      findings.fail("app.driver.sourceCABundle is not set: the driver would write no ca.crt, and tls.ca_cert would be missing");
    } else {
      const mount = (app.driver.volumeMounts ?? []).find((m) => m.mountPath === path.dirname(bundle));
      const volume = (app.driver.volumes ?? []).find((v) => v.name === mount?.name);
      const item = volume?.secret?.items?.find((i) => i.path === path.basename(bundle));
      if (!item || item.key !== "ca.crt") {
        findings.fail(`app.driver.sourceCABundle ${bundle} is not the ca.crt item of a Secret volume of the driver (mount only ca.crt, never the CA key)`);
      } else if (volume.secret.secretName !== issuerObject?.spec?.ca?.secretName) {
        findings.fail(`the driver's CA bundle comes from Secret ${volume.secret.secretName}, the issuer signs with ${issuerObject?.spec?.ca?.secretName}`);
      }
    }
    for (const service of context.services.values()) {
      const volume = service.tls?.volume;
      if (!volume) continue;
      const at = `Deployment ${service.name}`;
      if (volume.csi?.driver !== (app.name ?? CSI_SPIFFE_DRIVER)) {
        findings.fail(`${at}: the tls volume is not a ${CSI_SPIFFE_DRIVER} volume`);
        continue;
      }
      if (volume.csi.readOnly !== true) findings.fail(`${at}: the CSI volume is not readOnly`);
      const group = volume.csi.volumeAttributes?.["spiffe.csi.cert-manager.io/fs-group"];
      if (String(service.pod?.securityContext?.fsGroup) !== group) {
        findings.fail(`${at}: fs-group ${group} is not the pod's fsGroup ${service.pod?.securityContext?.fsGroup}; the non-root user could not read the key`);
      }
      if (Object.keys(volume).filter((k) => k !== "name").length !== 1) {
        findings.fail(`${at}: the tls volume has more than one source`);
      }
      const account = service.pod?.serviceAccountName;
      if (!mayRequest(objects, service.deployment.metadata.namespace, account)) {
        findings.fail(`${at}: ServiceAccount ${account} may not create CertificateRequests; the driver requests with the pod's own token`);
      }
    }
    // Every account whose SVID the policies approve must also be able to ask for it (gateway and ops
    // mount the driver's volume in pods of their own): a binding to the policy alone gets no SVID.
    const namespace = context.matrix.namespace;
    const accounts = new Set(ofKind(objects, "RoleBinding").filter((b) => b.metadata.namespace === namespace)
      .flatMap((b) => (b.subjects ?? []).filter((s) => s.kind === "ServiceAccount" && (s.namespace ?? namespace) === namespace).map((s) => s.name)));
    for (const account of accounts) {
      if (approval(context, svidRequest(context, namespace, account)).approved && !mayRequest(objects, namespace, account)) {
        findings.fail(`ServiceAccount ${namespace}/${account}: approver-policy would approve its SVID, but it may not create CertificateRequests, so csi-driver-spiffe can never ask for it (add it to the RoleBinding of rbac.yaml)`);
      }
    }
    // The only rights the overlay hands out: creating CertificateRequests (the driver requests with the
    // pod's token), and using named approver-policy policies (approver-policy asks RBAC whether the
    // requester may `use` one).
    for (const role of ofKind(objects, "Role")) {
      for (const rule of role.rules ?? []) {
        const request = (rule.apiGroups ?? []).every((g) => g === "cert-manager.io")
          && (rule.verbs ?? []).every((v) => v === "create") && (rule.resources ?? []).every((r) => r === "certificaterequests");
        const policy = (rule.apiGroups ?? []).every((g) => g === "policy.cert-manager.io") && (rule.verbs ?? []).every((v) => v === "use")
          && (rule.resources ?? []).every((r) => r === "certificaterequestpolicies") && (rule.resourceNames ?? []).length > 0;
        if (!request && !policy) {
          findings.fail(`${describe(role)} grants more than creating CertificateRequests or using named CertificateRequestPolicies`);
        }
      }
    }
  },
};
