// Vault through cert-manager's Vault issuer: the issuer trusts Vault's listener explicitly, signs
// with a PKI role (sign, not issue), and logs in with Kubernetes auth as a service account whose
// short-lived token cert-manager may request and nobody else's; the Vault side beside it
// (kubernetes-auth-role.json, pki-policy.hcl, pki-role.json) admits exactly that account and
// audience, lets it sign with that one role, and the role allows exactly the names the
// Certificates ask for (URI SANs, DNS names, common names), an EC P-256 key and their lifetime.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, find, ofKind } from "../k8s.mjs";
import { goDuration } from "../durations.mjs";

const CERT_MANAGER = { namespace: "cert-manager", name: "cert-manager" };

export const vault = {
  name: "Vault: issuer, Kubernetes auth and PKI role = the certificates",
  cluster: true,
  applies: (context) => Boolean(context.expect.vault),
  run(context, findings) {
    const dir = path.join(context.deployDir, context.expect.vault);
    const read = (file) => {
      if (context.vaultFiles && Object.hasOwn(context.vaultFiles, file)) return context.vaultFiles[file];   // tests
      const where = path.join(dir, file);
      if (!existsSync(where)) {
        findings.fail(`${context.expect.vault}/${file} is missing: the Vault side is not written down`);
        return null;
      }
      return readFileSync(where, "utf8");
    };
    const json = (file) => {
      const text = read(file);
      try {
        return text === null ? null : JSON.parse(text);
      } catch (error) {
        findings.fail(`${context.expect.vault}/${file}: ${error.message}`);
        return null;
      }
    };
    const authRole = json("kubernetes-auth-role.json");
    const pkiRole = json("pki-role.json");
    const policy = read("pki-policy.hcl");

    const issuers = [...ofKind(context.all, "ClusterIssuer"), ...ofKind(context.all, "Issuer")].filter((i) => i.spec?.vault);
    if (!issuers.length) findings.fail(`no Vault issuer in the render or in ${context.expect.with ?? "what it relies on"}`);
    for (const issuer of issuers) {
      const at = describe(issuer);
      const spec = issuer.spec.vault;
      const namespace = issuer.kind === "ClusterIssuer" ? "cert-manager" : issuer.metadata.namespace;
      if (!/^https:\/\//.test(spec.server ?? "")) findings.fail(`${at}: server ${spec.server} is not https`);
      if (!spec.caBundle && !spec.caBundleSecretRef) findings.fail(`${at}: no caBundle or caBundleSecretRef: Vault's listener would be checked against the system roots`);
      const signing = /^(.+)\/sign\/([^/]+)$/.exec(spec.path ?? "");
      if (!signing) findings.fail(`${at}: path ${spec.path} is not <pki mount>/sign/<role> (cert-manager signs CSRs; the key never leaves the cluster)`);
      const kubernetes = spec.auth?.kubernetes;
      if (!kubernetes?.serviceAccountRef?.name || kubernetes.secretRef || spec.auth?.tokenSecretRef || spec.auth?.appRole) {
        findings.fail(`${at}: auth must be kubernetes with serviceAccountRef (a short-lived token per login; no static token or Secret)`);
        continue;
      }
      const account = kubernetes.serviceAccountRef.name;
      if (!find(context.all, "ServiceAccount", account, namespace)) findings.fail(`${at}: ServiceAccount ${namespace}/${account} is not in the render`);
      const mayRequest = ofKind(context.all, "RoleBinding").some((binding) => binding.metadata.namespace === namespace
        && (binding.subjects ?? []).some((s) => s.kind === "ServiceAccount" && s.name === CERT_MANAGER.name && (s.namespace ?? namespace) === CERT_MANAGER.namespace)
        && (find(context.all, "Role", binding.roleRef?.name, namespace)?.rules ?? []).some((rule) => rule.resources?.includes("serviceaccounts/token")
          && rule.verbs?.includes("create") && JSON.stringify(rule.resourceNames ?? []) === JSON.stringify([account])));
      if (!mayRequest) findings.fail(`${at}: cert-manager may not request tokens for ${account} (a Role with create on serviceaccounts/token, resourceNames [${account}], bound to cert-manager's ServiceAccount in ${namespace})`);
      for (const role of ofKind(context.all, "Role").filter((r) => r.metadata.namespace === namespace)) {
        for (const rule of role.rules ?? []) {
          if (rule.resources?.includes("serviceaccounts/token") && !(rule.resourceNames ?? []).length) {
            findings.fail(`${describe(role)}: creates tokens for every service account of ${namespace}; name ${account} in resourceNames`);
          }
        }
      }
      if (authRole) {
        const audience = issuer.kind === "ClusterIssuer" ? `vault://${issuer.metadata.name}` : `vault://${namespace}/${issuer.metadata.name}`;
        findings.same(authRole.bound_service_account_names, [account], "kubernetes-auth-role.json bound_service_account_names");
        findings.same(authRole.bound_service_account_namespaces, [namespace], "kubernetes-auth-role.json bound_service_account_namespaces");
        const audiences = kubernetes.serviceAccountRef.audiences ?? [audience];
        if (!audiences.includes(authRole.audience)) {
          findings.fail(`kubernetes-auth-role.json audience ${authRole.audience} is not the one cert-manager's token carries (${audiences})`);
        }
        if (!(authRole.token_policies ?? []).length) findings.fail("kubernetes-auth-role.json gives no token_policies");
      }
      if (policy !== null && signing) {
        const paths = [...policy.matchAll(/path\s+"([^"]+)"\s*\{([^}]*)\}/g)];
        const own = paths.filter(([, p]) => p === spec.path);
        if (!own.length) findings.fail(`pki-policy.hcl does not grant the issuer's path ${spec.path}`);
        for (const [, p, body] of paths) {
          if (p !== spec.path) findings.fail(`pki-policy.hcl grants ${p} too; the issuer needs ${spec.path} only`);
          const capabilities = [...body.matchAll(/"([a-z]+)"/g)].map((m) => m[1]).sort();
          if (JSON.stringify(capabilities) !== JSON.stringify(["create", "update"])) findings.fail(`pki-policy.hcl ${p}: capabilities ${capabilities}, expected create and update only`);
        }
      }
    }

    if (!pkiRole) return;
    const role = pkiRole;
    // enforce_hostnames false: Vault's default refuses the CN streaming_replica (an underscore is no host name),
    // and CNPG's replication certificate would never be signed; the exact allowed_domains bound the names instead.
    for (const [flag, expected] of [["allow_subdomains", false], ["allow_glob_domains", false], ["allow_any_name", false], ["allow_localhost", false],
      ["allow_ip_sans", false], ["allow_wildcard_certificates", false], ["allowed_uri_sans_template", false], ["allow_bare_domains", true], ["enforce_hostnames", false],
      ["server_flag", true], ["client_flag", true], ["code_signing_flag", false], ["email_protection_flag", false]]) {
      if (role[flag] !== expected) findings.fail(`pki-role.json ${flag} must be ${expected}`);
    }
    if (role.key_type !== "ec" || role.key_bits !== 256) findings.fail(`pki-role.json key_type ${role.key_type} ${role.key_bits}: the Certificates' keys are EC P-256`);
    const vaultCertificates = ofKind(context.objects, "Certificate").filter((c) => !c.spec?.isCA && issuers.some((i) =>
      i.kind === (c.spec?.issuerRef?.kind ?? "Issuer") && i.metadata.name === c.spec?.issuerRef?.name));
    if (context.expect.certificates && !vaultCertificates.length) findings.fail("no Certificate asks the Vault issuer");
    const uris = new Set(role.allowed_uri_sans ?? []);
    const domains = new Set(role.allowed_domains ?? []);
    const usedUris = new Set();
    const usedDomains = new Set();
    for (const certificate of vaultCertificates) {
      const at = describe(certificate);
      for (const uri of certificate.spec.uris ?? []) {
        usedUris.add(uri);
        if (!uris.has(uri)) findings.fail(`${at}: pki-role.json allowed_uri_sans lacks ${uri}; Vault would refuse to sign it`);
      }
      for (const name of [...(certificate.spec.dnsNames ?? []), ...(certificate.spec.commonName ? [certificate.spec.commonName] : [])]) {
        // The role is the platform team's, per installation: under a name prefix the DNS names are
        // the prefixed Services', which the role (written for the manifests as they are) must be
        // told about; said, not failed, since nothing in the manifests can do it.
        const written = context.baseName ? context.baseName(name) : name;
        usedDomains.add(written);
        if (!domains.has(name)) {
          if (written !== name && domains.has(written)) {
            findings.warn(`${at}: with namePrefix ${context.prefix}, add ${name} to pki-role.json allowed_domains (it allows ${written}); Vault refuses a name it does not list`);
          } else {
            findings.fail(`${at}: pki-role.json allowed_domains lacks ${name}; Vault would refuse to sign it`);
          }
        }
      }
      if (!(goDuration(role.max_ttl) >= goDuration(certificate.spec.duration))) {
        findings.fail(`${at}: duration ${certificate.spec.duration} is over the role's max_ttl ${role.max_ttl}; Vault would shorten it and break the renewal window`);
      }
    }
    if (vaultCertificates.length) {
      for (const uri of uris) if (!usedUris.has(uri)) findings.fail(`pki-role.json allows the URI SAN ${uri}, which no Certificate asks for`);
      for (const name of domains) if (!usedDomains.has(name)) findings.fail(`pki-role.json allows the name ${name}, which no Certificate asks for`);
    }
  },
};
