// approver-policy: what the CertificateRequestPolicies of the render would approve, evaluated here
// the way approver-policy does (a policy counts for a request when the requester may `use` it in
// the request's namespace and its selector matches; the request must stay within `allowed` and
// `constraints`). Its SVID policy must approve exactly the SVIDs the authorization blocks name,
// each only for its own service account, and nothing else; the CA policy exactly the CA; and where
// cert-manager's default approver is off for the trust domain's issuers (certificateApproval in
// targets.json), every Certificate's request exactly one policy, and nothing near it: not the same
// Certificate made in another namespace, nor one with another identity's names, nor a request made
// by hand.
import { describe, find, ofKind, selects } from "../k8s.mjs";
import { goDuration } from "../durations.mjs";
import { identityOf, leafCertificates } from "../context.mjs";
import { grantsOf } from "../matrix.mjs";

/** csi-driver-spiffe's requests (internal/approver/evaluator: the usages it requires). */
const SVID_USAGES = ["client auth", "digital signature", "key encipherment", "server auth"];
export const CERT_MANAGER = "system:serviceaccount:cert-manager:cert-manager";
/** The namespace the probes make requests in: any namespace of the cluster but the app's, labelled like it (a second install). */
export const OTHER_NAMESPACE = "someone-else";

export const approverPolicy = {
  name: "approver-policy: approves exactly the app's identities",
  cluster: true,
  applies: (context) => Boolean(context.expect.approverPolicy || context.expect.certificateApproval)
    || context.objects.some((o) => o.kind === "CertificateRequestPolicy"),
  run(context, findings) {
    const policies = ofKind(context.all, "CertificateRequestPolicy");
    for (const binding of ofKind(context.objects, "ClusterRoleBinding")) {
      if (policiesGranted(context, binding.roleRef).length) {
        findings.fail(`${describe(binding)}: a ClusterRoleBinding lets its subjects use ${policiesGranted(context, binding.roleRef)} in every namespace; bind in the namespace (RoleBinding)`);
      }
    }
    for (const binding of ofKind(context.objects, "RoleBinding")) {
      if (!policiesGranted(context, binding.roleRef, binding.metadata.namespace).length) continue;
      for (const subject of binding.subjects ?? []) {
        if (subject.kind !== "ServiceAccount") findings.fail(`${describe(binding)}: ${subject.kind} ${subject.name} may use the policy; only service accounts should`);
      }
    }
    for (const policy of ofKind(context.objects, "CertificateRequestPolicy")) {
      for (const field of ["dnsNames", "uris", "commonName", "ipAddresses", "emailAddresses"]) {
        for (const rule of policy.spec?.allowed?.[field]?.validations ?? []) {
          if (!celRule(rule.rule)) findings.fail(`${describe(policy)}: allowed.${field} rule «${rule.rule}» is not one this validator can evaluate`);
        }
      }
    }
    checkCaRequests(context, policies, findings);
    if (context.expect.approverPolicy) checkSvids(context, policies, findings);
    if (context.expect.certificateApproval) checkCertificates(context, policies, findings);
  },
};

/**
 * What approver-policy decides for one request: {approved, policies (the names of those that permit
 * it), reasons (why the others do not)}. `request.namespaceLabels` stands for the labels of a
 * namespace the render does not have.
 */
export function approval(context, request, policies = ofKind(context.all, "CertificateRequestPolicy")) {
  const appropriate = policies.filter((p) => selected(context, p, request) && bound(context, p, request));
  if (!appropriate.length) return { approved: false, policies: [], reasons: ["no policy is both bound to the requester and selects the request"] };
  const permitting = [];
  const denied = [];
  for (const policy of appropriate) {
    const why = denials(policy, request);
    if (why.length) denied.push({ policy: policy.metadata.name, why });
    else permitting.push(policy.metadata.name);
  }
  // the closest policies first: those with the fewest objections
  denied.sort((a, b) => a.why.length - b.why.length);
  return { approved: permitting.length > 0, policies: permitting, reasons: denied.map((d) => `${d.policy}: ${d.why.join(", ")}`) };
}

/**
 * Every Certificate of the render is approved by exactly one policy (so each identity has its own),
 * and the policies approve nothing near it: the same Certificate made in another namespace, its
 * request made by another requester, another identity's URI, common name or DNS names, one name
 * more, a CA, a longer life, another key. Every policy bound to cert-manager approves some Certificate.
 */
function checkCertificates(context, policies, findings) {
  const certificates = leafCertificates(context);
  const appNamespace = find(context.objects, "Namespace", context.matrix.namespace);
  const otherLabels = { ...(appNamespace?.metadata?.labels ?? {}), "kubernetes.io/metadata.name": OTHER_NAMESPACE };
  const used = new Set();
  for (const certificate of certificates) {
    const at = describe(certificate);
    const request = fromCertificate(certificate);
    const verdict = approval(context, request, policies);
    verdict.policies.forEach((name) => used.add(name));
    if (verdict.policies.length !== 1) {
      findings.fail(`${at}: its request is approved by ${verdict.policies.length} CertificateRequestPolicies${verdict.policies.length ? ` (${verdict.policies.join(", ")})` : ` (closest: ${verdict.reasons[0]})`}, expected exactly one`);
    }
    const probes = [
      [`the same Certificate made in another namespace (${OTHER_NAMESPACE})`, { ...request, namespace: OTHER_NAMESPACE, namespaceLabels: otherLabels }],
      ["the same request made by hand by a service account of the namespace", { ...request, username: `system:serviceaccount:${request.namespace}:default` }],
      // every account that may create CertificateRequests in the namespace (csi-driver-spiffe's pods
      // do, for their SVIDs), or may use a policy here, made the same request by hand
      ...requestersIn(context, request.namespace, policies).filter((u) => u !== CERT_MANAGER)
        .map((u) => [`the same request made by hand by ${u}`, { ...request, username: u }]),
      ["the same request made by hand by a user", { ...request, username: "someone@example.com" }],
      ["one DNS name more", { ...request, dnsNames: [...request.dnsNames, "evil.example"] }],
      ["one URI SAN more", { ...request, uris: [...request.uris, `spiffe://${context.matrix.trustDomain}/evil`] }],
      ["isCA", { ...request, isCA: true, usages: [...request.usages, "cert sign"] }],
      ["a ten times longer lifetime", { ...request, duration: request.duration * 10 }],
      ["an RSA key", { ...request, keyAlgorithm: "RSA", keySize: 2048 }],
    ];
    for (const other of certificates.filter((c) => c !== certificate)) {
      const name = context.baseName(other.metadata.name);
      const spec = other.spec ?? {};
      if ((spec.uris ?? []).length && JSON.stringify(spec.uris) !== JSON.stringify(request.uris)) {
        probes.push([`${name}'s URI SAN`, { ...request, uris: spec.uris }]);
      }
      if (spec.commonName && spec.commonName !== request.commonName) probes.push([`${name}'s common name`, { ...request, commonName: spec.commonName }]);
      if ((spec.dnsNames ?? []).length && JSON.stringify(spec.dnsNames) !== JSON.stringify(request.dnsNames)) {
        probes.push([`${name}'s DNS names`, { ...request, dnsNames: spec.dnsNames }]);
      }
    }
    // a probe that is exactly another Certificate's own request (two logins that differ only in
    // their CN) is that Certificate's business, not a mix of two identities
    const own = new Set(certificates.map((c) => signature(fromCertificate(c))));
    for (const [what, probe] of probes) {
      if (own.has(signature(probe)) && probe.namespace === request.namespace && probe.username === request.username) continue;
      const result = approval(context, probe, policies);
      if (result.approved) findings.fail(`${at}: the policies would also approve a request with ${what} (${result.policies.join(", ")})`);
    }
  }
  // A policy that approves a Certificate of the render (not an SVID policy) is for cert-manager's
  // controller alone: anyone else bound to use it could ask for that identity by hand.
  for (const policy of policies.filter((p) => used.has(p.metadata.name))) {
    for (const username of usersOf(context, (roleRef, namespace) => policiesGranted(context, roleRef, namespace).some((n) => n === "*" || n === policy.metadata.name))) {
      if (username !== CERT_MANAGER) {
        findings.fail(`${describe(policy)} approves a Certificate of the render and may be used by ${username} too: only cert-manager's controller (${CERT_MANAGER}) may use it, or ${username} can request that identity by hand`);
      }
    }
  }
  const forCertManager = policies.filter((p) => ofKind(context.objects, "CertificateRequestPolicy").includes(p)
    && bound(context, p, { namespace: context.matrix.namespace, username: CERT_MANAGER }));
  for (const policy of forCertManager) {
    if (!used.has(policy.metadata.name)) {
      findings.fail(`${describe(policy)} is usable by cert-manager in ${context.matrix.namespace} but approves no Certificate of the render: remove it, or it approves what nobody asked for`);
    }
  }
}

/** The CertificateRequests cert-manager makes for the render's CA Certificates: each approved, nothing near it. */
function checkCaRequests(context, policies, findings) {
  for (const certificate of ofKind(context.all, "Certificate").filter((c) => c.spec?.isCA)) {
    const request = fromCertificate(certificate);
    if (!policies.some((p) => selected(context, p, request))) continue;   // no policy of this cluster is about it
    const verdict = decide(context, policies, request);
    if (!verdict.approved) findings.fail(`${describe(certificate)}: no CertificateRequestPolicy approves its request (${verdict.reasons.join("; ")})`);
    for (const [what, probe] of [
      ["another common name", { ...request, commonName: "Someone Else's CA" }],
      ["a DNS name", { ...request, dnsNames: ["evil.example"] }],
      ["a requester in the app's namespace", { ...request, namespace: context.matrix.namespace, username: `system:serviceaccount:${context.matrix.namespace}:auth` }],
      ["a longer lifetime", { ...request, duration: request.duration * 10 }],
    ]) {
      if (decide(context, policies, probe).approved) findings.fail(`${describe(certificate)}: the policies also approve a CA request with ${what}`);
    }
  }
}

function checkSvids(context, policies, findings) {
  const app = context.helmValues?.app ?? {};
  if (app.approver?.replicaCount !== 0) {
    findings.fail(`${context.expect.helmValues}: app.approver.replicaCount must be 0: csi-driver-spiffe's own approver approves the SVID of every pod of the cluster, so approver-policy would decide nothing`);
  }
  const svid = (namespace, account, uri) => svidRequest(context, namespace, account, uri);
  // Who holds an identity the authorization blocks name: {identity: {namespace, account}}.
  const wanted = new Map();
  const add = (name) => {
    const service = context.services.get(name);
    const workload = context.matrix.workloads[name];
    const namespace = service ? service.deployment?.metadata?.namespace : workload?.namespace;
    const account = service ? service.pod?.serviceAccountName : workload?.serviceAccount;
    if (namespace && account) wanted.set(identityOf(context, name), { name, namespace, account });
  };
  for (const service of context.services.values()) {
    add(service.name);
    for (const caller of grantsOf(service.expected).keys()) add(caller);
    service.expected.admin.forEach(add);
  }
  for (const [identity, holder] of wanted) {
    const verdict = decide(context, policies, svid(holder.namespace, holder.account));
    if (!verdict.approved) findings.fail(`the SVID ${identity} (${holder.name}) would not be approved: ${verdict.reasons.join("; ")}`);
  }
  // Everything the policies would approve for the SPIFFE issuer: the SVIDs of the accounts bound to them.
  for (const { namespace, account } of boundAccounts(context, policies, svid("x", "x").issuerRef)) {
    const identity = `spiffe://${context.matrix.trustDomain}/ns/${namespace}/sa/${account}`;
    const verdict = decide(context, policies, svid(namespace, account));
    if (verdict.approved && !wanted.has(identity)) {
      findings.fail(`the policies would approve the SVID ${identity}, which no authorization block names`);
    }
    const own = svid(namespace, account);
    const other = [...wanted.keys()].find((id) => id !== identity) ?? `spiffe://${context.matrix.trustDomain}/ns/${namespace}/sa/someone-else`;
    for (const [what, probe] of [
      [`another account's identity (${other})`, { ...own, uris: [other] }],
      ["an identity of another trust domain", { ...own, uris: [`spiffe://cluster.local/ns/${namespace}/sa/${account}`] }],
      ["a second URI", { ...own, uris: [...own.uris, `${own.uris[0]}/extra`] }],
      ["a DNS name", { ...own, dnsNames: [`${account}.${namespace}.svc`] }],
      ["a common name", { ...own, commonName: account }],
      ["isCA", { ...own, isCA: true, usages: [...own.usages, "cert sign"] }],
      ["a 24h lifetime", { ...own, duration: 86400 }],
      ["an RSA key", { ...own, keyAlgorithm: "RSA", keySize: 2048 }],
      ["no URI", { ...own, uris: [] }],
    ]) {
      if (decide(context, policies, probe).approved) {
        findings.fail(`${account} in ${namespace} could get approved a request with ${what}`);
      }
    }
  }
}

/** What a request asks for, names and all, as one comparable string. */
function signature(request) {
  const sorted = (list) => [...(list ?? [])].sort();
  return JSON.stringify([request.issuerRef, request.commonName, sorted(request.dnsNames), sorted(request.uris), request.isCA,
    sorted(request.usages), request.duration, request.keyAlgorithm, request.keySize]);
}

/** The CertificateRequest csi-driver-spiffe makes for a pod of `account` in `namespace` (its driver values). */
export function svidRequest(context, namespace, account, uri = `spiffe://${context.matrix.trustDomain}/ns/${namespace}/sa/${account}`) {
  const app = context.helmValues?.app ?? {};
  return {
    issuerRef: { name: app.issuer?.name, kind: app.issuer?.kind, group: app.issuer?.group ?? "cert-manager.io" },
    namespace, username: `system:serviceaccount:${namespace}:${account}`, uris: [uri], dnsNames: [], commonName: "",
    isCA: false, usages: SVID_USAGES, duration: goDuration(app.certificateRequestDuration ?? "1h"), keyAlgorithm: "ECDSA", keySize: 256,
  };
}

/** The CertificateRequest cert-manager's controller makes for a Certificate. */
export function fromCertificate(certificate) {
  const spec = certificate.spec ?? {};
  return {
    issuerRef: { name: spec.issuerRef?.name, kind: spec.issuerRef?.kind ?? "Issuer", group: spec.issuerRef?.group ?? "cert-manager.io" },
    namespace: certificate.metadata.namespace,
    username: CERT_MANAGER,
    commonName: spec.commonName ?? "",
    dnsNames: spec.dnsNames ?? [],
    uris: spec.uris ?? [],
    isCA: Boolean(spec.isCA),
    usages: spec.usages ?? ["digital signature", "key encipherment"],
    duration: goDuration(spec.duration ?? "2160h"),
    keyAlgorithm: spec.privateKey?.algorithm ?? "RSA",
    keySize: spec.privateKey?.size ?? (spec.privateKey?.algorithm === "ECDSA" ? 256 : 2048),
  };
}

/** Approved if a policy that is bound and selected permits it; denied reasons otherwise. */
function decide(context, policies, request) {
  return approval(context, request, policies);
}

function selected(context, policy, request) {
  const selector = policy.spec?.selector ?? {};
  if (!selector.issuerRef && !selector.namespace) return false;
  if (selector.issuerRef) {
    for (const field of ["name", "kind", "group"]) {
      if (selector.issuerRef[field] !== undefined && !glob(selector.issuerRef[field], request.issuerRef[field] ?? "")) return false;
    }
  }
  if (selector.namespace) {
    if (selector.namespace.matchNames && !selector.namespace.matchNames.some((n) => glob(n, request.namespace))) return false;
    if (selector.namespace.matchLabels) {
      const labels = { ...(request.namespaceLabels ?? find(context.all, "Namespace", request.namespace)?.metadata?.labels ?? {}),
        "kubernetes.io/metadata.name": request.namespace };
      if (!selects({ matchLabels: selector.namespace.matchLabels }, labels)) return false;
    }
  }
  return true;
}

/** Whether a Role or ClusterRole lets its subjects create CertificateRequests. */
function createsRequests(context, roleRef, namespace) {
  const role = roleRef?.kind === "ClusterRole" ? find(context.all, "ClusterRole", roleRef.name) : find(context.all, "Role", roleRef?.name, namespace);
  return (role?.rules ?? []).some((rule) => (rule.apiGroups ?? []).some((g) => g === "cert-manager.io" || g === "*")
    && (rule.resources ?? []).some((r) => r === "certificaterequests" || r === "*")
    && (rule.verbs ?? []).some((v) => v === "create" || v === "*"));
}

/**
 * The usernames (service accounts as system:serviceaccount:<ns>:<name>, users and groups by name) of the
 * subjects of every RoleBinding (in `namespace`, when given) and ClusterRoleBinding whose role passes `grants`.
 */
function usersOf(context, grants, namespace) {
  const users = new Set();
  const add = (binding, bindingNamespace) => {
    if (!grants(binding.roleRef, bindingNamespace)) return;
    for (const subject of binding.subjects ?? []) {
      users.add(subject.kind === "ServiceAccount" ? `system:serviceaccount:${subject.namespace ?? bindingNamespace}:${subject.name}` : `${subject.kind}:${subject.name}`);
    }
  };
  for (const binding of ofKind(context.all, "RoleBinding")) {
    if (namespace === undefined || binding.metadata.namespace === namespace) add(binding, binding.metadata.namespace);
  }
  for (const binding of ofKind(context.all, "ClusterRoleBinding")) add(binding, undefined);
  return [...users];
}

/** Who may make a CertificateRequest in `namespace` that a policy could count: creators of requests there, users of a policy there. */
function requestersIn(context, namespace, policies) {
  const names = new Set(policies.map((p) => p.metadata.name));
  return [...new Set([
    ...usersOf(context, (roleRef, ns) => createsRequests(context, roleRef, ns), namespace),
    ...usersOf(context, (roleRef, ns) => policiesGranted(context, roleRef, ns).some((n) => n === "*" || names.has(n)), namespace),
  ])].filter((u) => u.startsWith("system:serviceaccount:"));
}

/** The policy names a Role or ClusterRole grants `use` of; namespace for a Role. */
function policiesGranted(context, roleRef, namespace) {
  if (!roleRef) return [];
  const role = roleRef.kind === "ClusterRole" ? find(context.all, "ClusterRole", roleRef.name) : find(context.all, "Role", roleRef.name, namespace);
  const names = [];
  for (const rule of role?.rules ?? []) {
    const group = (rule.apiGroups ?? []).some((g) => g === "policy.cert-manager.io" || g === "*");
    const resource = (rule.resources ?? []).some((r) => r === "certificaterequestpolicies" || r === "*");
    const verb = (rule.verbs ?? []).some((v) => v === "use" || v === "*");
    if (group && resource && verb) names.push(...(rule.resourceNames?.length ? rule.resourceNames : ["*"]));
  }
  return names;
}

function bound(context, policy, request) {
  const match = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(request.username);
  const grants = (roleRef, namespace) => policiesGranted(context, roleRef, namespace).some((n) => n === "*" || n === policy.metadata.name);
  const holds = (subject, defaultNamespace) => match && subject.kind === "ServiceAccount"
    && subject.name === match[2] && (subject.namespace ?? defaultNamespace) === match[1];
  for (const binding of ofKind(context.all, "ClusterRoleBinding")) {
    if (grants(binding.roleRef) && (binding.subjects ?? []).some((s) => holds(s, undefined))) return true;
  }
  return ofKind(context.all, "RoleBinding").some((binding) => binding.metadata.namespace === request.namespace
    && grants(binding.roleRef, binding.metadata.namespace)
    && (binding.subjects ?? []).some((s) => holds(s, binding.metadata.namespace)));
}

/** The service accounts a policy selecting this issuer is bound to: [{namespace, account}]. */
function boundAccounts(context, policies, issuerRef) {
  const accounts = [];
  const names = new Set(policies.filter((p) => !p.spec?.selector?.issuerRef
    || ["name", "kind", "group"].every((f) => p.spec.selector.issuerRef[f] === undefined || glob(p.spec.selector.issuerRef[f], issuerRef[f] ?? ""))).map((p) => p.metadata.name));
  for (const binding of ofKind(context.all, "RoleBinding")) {
    const granted = policiesGranted(context, binding.roleRef, binding.metadata.namespace);
    if (!granted.some((n) => n === "*" || names.has(n))) continue;
    for (const subject of binding.subjects ?? []) {
      if (subject.kind === "ServiceAccount") accounts.push({ namespace: subject.namespace ?? binding.metadata.namespace, account: subject.name });
    }
  }
  return accounts;
}

/** Why a policy does not permit a request ([] = it does). */
function denials(policy, request) {
  const allowed = policy.spec?.allowed ?? {};
  const constraints = policy.spec?.constraints ?? {};
  const why = [];
  const cr = { namespace: request.namespace, username: request.username };
  const stringField = (field, value) => {
    const rule = allowed[field];
    if (!value) {
      if (rule?.required) why.push(`${field} is required`);
      return;
    }
    if (!rule) return why.push(`${field} ${value} is not allowed`);
    if (rule.value !== undefined && !glob(rule.value, value)) why.push(`${field} ${value} is not ${rule.value}`);
    for (const v of rule.validations ?? []) if (!celRule(v.rule)?.(value, cr)) why.push(`${field} ${value} fails «${v.message ?? v.rule}»`);
  };
  const listField = (field, values) => {
    const rule = allowed[field];
    if (!values.length) {
      if (rule?.required) why.push(`${field} are required`);
      return;
    }
    if (!rule) return why.push(`${field} ${values} are not allowed`);
    for (const value of values) {
      if (rule.values && !rule.values.some((pattern) => glob(pattern, value))) why.push(`${field} ${value} matches none of ${rule.values}`);
      for (const v of rule.validations ?? []) if (!celRule(v.rule)?.(value, cr)) why.push(`${field} ${value} fails «${v.message ?? v.rule}»`);
    }
  };
  stringField("commonName", request.commonName);
  listField("dnsNames", request.dnsNames);
  listField("uris", request.uris);
  if (request.isCA && allowed.isCA !== true) why.push("isCA is not allowed");
  const usages = allowed.usages ?? [];
  for (const usage of request.usages) if (!usages.includes(usage)) why.push(`usage ${usage} is not allowed`);
  const min = constraints.minDuration ? goDuration(constraints.minDuration) : null;
  const max = constraints.maxDuration ? goDuration(constraints.maxDuration) : null;
  if ((min !== null && !(request.duration >= min)) || (max !== null && !(request.duration <= max))) {
    why.push(`duration ${request.duration}s is outside ${constraints.minDuration ?? "0"}..${constraints.maxDuration ?? "∞"}`);
  }
  const key = constraints.privateKey;
  if (key) {
    if (key.algorithm && key.algorithm !== request.keyAlgorithm) why.push(`key ${request.keyAlgorithm} is not ${key.algorithm}`);
    if ((key.minSize && request.keySize < key.minSize) || (key.maxSize && request.keySize > key.maxSize)) why.push(`key size ${request.keySize} is outside ${key.minSize}..${key.maxSize}`);
  }
  return why;
}

/** approver-policy's "*" wildcard: any run of characters, possibly empty. */
function glob(pattern, value) {
  const regex = new RegExp(`^${String(pattern).split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  return regex.test(String(value));
}

/**
 * The CEL rules this validator can evaluate, as functions (self, cr) => boolean; null for any
 * other rule (which then fails the check: an unevaluated rule is not a checked one).
 */
function celRule(text) {
  const rule = String(text).replace(/\s+/g, " ").trim();
  const serviceAccount = (username) => /^system:serviceaccount:([^:]+):([^:]+)$/.exec(username ?? "");
  if (rule === "isServiceAccount(cr.username) && serviceAccount(cr.username).getNamespace() == cr.namespace") {
    return (self, cr) => serviceAccount(cr.username)?.[1] === cr.namespace;
  }
  const own = /^self == 'spiffe:\/\/([^/']+)\/ns\/' \+ cr\.namespace \+ '\/sa\/' \+ serviceAccount\(cr\.username\)\.getName\(\)$/.exec(rule);
  if (own) {
    return (self, cr) => {
      const account = serviceAccount(cr.username);
      return Boolean(account) && self === `spiffe://${own[1]}/ns/${cr.namespace}/sa/${account[2]}`;
    };
  }
  return null;
}
