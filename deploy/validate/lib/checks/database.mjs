// Each service reaches PostgreSQL by the Service postgres (the CloudNativePG cluster's primary), logs in as its
// own role by client certificate (PostgreSQL maps the certificate's CN to the role), and has no
// password. A service whose identity is an SVID (no CN) logs in with a certificate of its own
// (tls.database): the files of a mounted Certificate whose CN is the role; TLS settings stay out of the URL (the tls block makes every connection verify-full, and
// the service refuses ssl* settings at start-up). The Cluster (components/postgres) admits exactly
// those logins (hostssl <db> <role> all cert, everything else rejected), has each role without a
// password or superuser, each database owned by its role, and its server and client trust from the
// services' own issuer.
import { isDeepStrictEqual } from "node:util";
import { leafCertificates } from "../context.mjs";
import { describe, find, ofKind, selects } from "../k8s.mjs";
import { projectedSource, resolvePath } from "../services.mjs";

export const database = {
  name: "database: PostgreSQL over verify-full, certificate login",
  run(context, findings) {
    const { matrix } = context;
    const postgres = matrix.workloads[matrix.database.workload];
    const port = postgres.ports.find((p) => p.name === matrix.database.port).port;
    // the Service as rendered: with a name prefix it is renamed, when the render has it
    const rendered = find(context.objects, "Service", `${context.prefix}${postgres.service}`, postgres.namespace)
      ? `${context.prefix}${postgres.service}` : postgres.service;
    const names = [rendered, `${rendered}.${postgres.namespace}`, `${rendered}.${postgres.namespace}.svc`,
      `${rendered}.${postgres.namespace}.svc.cluster.local`];
    let host = rendered;
    const logins = new Map();   // service -> the Certificate its tls.database presents
    for (const service of context.services.values()) {
      const expected = service.expected.database;
      const config = service.config?.database;
      if (!expected || !service.config) continue;
      const at = `${service.name} (${service.configKey})`;
      if (!config) {
        findings.fail(`${at}: no database block`);
        continue;
      }
      findings.same(config.driverClass, "org.postgresql.Driver", `${at}: database.driverClass`);
      const match = /^jdbc:postgresql:\/\/([^/:?]+):(\d+)\/([^?]+)(?:\?(.*))?$/.exec(config.url ?? "");
      if (!match) {
        findings.fail(`${at}: database.url ${config.url} is not jdbc:postgresql://host:port/db`);
      } else {
        if (!names.includes(match[1])) findings.fail(`${at}: database host ${match[1]} is not the Service ${rendered} in ${postgres.namespace} (${names.join(", ")})`);
        else host = match[1];
        findings.same(Number(match[2]), port, `${at}: database port`);
        findings.same(match[3], expected.name, `${at}: database name`);
        const own = [...new URLSearchParams(match[4] ?? "").keys(), ...Object.keys(config.properties ?? {})].filter((k) => /^ssl/i.test(k));
        if (own.length) {
          findings.fail(`${at}: database sets ${own.join(", ")}: with tls.enabled the tls block decides (verify-full), and the service refuses them at start-up`);
        }
      }
      findings.same(config.user, expected.user, `${at}: database.user`);
      if (config.password) findings.fail(`${at}: database.password is set; the login is the client certificate`);
      const svid = service.tls?.kind === "csi-spiffe" || service.tls?.kind === "workload-api";
      if (service.config.tls?.database !== undefined) {
        const login = databaseLogin(context, service, expected, at, findings);
        if (login) logins.set(service.name, login);
      } else if (svid) {
        findings.fail(`${at}: an SVID has no CN, so PostgreSQL's certificate login cannot map it to the role ${expected.user}: set tls.database to the files of a mounted Certificate whose CN is ${expected.user} (components/database-clients; deploy/README.md, "PostgreSQL and SVIDs")`);
      } else if (context.expect.certificates) {
        const own = leafCertificates(context).find((c) => c.spec?.secretName === service.tls?.secretName);
        if (own && own.spec.commonName !== expected.user) {
          findings.fail(`${at}: Certificate ${own.metadata.name} has CN ${own.spec.commonName}; PostgreSQL maps the CN to the role ${expected.user}`);
        }
      }
    }
    const clusters = ofKind(context.objects, "Cluster").filter((c) => c.apiVersion?.startsWith("postgresql.cnpg.io/"));
    if (context.expect.database === "cloudnative-pg" || clusters.length) {
      checkCluster(context, clusters, host, logins, findings);
    }
  },
};

/**
 * tls.database: all three files set, in a read-only directory mounted whole, the certificate and key
 * from the Secret of one Certificate of the render whose CN is the role and which may authenticate a
 * client, the CAs from the trust bundle or that Secret. Returns {certificate, ca} or null.
 */
function databaseLogin(context, service, expected, at, findings) {
  const db = service.config.tls.database ?? {};
  const keys = ["ca_cert", "client_cert", "client_key"];
  const missing = keys.filter((k) => typeof db[k] !== "string" || !db[k]);
  if (missing.length) {
    findings.fail(`${at}: tls.database lacks ${missing.join(", ")} (all three are required)`);
    return null;
  }
  const sources = {};
  for (const key of keys) {
    const where = resolvePath(service, db[key]);
    if (!where?.volume) {
      findings.fail(`${at}: tls.database.${key} ${db[key]} is not in a mounted volume`);
      return null;
    }
    if (where.mount.readOnly !== true || where.mount.subPath) {
      findings.fail(`${at}: tls.database.${key}: volume ${where.mount.name} must be mounted read-only, as a whole directory (no subPath)`);
    }
    const source = where.volume.secret
      ? { kind: "secret", name: where.volume.secret.secretName, key: where.volume.secret.items?.find((i) => i.path === where.file)?.key ?? where.file }
      : projectedSource(where.volume, where.file);
    if (!source) {
      findings.fail(`${at}: tls.database.${key} ${db[key]}: volume ${where.mount.name} has no file ${where.file} from a Secret or ConfigMap`);
      return null;
    }
    sources[key] = source;
  }
  const { client_cert: cert, client_key: key, ca_cert: ca } = sources;
  if (cert.kind !== "secret" || key.kind !== "secret" || cert.name !== key.name || cert.key !== "tls.crt" || key.key !== "tls.key") {
    findings.fail(`${at}: tls.database.client_cert and client_key must be tls.crt and tls.key of one Certificate's Secret (they are ${cert.kind} ${cert.name} ${cert.key}, ${key.kind} ${key.name} ${key.key})`);
    return null;
  }
  const namespace = service.deployment.metadata.namespace;
  const certificate = leafCertificates(context).find((c) => c.spec?.secretName === cert.name && c.metadata.namespace === namespace);
  if (!certificate) {
    findings.fail(`${at}: tls.database.client_cert comes from Secret ${cert.name}, which no Certificate of the render writes`);
    return null;
  }
  if (certificate.spec.commonName !== expected.user) {
    findings.fail(`${at}: tls.database presents ${describe(certificate)} with CN ${certificate.spec.commonName ?? "(none)"}; PostgreSQL maps the CN to the role ${expected.user}`);
  }
  if (!(certificate.spec.usages ?? []).includes("client auth")) {
    findings.fail(`${at}: tls.database presents ${describe(certificate)}, which is not for client auth`);
  }
  let trust = null;
  if (ca.kind === "configMap") {
    const bundle = find(context.all, "Bundle", ca.name);
    if (!bundle || bundle.spec?.target?.configMap?.key !== ca.key) {
      findings.fail(`${at}: tls.database.ca_cert is ConfigMap ${ca.name} key ${ca.key}, which no trust-manager Bundle writes`);
    } else {
      trust = { bundle };
    }
  } else if (ca.kind === "secret" && ca.key === "ca.crt") {
    trust = { secret: ca.name };
  } else {
    findings.fail(`${at}: tls.database.ca_cert must be a trust bundle or a Certificate Secret's ca.crt (it is ${ca.kind} ${ca.name} ${ca.key})`);
  }
  return { certificate, trust };
}

function checkCluster(context, clusters, host, logins, findings) {
  const { matrix } = context;
  const db = matrix.database;
  const workload = matrix.workloads[db.workload];
  const cluster = clusters.find((c) => context.baseName(c.metadata.name) === db.cluster && c.metadata.namespace === workload.namespace);
  if (!cluster || clusters.length !== 1) {
    findings.fail(`expected exactly the CloudNativePG Cluster ${workload.namespace}/${db.cluster}, the render has ${JSON.stringify(clusters.map(describe))}`);
    return;
  }
  const at = describe(cluster);
  const spec = cluster.spec ?? {};
  // The instances carry the matrix's labels through the Cluster's inheritedMetadata (CloudNativePG's
  // own cnpg.io/cluster label carries the Cluster's rendered name, which a prefix changes), and the
  // Service the services dial selects the primary among them.
  const inherited = spec.inheritedMetadata?.labels ?? {};
  if (!Object.entries(workload.labels).every(([key, value]) => inherited[key] === value)) {
    findings.fail(`${at}: inheritedMetadata.labels ${JSON.stringify(inherited)} lack the labels of ${db.workload} in access-matrix.json ${JSON.stringify(workload.labels)}: the NetworkPolicies and the Service select the instances by them`);
  }
  // CloudNativePG labels its pods app.kubernetes.io/name=postgresql, instance, component, managed-by
  // (1.30): an inherited label of those keys would fight with it, and a selector on it would match
  // what CloudNativePG decides, not what we do.
  for (const key of Object.keys(inherited).filter((k) => k.startsWith("app.kubernetes.io/"))) {
    findings.fail(`${at}: inheritedMetadata.labels sets ${key}, which CloudNativePG sets on its pods itself (app.kubernetes.io/name=postgresql): select the instances by a key of our own`);
  }
  const service = find(context.objects, "Service", `${context.prefix}${workload.service}`, workload.namespace);
  if (!service) {
    findings.fail(`no Service ${workload.namespace}/${context.prefix}${workload.service} for the primary`);
  } else if (!isDeepStrictEqual(service.spec?.selector ?? {}, { ...workload.labels, "cnpg.io/instanceRole": "primary" })) {
    findings.fail(`${describe(service)} selects ${JSON.stringify(service.spec?.selector)}, not the primary instance (${JSON.stringify({ ...workload.labels, "cnpg.io/instanceRole": "primary" })})`);
  }
  if (!((spec.instances ?? 1) >= 2)) findings.fail(`${at}: ${spec.instances ?? 1} instance(s): a node drain would stop every service`);

  const users = Object.values(matrix.services).filter((s) => s.database).map((s) => s.database);
  const expectedHba = [...users.map((u) => `hostssl ${u.name} ${u.user} all cert`), "host all all all reject"];
  const hba = (spec.postgresql?.pg_hba ?? []).map((line) => line.trim().split(/\s+/).join(" "));
  findings.same(hba, expectedHba, `${at}: spec.postgresql.pg_hba (each role to its own database by certificate, then reject before CloudNativePG's password rule)`);

  const roles = new Map((spec.managed?.roles ?? []).map((r) => [r.name, r]));
  for (const { user } of users) {
    const role = roles.get(user);
    if (!role) {
      findings.fail(`${at}: spec.managed.roles lacks ${user}`);
      continue;
    }
    if (role.ensure === "absent" || role.login !== true) findings.fail(`${at}: role ${user} must be present with login`);
    for (const power of ["superuser", "createdb", "createrole", "replication", "bypassrls"]) {
      if (role[power]) findings.fail(`${at}: role ${user} must not have ${power}`);
    }
    if (role.disablePassword !== true || role.passwordSecret) findings.fail(`${at}: role ${user} must have no password (disablePassword: true, no passwordSecret)`);
  }

  const databases = ofKind(context.objects, "Database").filter((d) => d.apiVersion?.startsWith("postgresql.cnpg.io/"));
  const initdb = spec.bootstrap?.initdb;
  for (const { name, user } of users) {
    const made = databases.filter((d) => d.spec?.cluster?.name === cluster.metadata.name && d.spec?.name === name && d.spec?.ensure !== "absent");
    const bootstrapped = initdb?.database === name;
    if (made.length + (bootstrapped ? 1 : 0) !== 1) {
      findings.fail(`${at}: database ${name} must be made exactly once (bootstrap.initdb or a Database), found ${made.length + (bootstrapped ? 1 : 0)}`);
      continue;
    }
    const owner = bootstrapped ? initdb.owner : made[0].spec.owner;
    findings.same(owner, user, `${at}: owner of database ${name}`);
  }

  const certificates = leafCertificates(context);
  const server = certificates.find((c) => context.baseName(c.metadata.name) === db.serverCertificate);
  const replication = certificates.find((c) => context.baseName(c.metadata.name) === db.replicationCertificate);
  const tls = spec.certificates ?? {};
  if (!server) {
    findings.fail(`no Certificate ${db.serverCertificate}: verify-full needs the server certificate from the services' CA`);
  } else {
    findings.same([tls.serverTLSSecret, tls.serverCASecret], [server.spec.secretName, server.spec.secretName], `${at}: certificates.serverTLSSecret, serverCASecret`);
    if (!(server.spec.dnsNames ?? []).includes(host)) findings.fail(`Certificate ${server.metadata.name} lacks the DNS name ${host} that verify-full checks`);
  }
  if (!replication) {
    findings.fail(`no Certificate ${db.replicationCertificate}: without replicationTLSSecret CloudNativePG needs the client CA's key`);
  } else {
    findings.same(tls.replicationTLSSecret, replication.spec.secretName, `${at}: certificates.replicationTLSSecret (without it CloudNativePG signs streaming_replica's certificate with the client CA's key)`);
  }
  checkClientCA(context, cluster, findings);
  // The CA of what the services present to the database (their tls.database certificate, else their
  // own) must be the cluster's client CA and the issuer of its server certificate.
  const issuerOf = (c) => `${c.spec?.issuerRef?.kind ?? "Issuer"} ${c.spec?.issuerRef?.name}`;
  const presented = [...context.services.values()].filter((s) => s.expected.database && s.config).map((s) => {
    if (logins.has(s.name)) return issuerOf(logins.get(s.name).certificate);
    if (s.tls?.kind === "csi-spiffe") return `${context.helmValues?.app?.issuer?.kind} ${context.helmValues?.app?.issuer?.name}`;
    const own = certificates.find((c) => c.spec?.secretName === s.tls?.secretName);
    return own ? issuerOf(own) : null;
  }).filter(Boolean);
  const servicesIssuer = [...new Set(presented)].join(", ") || "(nothing the render shows)";
  for (const certificate of [server, replication].filter(Boolean)) {
    if (issuerOf(certificate) !== servicesIssuer) {
      findings.fail(`${describe(certificate)} is issued by ${issuerOf(certificate)}, the certificates the services present to it by ${servicesIssuer}: the two would not trust each other`);
    }
  }
  // tls.database.ca_cert must hold the CA of the server certificate (verify-full checks it).
  const serverIssuer = server ? find(context.all, server.spec?.issuerRef?.kind === "ClusterIssuer" ? "ClusterIssuer" : "Issuer", server.spec?.issuerRef?.name) : null;
  for (const [name, { certificate, trust }] of logins) {
    if (!server || !trust) continue;
    const trusted = trust.bundle
      ? (serverIssuer?.spec?.ca ? (trust.bundle.spec?.sources ?? []).some((s) => s.secret?.name === serverIssuer.spec.ca.secretName) : (trust.bundle.spec?.sources ?? []).length > 0)
      : issuerOf(certificate) === issuerOf(server);
    if (!trusted) {
      findings.fail(`${name}: tls.database.ca_cert does not hold the CA of ${describe(server)} (${issuerOf(server)}): verify-full would refuse the database`);
    }
  }
  for (const name of [tls.serverTLSSecret, tls.replicationTLSSecret].filter(Boolean)) {
    const writer = certificates.find((c) => c.spec?.secretName === name && c.metadata.namespace === cluster.metadata.namespace);
    if (writer && writer.spec?.secretTemplate?.labels?.["cnpg.io/reload"] === undefined) {
      findings.fail(`${describe(writer)}: its Secret needs the label cnpg.io/reload (secretTemplate), or renewals reach PostgreSQL only on a restart`);
    }
  }
  if (!find(context.objects, "NetworkPolicy", `${context.prefix}${db.cluster}`, workload.namespace)) {
    findings.fail(`no NetworkPolicy ${workload.namespace}/${context.prefix}${db.cluster} for the database pods`);
  }
}

/**
 * The cluster's client CA is the trust bundle, as the Secret a trust-manager Bundle writes (target.secret,
 * key ca.crt, labelled cnpg.io/reload) into the cluster's namespace: during a CA rotation the bundle holds
 * the old and the new CA, so services renewed by the new one still log in. A Certificate's Secret would
 * hold only the CA that issued it.
 */
function checkClientCA(context, cluster, findings) {
  const at = describe(cluster);
  const name = cluster.spec?.certificates?.clientCASecret;
  const namespace = cluster.metadata.namespace;
  const bundle = name ? find(context.all, "Bundle", name) : null;
  if (!bundle || bundle.spec?.target?.secret?.key !== "ca.crt") {
    findings.fail(`${at}: certificates.clientCASecret ${name ?? "(none)"} is not the Secret of a trust-manager Bundle (target.secret, key ca.crt): the services' logins must be checked against the trust bundle, or a CA rotation locks out every service renewed by the new CA (and without it CloudNativePG makes a CA of its own)`);
    return;
  }
  const writer = ofKind(context.objects, "Certificate").find((c) => c.spec?.secretName === name && c.metadata.namespace === namespace);
  if (writer) findings.fail(`${at}: clientCASecret ${name} is also written by ${describe(writer)}; it must be the bundle's only`);
  const labels = { ...(find(context.objects, "Namespace", namespace)?.metadata?.labels ?? {}), "kubernetes.io/metadata.name": namespace };
  if (!selects(bundle.spec?.target?.namespaceSelector, labels)) {
    findings.fail(`${at}: Bundle ${name} does not select the namespace ${namespace}, so its Secret ${name} (clientCASecret) would never appear there`);
  }
  if (bundle.spec.target.secret.metadata?.labels?.["cnpg.io/reload"] === undefined) {
    findings.fail(`Bundle ${name}: target.secret.metadata.labels lacks cnpg.io/reload, so a new CA in the bundle reaches PostgreSQL's client CA only on a restart`);
  }
  // the bundle holds the CA of every CA issuer of the database's and the services' leaf certificates
  const issuers = new Set();
  for (const certificate of leafCertificates(context)) {
    const ref = certificate.spec?.issuerRef ?? {};
    const issuer = ref.kind === "ClusterIssuer" ? find(context.all, "ClusterIssuer", ref.name) : find(context.objects, "Issuer", ref.name, certificate.metadata.namespace);
    if (issuer?.spec?.ca) issuers.add(issuer);
  }
  for (const issuer of issuers) {
    if (!(bundle.spec?.sources ?? []).some((s) => s.secret?.name === issuer.spec.ca.secretName)) {
      findings.fail(`${at}: clientCASecret ${name} (Bundle ${name}) lacks the CA of ${describe(issuer)}: PostgreSQL would refuse the certificates it signs`);
    }
  }
}
