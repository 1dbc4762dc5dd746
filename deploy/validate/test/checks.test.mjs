// The checks fail when their claim is false: each test breaks one thing in a real render and
// expects exactly the check that guards it to fail (and the unbroken render to pass).
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { buildContext } from "../lib/context.mjs";
import { loadMatrix } from "../lib/matrix.mjs";
import { RELOCATED, render } from "../lib/render.mjs";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { loadCustomSchemas } from "../lib/strict.mjs";
import { configProblems, docsProblems } from "../lib/sources.mjs";
import { runChecks } from "../lib/run.mjs";
import { CHECKS } from "../lib/checks/index.mjs";
import { approval, CERT_MANAGER, fromCertificate, OTHER_NAMESPACE } from "../lib/checks/approver-policy.mjs";
import { helperArgs, parseHelperConf } from "../lib/spiffe-helper.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DEPLOY = path.resolve(HERE, "../..");
const matrix = loadMatrix(path.join(HERE, "../access-matrix.json"));
const expectations = JSON.parse(readFileSync(path.join(HERE, "../targets.json"), "utf8"));
const TARGETS = Object.keys(expectations).filter((key) => !key.startsWith("$"));
const rendered = {};
const relocated = {};

before(() => {
  for (const target of TARGETS) {
    const dir = path.join(DEPLOY, target);
    rendered[target] = render(dir);
    if (!expectations[target].cluster) relocated[target] = render(dir, RELOCATED);
  }
});

/**
 * Runs every check on a (possibly broken) copy of a target; returns {checkName: failures}.
 * breakIt(objects, clusterObjects) may break the target's objects or those of the cluster
 * kustomizations it relies on (targets.json "with"). With `{ relocated: true }`, on its render
 * under another namespace and name prefix (RELOCATED); the cluster kustomizations stay as written.
 */
function check(target, breakIt = () => {}, contextChange = () => {}, { relocated: elsewhere = false } = {}) {
  const objects = structuredClone((elsewhere ? relocated : rendered)[target]);
  const clusterObjects = structuredClone((expectations[target].with ?? []).flatMap((other) => rendered[other]));
  breakIt(objects, clusterObjects);
  const placement = elsewhere ? RELOCATED : {};
  const context = buildContext({ target, dir: path.join(DEPLOY, target), objects, matrix, expect: expectations[target], clusterObjects,
    deployDir: DEPLOY, ...placement });
  contextChange(context);
  return Object.fromEntries(runChecks(context).map((r) => [r.name, r.failures]));
}

const named = (prefix) => CHECKS.find((c) => c.name.startsWith(prefix)).name;
/** An object by its name as the manifests write it (a relocated render's prefix is found too). */
const get = (objects, kind, name) => objects.find((o) => o.kind === kind && [name, `${RELOCATED.prefix}${name}`].includes(o.metadata.name));
const container = (objects, name) => get(objects, "Deployment", name).spec.template.spec.containers[0];
const configMapOf = (objects, name) => objects.find((o) => o.kind === "ConfigMap"
  && [`${name}-config`, `${RELOCATED.prefix}${name}-config`].some((n) => o.metadata.name.startsWith(n)));
function editConfig(objects, name, edit) {
  const configMap = configMapOf(objects, name);
  const key = `${name}.yml`;
  const config = parse(configMap.data[key]);
  edit(config);
  configMap.data[key] = stringify(config);
}

/**
 * Asserts that the breakage fails `expectedCheck` with a message matching `pattern`, and no other
 * check but those named in `also` (breakages some other check is right to see too).
 */
function assertFailsOnly(failures, expectedCheck, pattern, also = []) {
  const failing = Object.entries(failures).filter(([, list]) => list.length).map(([name]) => name);
  assert.ok(failing.includes(expectedCheck), `expected "${expectedCheck}" to fail; failing: ${JSON.stringify(failing)}`);
  assert.ok(failures[expectedCheck].some((f) => pattern.test(f)), `no failure matches ${pattern}: ${JSON.stringify(failures[expectedCheck])}`);
  const expected = [expectedCheck, ...also.map(named)].sort();
  assert.deepEqual([...failing].sort(), expected, `other checks failed too: ${JSON.stringify(Object.fromEntries(Object.entries(failures).filter(([name, list]) => list.length && !expected.includes(name))))}`);
}

describe("unbroken renders", () => {
  for (const target of TARGETS) {
    test(`${target} passes every check`, () => {
      const failures = check(target);
      assert.deepEqual(Object.entries(failures).filter(([, list]) => list.length), []);
    });
    if (expectations[target].cluster) continue;   // installed once, as written
    test(`${target} passes every check under namespace ${RELOCATED.namespace} and prefix ${RELOCATED.prefix}`, () => {
      const failures = check(target, () => {}, () => {}, { relocated: true });
      assert.deepEqual(Object.entries(failures).filter(([, list]) => list.length), []);
    });
  }
});

describe("schema", () => {
  test("an unknown kind fails instead of being skipped", () => {
    const failures = check("base", (objects) => objects.push({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", namespace: "tiktokmall" } }));
    assertFailsOnly(failures, named("schema"), /unknown kind example.com\/v1\/Widget/);
  });
  test("a wrongly typed field fails", () => {
    const failures = check("base", (objects) => { container(objects, "auth").ports[0].containerPort = "8443"; });
    assertFailsOnly(failures, named("schema"), /containerPort must be integer/, ["ports", "network"]);
  });
  test("a misspelled field fails: readinesProbe in a container", () => {
    const failures = check("base", (objects) => { container(objects, "auth").readinesProbe = container(objects, "auth").readinessProbe; });
    assertFailsOnly(failures, named("schema"), /Deployment tiktokmall\/auth: spec.template.spec.containers\[0\].readinesProbe: unknown field/);
  });
  test("an unknown field in metadata fails", () => {
    const failures = check("base", (objects) => { get(objects, "Service", "order").metadata.lables = { a: "b" }; });
    assertFailsOnly(failures, named("schema"), /metadata.lables: unknown field/);
  });
  test("a misspelled field in a custom resource fails against its vendored CRD schema", () => {
    const failures = check("overlays/cert-manager", (objects) => { get(objects, "Certificate", "auth").spec.privateKey.rotatonPolicy = "Always"; });
    assertFailsOnly(failures, named("schema"), /spec.privateKey.rotatonPolicy: unknown field \(schemas\/cert-manager.io\/v1\/Certificate.json\)/);
  });
  test("a misspelled field of a ServiceMonitor's endpoint fails", () => {
    const failures = check("overlays/cert-manager", (objects) => { get(objects, "ServiceMonitor", "order").spec.endpoints[0].tlsConfig.severName = "order"; });
    assertFailsOnly(failures, named("schema"), /spec.endpoints\[0\].tlsConfig.severName: unknown field/);
  });
  test("a map keeps any key and a free-form field anything (labels, a ConfigMap's data)", () => {
    const failures = check("base", (objects) => {
      get(objects, "Service", "auth").metadata.labels["example.com/anything"] = "x";
      configMapOf(objects, "auth").data["extra.txt"] = "x";
    });
    assert.deepEqual(failures[named("schema")], []);
  });
  test("a kind with a model but no strict schema fails (nobody would see its misspellings)", () => {
    const failures = check("base", (objects) => objects.push({ apiVersion: "acme.cert-manager.io/v1", kind: "Order",
      metadata: { name: "o", namespace: "tiktokmall" }, spec: { request: "", issuerRef: { name: "x" } } }));
    assertFailsOnly(failures, named("schema"), /no strict schema for acme.cert-manager.io\/v1\/Order/);
  });
  test("the loader: every schemas/<group>/<version>/<Kind>.json is a kind, closed where it names its fields", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "schemas-"));
    try {
      mkdirSync(path.join(dir, "example.com", "v1"), { recursive: true });
      writeFileSync(path.join(dir, "example.com", "v1", "Widget.json"), JSON.stringify({
        type: "object",
        properties: {
          apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { type: "object" },
          spec: { type: "object", properties: { size: { type: "integer" }, extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
            labels: { type: "object", additionalProperties: { type: "string" } } } },
        },
      }));
      const widget = loadCustomSchemas(dir).get("example.com/v1/Widget");
      const object = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" },
        spec: { size: 1, extra: { anything: [1] }, labels: { a: "b" } } };
      assert.equal(widget.validate(object), true, JSON.stringify(widget.validate.errors));
      assert.equal(widget.validate({ ...object, spec: { ...object.spec, sise: 2 } }), false);
      assert.equal(widget.validate.errors[0].params.additionalProperty, "sise");
      assert.equal(widget.validate({ ...object, spec: { ...object.spec, size: "1" } }), false, "types too");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test("a Certificate with an unknown usage fails its CRD schema", () => {
    const failures = check("overlays/cert-manager", (objects) => { get(objects, "Certificate", "order").spec.usages.push("code signing please"); });
    assertFailsOnly(failures, named("schema"), /usages/, ["certificates", "approver-policy"]);
  });
});

describe("ports and probes", () => {
  test("a probe on the wrong port fails", () => {
    const failures = check("base", (objects) => { container(objects, "order").readinessProbe.httpGet.port = 9446; });
    assertFailsOnly(failures, named("ports"), /readinessProbe targets port 9446/);
  });
  test("a probes.port in the config that is not the container's fails", () => {
    const failures = check("base", (objects) => editConfig(objects, "auth", (c) => { c.probes.port = 8446; }));
    assertFailsOnly(failures, named("ports"), /probes.port/);
  });
  test("an https probe fails (the kubelet has no client certificate)", () => {
    const failures = check("base", (objects) => { container(objects, "auth").livenessProbe.httpGet.scheme = "HTTPS"; });
    assertFailsOnly(failures, named("ports"), /livenessProbe uses HTTPS/);
  });
  test("an admin port bound to loopback fails (the scraper could not reach it)", () => {
    const failures = check("base", (objects) => editConfig(objects, "order", (c) => { c.server.adminConnectors[0].bindHost = "127.0.0.1"; }));
    assertFailsOnly(failures, named("ports"), /binds 127.0.0.1/);
  });
  test("order calling auth at a port that is not auth's Service port fails", () => {
    const failures = check("base", (objects) => editConfig(objects, "order", (c) => { c.auth.url = "https://auth.tiktokmall.svc:8444"; }));
    assertFailsOnly(failures, named("ports"), /auth.url port 8444/);
  });
  test("payment calling order at a port that is not order's Service port fails", () => {
    const failures = check("base", (objects) => editConfig(objects, "payment", (c) => { c.order.url = "https://order.tiktokmall.svc:9444"; }));
    assertFailsOnly(failures, named("ports"), /payment -> order: order.url port 9444/);
  });
  test("payment calling auth at a host that is not auth's Service fails", () => {
    const failures = check("base", (objects) => editConfig(objects, "payment", (c) => { c.auth.url = "https://localhost:8443"; }));
    assertFailsOnly(failures, named("ports"), /payment -> auth: auth.url host localhost/);
  });
  test("a Service exposing the probe port fails", () => {
    const failures = check("base", (objects) => get(objects, "Service", "auth").spec.ports.push({ name: "probes", port: 8445, targetPort: "probes" }));
    assertFailsOnly(failures, named("ports"), /Service ports/);
  });
});

describe("config files", () => {
  test("a tls path that is not a mounted file fails", () => {
    const failures = check("base", (objects) => editConfig(objects, "auth", (c) => { c.tls.server_key = "/var/run/tiktokmall/tls/key.pem"; }));
    assertFailsOnly(failures, named("config files"), /tls.server_key .* names key.pem/);
  });
  test("a tls path outside the TLS volume fails", () => {
    const failures = check("base", (objects) => editConfig(objects, "order", (c) => { c.tls.ca_cert = "/etc/ssl/ca.crt"; }));
    assertFailsOnly(failures, named("config files"), /tls.ca_cert \/etc\/ssl\/ca.crt is not in the TLS volume/);
  });
  test("a subPath mount of the TLS files fails (it would never see a renewal)", () => {
    const failures = check("overlays/cert-manager", (objects) => {
      const mount = container(objects, "auth").volumeMounts.find((m) => m.name === "tls");
      mount.subPath = "tls.crt";
    });
    assertFailsOnly(failures, named("config files"), /subPath/, ["trust bundle"]);
  });
  test("a signing key path that is not in its Secret fails", () => {
    const failures = check("base", (objects) => editConfig(objects, "auth", (c) => { c.tokens.signing_key = "/config/token-signing-key.pem"; }));
    assertFailsOnly(failures, named("config files"), /tokens.signing_key/);
  });
  test("an expiry warning longer than the renewal window fails", () => {
    const failures = check("overlays/cert-manager", (objects) => editConfig(objects, "auth", (c) => { c.tls.expiry_warning = "14 days"; }));
    assertFailsOnly(failures, named("config files"), /would warn all the time/);
  });
  test("a file appender fails (read-only root file system)", () => {
    const failures = check("base", (objects) => editConfig(objects, "order", (c) => { c.logging.appenders = [{ type: "file", currentLogFilename: "/var/log/order.log" }]; }));
    assertFailsOnly(failures, named("config files"), /console/);
  });
});

describe("identities", () => {
  test("a Certificate URI that is not the configured identity fails", () => {
    const failures = check("overlays/cert-manager", (objects) => { get(objects, "Certificate", "gateway").spec.uris = ["spiffe://tiktokmall.local/gatewy"]; });
    // its policy does not approve the changed URI either
    assertFailsOnly(failures, named("identities"), /spiffe:\/\/tiktokmall.local\/gateway \(gateway\) is carried by 0 Certificates/, ["approver-policy"]);
  });
  test("a missing admin identity fails", () => {
    const failures = check("base", (objects) => editConfig(objects, "auth", (c) => { c.authorization.admin = []; }));
    assertFailsOnly(failures, named("identities"), /authorization.admin/);
  });
  test("a role the matrix does not grant fails", () => {
    const failures = check("base", (objects) => editConfig(objects, "order", (c) => { c.authorization.peers["spiffe://tiktokmall.local/payment"].push("list-orders"); }));
    assertFailsOnly(failures, named("identities"), /roles of spiffe:\/\/tiktokmall.local\/payment/);
  });
  test("order expecting another identity from auth fails", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => editConfig(objects, "order", (c) => { c.auth.identity = "spiffe://tiktokmall.local/auth"; }));
    assertFailsOnly(failures, named("identities"), /auth.identity/);
  });
  test("payment expecting another identity from order fails", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => editConfig(objects, "payment", (c) => { c.order.identity = "spiffe://tiktokmall.local/order"; }));
    assertFailsOnly(failures, named("identities"), /payment \(payment.yml\): order.identity/);
  });
  test("auth not granting payment verify-tokens fails", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => editConfig(objects, "auth", (c) => { delete c.authorization.peers["spiffe://tiktokmall.local/ns/${POD_NAMESPACE}/sa/${PAYMENT_ACCOUNT}"]; }));
    assertFailsOnly(failures, named("identities"), /authorization.peers lacks spiffe:\/\/tiktokmall.local\/ns\/tiktokmall\/sa\/payment \["verify-tokens"\]/);
  });
  test("order without read-orders for payment fails", () => {
    const failures = check("base", (objects) => editConfig(objects, "order", (c) => { c.authorization.peers["spiffe://tiktokmall.local/payment"] = ["mark-orders-paid"]; }));
    assertFailsOnly(failures, named("identities"), /roles of spiffe:\/\/tiktokmall.local\/payment/);
  });
  test("payment granting charge to order fails", () => {
    const failures = check("overlays/cert-manager", (objects) => editConfig(objects, "payment", (c) => { c.authorization.peers["spiffe://tiktokmall.local/order"] = ["charge"]; }));
    assertFailsOnly(failures, named("identities"), /grants spiffe:\/\/tiktokmall.local\/order \["charge"\], which the matrix does not/);
  });
  test("an SVID identity for another service account fails", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => { get(objects, "Deployment", "order").spec.template.spec.serviceAccountName = "default"; });
    assertFailsOnly(failures, named("identities"), /sa\/order/, ["references", "csi-driver-spiffe", "approver-policy"]);
  });
});

describe("network policies", () => {
  test("an extra connection fails: order may not call payment", () => {
    const failures = check("base", (objects) => get(objects, "NetworkPolicy", "payment").spec.ingress[0].from.push({ podSelector: { matchLabels: { "app.kubernetes.io/name": "order" } } }));
    assertFailsOnly(failures, named("network"), /policies allow order -> payment:app/);
  });
  test("a missing connection fails: order's egress to auth removed", () => {
    const failures = check("base", (objects) => { get(objects, "NetworkPolicy", "order").spec.egress.shift(); });
    assertFailsOnly(failures, named("network"), /matrix allows order -> auth:app \(8443\/TCP\), the policies do not/);
  });
  test("a missing connection fails: payment's egress to order removed", () => {
    const failures = check("base", (objects) => { get(objects, "NetworkPolicy", "payment").spec.egress.splice(1, 1); });
    assertFailsOnly(failures, named("network"), /matrix allows payment -> order:app \(9443\/TCP\), the policies do not/);
  });
  test("a missing connection fails: auth's ingress from payment removed", () => {
    const failures = check("base", (objects) => { get(objects, "NetworkPolicy", "auth").spec.ingress[0].from.pop(); });
    assertFailsOnly(failures, named("network"), /matrix allows payment -> auth:app \(8443\/TCP\), the policies do not/);
  });
  test("a missing connection fails: payment's database egress removed", () => {
    const failures = check("base", (objects) => { get(objects, "NetworkPolicy", "payment").spec.egress.pop(); });
    assertFailsOnly(failures, named("network"), /matrix allows payment -> postgres:postgresql \(5432\/TCP\), the policies do not/);
  });
  test("opening the probe port to pods fails", () => {
    const failures = check("base", (objects) => get(objects, "NetworkPolicy", "auth").spec.ingress[1].ports.push({ protocol: "TCP", port: "probes" }));
    assertFailsOnly(failures, named("network"), /-> auth:probes/);
  });
  test("a rule without peers fails (it admits the world)", () => {
    const failures = check("base", (objects) => { delete get(objects, "NetworkPolicy", "order").spec.ingress[0].from; });
    assertFailsOnly(failures, named("network"), /world -> order:app|admits every source/);
  });
  test("no default deny fails", () => {
    const failures = check("base", (objects) => objects.splice(objects.indexOf(get(objects, "NetworkPolicy", "default-deny")), 1));
    assertFailsOnly(failures, named("network"), /default-deny/);
  });
  test("a wider egress on one side fails even where the other side blocks it", () => {
    const failures = check("base", (objects) => get(objects, "NetworkPolicy", "payment").spec.egress.push(
      { to: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "auth" } } }], ports: [{ protocol: "TCP", port: 8444 }] }));
    assertFailsOnly(failures, named("network"), /egress side: policies allow payment -> auth:admin/);
  });
});

describe("pod security and secrets", () => {
  test("a writable root file system fails", () => {
    const failures = check("base", (objects) => { container(objects, "auth").securityContext.readOnlyRootFilesystem = false; });
    assertFailsOnly(failures, named("pod security"), /readOnlyRootFilesystem/);
  });
  test("running as root fails", () => {
    const failures = check("base", (objects) => {
      const pod = get(objects, "Deployment", "order").spec.template.spec;
      pod.securityContext.runAsUser = 0;
      container(objects, "order").securityContext.runAsUser = 0;
    });
    assertFailsOnly(failures, named("pod security"), /runAsUser is 0/);
  });
  test("a missing memory limit fails", () => {
    const failures = check("base", (objects) => { delete container(objects, "order").resources.limits.memory; });
    assertFailsOnly(failures, named("pod security"), /no memory limits/);
  });
  test("a Secret in the manifests fails", () => {
    const failures = check("base", (objects) => objects.push({ apiVersion: "v1", kind: "Secret", metadata: { name: "leak", namespace: "tiktokmall" }, stringData: { "token-signing-key.pem": "-----BEGIN PRIVATE KEY-----\nMIG...\n-----END PRIVATE KEY-----\n" } }));
    assertFailsOnly(failures, named("no secret"), /embedded PEM|Secrets come from/);
  });
  test("a literal database password in the config fails", () => {
    const failures = check("base", (objects) => editConfig(objects, "auth", (c) => { c.database.password = "hunter2"; }));
    assertFailsOnly(failures, named("no secret"), /literal secret/, ["database"]);
  });
});

describe("database and references", () => {
  test("payment logging in to order's database fails", () => {
    const failures = check("base", (objects) => editConfig(objects, "payment", (c) => { c.database.url = c.database.url.replace(/\/payment$/, "/order"); }));
    assertFailsOnly(failures, named("database"), /payment \(payment.yml\): database name/);
  });
  test("an sslmode in the database URL fails (the service refuses it at start-up: the tls block decides)", () => {
    const failures = check("base", (objects) => editConfig(objects, "order", (c) => { c.database.url += "?sslmode=require"; }));
    assertFailsOnly(failures, named("database"), /database sets sslmode/);
  });
  test("a database URL at another host than the Service postgres (the primary) fails", () => {
    const failures = check("base", (objects) => editConfig(objects, "auth", (c) => { c.database.url = c.database.url.replace("${DB_SERVICE}", "tiktokmall-db-ro"); }));
    assertFailsOnly(failures, named("database"), /auth \(auth.yml\): database host/);
  });
  test("a password login left open in pg_hba fails", () => {
    const failures = check("overlays/cert-manager", (objects) => {
      get(objects, "Cluster", "tiktokmall-db").spec.postgresql.pg_hba.splice(1, 0, "hostssl order order all scram-sha-256");
    });
    assertFailsOnly(failures, named("database"), /pg_hba/);
  });
  test("pg_hba without the final reject (CloudNativePG's password rule would follow) fails", () => {
    const failures = check("overlays/cert-manager", (objects) => { get(objects, "Cluster", "tiktokmall-db").spec.postgresql.pg_hba.pop(); });
    assertFailsOnly(failures, named("database"), /pg_hba/);
  });
  test("a superuser role, or one with a password, fails", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => {
      const roles = get(objects, "Cluster", "tiktokmall-db").spec.managed.roles;
      roles.find((r) => r.name === "payment").superuser = true;
      delete roles.find((r) => r.name === "auth").disablePassword;
    });
    assertFailsOnly(failures, named("database"), /role payment must not have superuser/);
    assert.ok(failures[named("database")].some((f) => /role auth must have no password/.test(f)));
  });
  test("PostgreSQL's server certificate with client auth fails (its key on the database pods would be a client identity)", () => {
    const failures = check("overlays/cert-manager", (objects) => { get(objects, "Certificate", "postgres").spec.usages.push("client auth"); });
    assertFailsOnly(failures, named("certificates"), /postgres: usages/, ["approver-policy"]);
  });
  test("a database nobody makes fails", () => {
    const failures = check("overlays/cert-manager", (objects) => objects.splice(objects.indexOf(get(objects, "Database", "tiktokmall-db-payment")), 1));
    assertFailsOnly(failures, named("database"), /database payment must be made exactly once/);
  });
  test("a cluster trusting another client CA than the services' fails", () => {
    const failures = check("overlays/cert-manager", (objects) => { get(objects, "Cluster", "tiktokmall-db").spec.certificates.clientCASecret = "some-other-ca"; });
    assertFailsOnly(failures, named("database"), /clientCASecret some-other-ca is not the Secret of a trust-manager Bundle/);
  });
  for (const target of ["overlays/cert-manager", "overlays/csi-driver-spiffe", "overlays/spire", "overlays/vault"]) {
    test(`${target}: a client CA from the replication certificate's Secret (one CA only: a CA rotation locks the services out) fails`, () => {
      const failures = check(target, (objects) => { get(objects, "Cluster", "tiktokmall-db").spec.certificates.clientCASecret = get(objects, "Certificate", "postgres-replication").spec.secretName; });
      assertFailsOnly(failures, named("database"), /is not the Secret of a trust-manager Bundle.*CA rotation/);
    });
  }
  test("a Bundle without its Secret target (clientCASecret would never appear) fails", () => {
    const failures = check("overlays/cert-manager", (objects, cluster) => { delete get(cluster, "Bundle", "tiktokmall-ca").spec.target.secret; });
    assertFailsOnly(failures, named("database"), /clientCASecret tiktokmall-ca is not the Secret of a trust-manager Bundle/);
  });
  test("the bundle's Secret without cnpg.io/reload fails (a rotation would reach PostgreSQL only on a restart)", () => {
    const failures = check("overlays/cert-manager", (objects, cluster) => { delete get(cluster, "Bundle", "tiktokmall-ca").spec.target.secret.metadata; });
    assertFailsOnly(failures, named("database"), /lacks cnpg.io\/reload/);
  });
  test("a bundle Secret lacking the services' CA fails", () => {
    const failures = check("overlays/cert-manager", (objects, cluster) => { get(cluster, "Bundle", "tiktokmall-ca").spec.sources[0].secret.name = "another-ca"; });
    assert.ok(failures[named("database")].some((f) => /lacks the CA of ClusterIssuer tiktokmall-ca/.test(f)), JSON.stringify(failures[named("database")]));
  });
  test("the database's certificates from another issuer than the services' fail", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => {
      get(objects, "Certificate", "postgres").spec.issuerRef = { kind: "ClusterIssuer", name: "tiktokmall-selfsigned", group: "cert-manager.io" };
    });
    assertFailsOnly(failures, named("database"), /Certificate tiktokmall\/postgres is issued by ClusterIssuer tiktokmall-selfsigned/, ["approver-policy"]);
  });
  test("the database's instances labelled by app.kubernetes.io/name fail (CloudNativePG sets it to postgresql itself)", () => {
    const failures = check("overlays/cert-manager", (objects) => {
      get(objects, "Cluster", "tiktokmall-db").spec.inheritedMetadata.labels["app.kubernetes.io/name"] = "postgres";
    });
    assertFailsOnly(failures, named("database"), /inheritedMetadata.labels sets app.kubernetes.io\/name, which CloudNativePG sets on its pods itself/);
  });
  test("a misspelled field of the CloudNativePG Cluster fails its vendored schema", () => {
    const failures = check("overlays/cert-manager", (objects) => {
      const spec = get(objects, "Cluster", "tiktokmall-db").spec;
      spec.certificate = spec.certificates;
      delete spec.certificates;
    });
    assertFailsOnly(failures, named("schema"), /spec.certificate: unknown field/, ["database"]);
  });
  test("an ipBlock anywhere but the database's way to the API server fails", () => {
    const failures = check("base", (objects) => {
      get(objects, "NetworkPolicy", "order").spec.egress.push({ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] });
    });
    assertFailsOnly(failures, named("network"), /NetworkPolicy tiktokmall\/order egress\[2\] uses ipBlock/);
  });
  test("the database's way to the API server opened to the world (0.0.0.0/0) fails, or to a /16", () => {
    for (const cidr of ["0.0.0.0/0", "10.0.0.0/16", "::/0"]) {
      const failures = check("base", (objects) => { get(objects, "NetworkPolicy", "tiktokmall-db-apiserver").spec.egress[0].to[0].ipBlock.cidr = cidr; });
      assertFailsOnly(failures, named("network"), new RegExp(`NetworkPolicy tiktokmall/tiktokmall-db-apiserver egress\\[0\\]: ipBlock ${cidr.replace(/[./]/g, "\\$&")} is [0-9.e+]+ addresses`));
    }
  });
  test("the API server's endpoints, one /32 each, pass (what the platform team patches in)", () => {
    const failures = check("base", (objects) => {
      get(objects, "NetworkPolicy", "tiktokmall-db-apiserver").spec.egress[0].to = ["10.0.0.10/32", "10.0.0.11/32", "fd00::a/128"].map((cidr) => ({ ipBlock: { cidr } }));
    });
    assert.deepEqual(failures[named("network")], []);
  });
  test("the database cut off from the CloudNativePG operator fails", () => {
    const failures = check("base", (objects) => { get(objects, "NetworkPolicy", "tiktokmall-db").spec.ingress.pop(); });
    assertFailsOnly(failures, named("network"), /matrix allows cnpg-operator -> postgres:status/);
  });
  test("a certificate CN that is not the database role fails", () => {
    const failures = check("overlays/cert-manager", (objects) => { get(objects, "Certificate", "auth").spec.commonName = "auth-service"; });
    assertFailsOnly(failures, named("database"), /maps the CN to the role auth/, ["approver-policy"]);
  });
  test("a PodDisruptionBudget that blocks every drain fails", () => {
    const failures = check("base", (objects) => { get(objects, "PodDisruptionBudget", "auth").spec.minAvailable = 2; });
    assertFailsOnly(failures, named("references"), /minAvailable 2/);
  });
  test("a Secret volume nothing writes fails", () => {
    const failures = check("overlays/cert-manager", (objects) => {
      get(objects, "Deployment", "order").spec.template.spec.volumes.find((v) => v.name === "tls").projected.sources[0].secret.name = "order-tls-old";
    });
    assertFailsOnly(failures, named("references"), /nothing writes Secret order-tls-old/, ["identities", "service monitors"]);
  });
});

describe("database logins of services on SVIDs (tls.database)", () => {
  for (const target of ["overlays/csi-driver-spiffe", "overlays/spire"]) {
    test(`${target}: a service without tls.database fails (its SVID has no CN for PostgreSQL)`, () => {
      const failures = check(target, (objects) => editConfig(objects, "order", (c) => { delete c.tls.database; }));
      assertFailsOnly(failures, named("database"), /order \(order.yml\): an SVID has no CN, so PostgreSQL's certificate login cannot map it to the role order: set tls.database/);
    });
    test(`${target}: each service presents its own Certificate with CN = its role, and the check holds under another namespace and prefix`, () => {
      for (const elsewhere of [false, true]) {
        const objects = (elsewhere ? relocated : rendered)[target];
        for (const name of ["auth", "order", "payment"]) {
          const certificate = get(objects, "Certificate", `${name}-database`);
          assert.equal(certificate.spec.commonName, name);
          assert.equal(certificate.spec.uris, undefined);
        }
      }
    });
  }
  test("tls.database presenting a Certificate whose CN is another role fails", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => { get(objects, "Certificate", "auth-database").spec.commonName = "order"; });
    assertFailsOnly(failures, named("database"), /auth \(auth.yml\): tls.database presents Certificate tiktokmall\/auth-database with CN order; PostgreSQL maps the CN to the role auth/, ["approver-policy"]);
  });
  test("tls.database naming files that are not mounted fails", () => {
    const failures = check("overlays/spire", (objects) => editConfig(objects, "payment", (c) => { c.tls.database.client_cert = "/etc/tiktokmall/db-tls/tls.crt"; }));
    assertFailsOnly(failures, named("database"), /payment \(payment.yml\): tls.database.client_cert \/etc\/tiktokmall\/db-tls\/tls.crt is not in a mounted volume/);
  });
  test("tls.database without a key fails (the service requires all three)", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => editConfig(objects, "order", (c) => { delete c.tls.database.ca_cert; }));
    assertFailsOnly(failures, named("database"), /order \(order.yml\): tls.database lacks ca_cert/);
  });
  test("tls.database's key from another service's Secret fails", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => {
      const volume = get(objects, "Deployment", "order").spec.template.spec.volumes.find((v) => v.name === "database-tls");
      volume.projected.sources.splice(1, 0, { secret: { name: "payment-database-tls", items: [{ key: "tls.key", path: "tls.key" }] } });
      volume.projected.sources[0].secret.items = volume.projected.sources[0].secret.items.filter((i) => i.path !== "tls.key");
    });
    assertFailsOnly(failures, named("database"), /order \(order.yml\): tls.database.client_cert and client_key must be tls.crt and tls.key of one Certificate's Secret/);
  });
  test("tls.database's CAs from a ConfigMap no Bundle writes fails", () => {
    const failures = check("overlays/spire", (objects) => {
      const volume = get(objects, "Deployment", "auth").spec.template.spec.volumes.find((v) => v.name === "database-tls");
      volume.projected.sources.find((s) => s.configMap).configMap.name = "some-ca";
    });
    assertFailsOnly(failures, named("database"), /auth \(auth.yml\): tls.database.ca_cert is ConfigMap some-ca key ca-cert.pem, which no trust-manager Bundle writes/, ["references"]);
  });
  test("tls.database mounted writable fails", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => {
      container(objects, "payment").volumeMounts.find((m) => m.name === "database-tls").readOnly = false;
    });
    assertFailsOnly(failures, named("database"), /payment \(payment.yml\): tls.database.ca_cert: volume database-tls must be mounted read-only/, ["config files"]);
  });
  test("a database login certificate that may also serve (server auth) fails", () => {
    const failures = check("overlays/spire", (objects) => { get(objects, "Certificate", "order-database").spec.usages.push("server auth"); });
    assertFailsOnly(failures, named("certificates"), /Certificate tiktokmall\/order-database: usages \(a database login\)/, ["approver-policy"]);
  });
  test("a database login policy that allows URI SANs fails (a login certificate could carry an identity)", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => {
      get(objects, "CertificateRequestPolicy", "tiktokmall-payment-database").spec.allowed.uris = { values: ["*"] };
    });
    assertFailsOnly(failures, named("approver-policy"), /Certificate tiktokmall\/payment-database: the policies would also approve a request with one URI SAN more/);
  });
});

describe("certificates, scraping and the CSI driver", () => {
  test("a certificate that keeps its key on renewal fails", () => {
    const failures = check("overlays/cert-manager", (objects) => { get(objects, "Certificate", "auth").spec.privateKey.rotationPolicy = "Never"; });
    assertFailsOnly(failures, named("certificates"), /rotationPolicy must be Always/);
  });
  test("a ServiceMonitor serverName that is not in the certificate fails", () => {
    const failures = check("overlays/cert-manager", (objects) => { get(objects, "ServiceMonitor", "order").spec.endpoints[0].tlsConfig.serverName = "order.example.com"; });
    assertFailsOnly(failures, named("service monitors"), /serverName order.example.com/);
  });
  test("a ServiceMonitor trusting the Secret's ca.crt instead of the trust bundle fails (a rotated CA would be refused)", () => {
    for (const target of ["overlays/cert-manager", "overlays/vault"]) {
      const failures = check(target, (objects) => {
        get(objects, "ServiceMonitor", "payment").spec.endpoints[0].tlsConfig.ca = { secret: { name: "prometheus-tls", key: "ca.crt" } };
      });
      assertFailsOnly(failures, named("service monitors"), /ServiceMonitor tiktokmall\/payment: tlsConfig.ca must be the trust bundle, ConfigMap tiktokmall-ca key ca-cert.pem/);
    }
  });
  test("a ServiceMonitor scraping over http fails", () => {
    const failures = check("overlays/cert-manager", (objects) => { get(objects, "ServiceMonitor", "auth").spec.endpoints[0].scheme = "http"; });
    assertFailsOnly(failures, named("service monitors"), /scheme/);
  });
  test("a scraper certificate that the metrics block does not admit fails", () => {
    const failures = check("overlays/cert-manager", (objects) => {
      for (const name of Object.keys(matrix.services)) get(objects, "ServiceMonitor", name).spec.endpoints[0].tlsConfig.cert.secret.name = "ops-tls";
    });
    assertFailsOnly(failures, named("service monitors"), /Secret prometheus-tls/);
  });
  test("a config whose authorization.metrics lacks the scraper fails", () => {
    const failures = check("overlays/cert-manager", (objects) => editConfig(objects, "order", (c) => { c.authorization.metrics = []; }));
    assertFailsOnly(failures, named("service monitors"), /order's authorization.metrics does not admit the scrape identity spiffe:\/\/tiktokmall.local\/prometheus/, ["identities"]);
  });
  test("the scrape identity given full admin fails (least privilege)", () => {
    const failures = check("overlays/cert-manager", (objects) => editConfig(objects, "auth", (c) => { c.authorization.admin.push("spiffe://tiktokmall.local/prometheus"); }));
    assertFailsOnly(failures, named("service monitors"), /is in auth's authorization.admin; it needs authorization.metrics only/, ["identities"]);
  });
  test("an authorization.metrics identity the matrix does not name fails", () => {
    const failures = check("base", (objects) => editConfig(objects, "payment", (c) => { c.authorization.metrics.push("spiffe://tiktokmall.local/gateway"); }));
    assertFailsOnly(failures, named("identities"), /payment \(payment.yml\): authorization.metrics/);
  });
  test("the SPIFFE overlay scraping with a Secret instead of Prometheus's SVID fails", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => {
      const tls = get(objects, "ServiceMonitor", "order").spec.endpoints[0].tlsConfig;
      delete tls.certFile;
      tls.cert = { secret: { name: "ops-tls", key: "tls.crt" } };
    });
    assertFailsOnly(failures, named("service monitors"), /order: tlsConfig certFile, keyFile/);
  });
  test("the SPIFFE overlay checking the server by name fails (an SVID has none: no scrape would succeed)", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => {
      const tls = get(objects, "ServiceMonitor", "auth").spec.endpoints[0].tlsConfig;
      delete tls.insecureSkipVerify;
      tls.serverName = "auth.tiktokmall.svc";
    });
    assertFailsOnly(failures, named("service monitors"), /auth: an SVID carries no DNS name/);
  });
  test("Prometheus without the right to request its SVID fails", () => {
    const failures = check("overlays/csi-driver-spiffe", () => {}, (context) => {
      context.scraperSvid = context.scraperSvid.filter((o) => o.kind !== "RoleBinding");
    });
    assertFailsOnly(failures, named("service monitors"), /ServiceAccount monitoring\/prometheus may not create CertificateRequests/);
  });
  test("Prometheus not bound to approver-policy's SVID policy fails", () => {
    const failures = check("overlays/csi-driver-spiffe", () => {}, (context) => {
      context.scraperSvid = context.scraperSvid.filter((o) => o.metadata?.name !== "tiktokmall-svids-policy");
    });
    assertFailsOnly(failures, named("service monitors"), /its SVID would never be approved/);
  });
  test("a Prometheus SVID mounted elsewhere than the ServiceMonitors read fails", () => {
    const failures = check("overlays/csi-driver-spiffe", () => {}, (context) => {
      context.scraperSvid.find((o) => o.kind === "Prometheus").spec.volumeMounts[0].mountPath = "/etc/svid";
    });
    assertFailsOnly(failures, named("service monitors"), /\/etc\/svid\/tls.crt/);
  });
  test("the database's certificates left unapproved in the SPIFFE overlay fail", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => objects.splice(objects.indexOf(get(objects, "RoleBinding", "tiktokmall-database-policies")), 1));
    assertFailsOnly(failures, named("approver-policy"), /Certificate tiktokmall\/postgres: its request is approved by 0 CertificateRequestPolicies/);
  });
  test("a PrometheusRule that differs from the promtool-tested rules.yml fails", () => {
    const failures = check("overlays/cert-manager", (objects) => {
      const rule = get(objects, "PrometheusRule", "tiktokmall").spec.groups[0].rules.find((r) => r.alert === "MtlsCertificateExpiresSoon");
      rule.expr = rule.expr.replace("600", "60");
    });
    assertFailsOnly(failures, named("alerts"), /differ from components\/alerts\/rules.yml/);
  });
  test("an expression that does not select the install's namespace fails (it would alert on every install's pods)", () => {
    const failures = check("overlays/cert-manager", (objects) => {
      const rule = get(objects, "PrometheusRule", "tiktokmall").spec.groups.flatMap((g) => g.rules).find((r) => r.alert === "MtlsThreadPoolSaturated");
      rule.expr = rule.expr.replace('namespace="tiktokmall", ', "");
    }, (context) => { context.alertRules = get(context.objects, "PrometheusRule", "tiktokmall").spec.groups; });
    assertFailsOnly(failures, named("alerts"), /MtlsThreadPoolSaturated selects org_eclipse_jetty_util_thread_queued_thread_pool_dw_utilization\{job=~.*\} without namespace="tiktokmall"/);
  });
  test("a metric selected without braces fails", () => {
    const failures = check("overlays/cert-manager", (objects) => {
      const rule = get(objects, "PrometheusRule", "tiktokmall").spec.groups.flatMap((g) => g.rules).find((r) => r.alert === "MtlsTlsReloadFailed");
      rule.expr = "increase(tls_reloads_failed_total[30m]) > 0";
    }, (context) => { context.alertRules = get(context.objects, "PrometheusRule", "tiktokmall").spec.groups; });
    assertFailsOnly(failures, named("alerts"), /MtlsTlsReloadFailed selects tls_reloads_failed_total without a namespace/);
  });
  test("rendered into another namespace, the expressions name that one (a var resolved last), and one left at tiktokmall fails", () => {
    const exprs = (objects) => get(objects, "PrometheusRule", "tiktokmall").spec.groups.flatMap((g) => g.rules).map((r) => r.expr);
    assert.ok(exprs(relocated["overlays/csi-driver-spiffe"]).every((e) => e.includes(`namespace="${RELOCATED.namespace}"`) && !e.includes("tiktokmall\"")));
    const failures = check("overlays/csi-driver-spiffe", (objects) => {
      const rule = get(objects, "PrometheusRule", "tiktokmall").spec.groups[0].rules[0];
      rule.expr = rule.expr.replace(`namespace="${RELOCATED.namespace}"`, 'namespace="tiktokmall"');
    }, () => {}, { relocated: true });
    assertFailsOnly(failures, named("alerts"), /without namespace="mall-two"/, ["relocatable"]);
  });
  test("a namespace var kustomize did not resolve fails", () => {
    const failures = check("overlays/vault", (objects) => {
      const rule = get(objects, "PrometheusRule", "tiktokmall").spec.groups[1].rules[0];
      rule.expr = rule.expr.replace('namespace="tiktokmall"', 'namespace="$(TIKTOKMALL_ALERTS_NAMESPACE)"');
    });
    assertFailsOnly(failures, named("alerts"), /differ from components\/alerts\/rules.yml/);
  });
  test("an overlay without its alerting rules fails", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => objects.splice(objects.indexOf(get(objects, "PrometheusRule", "tiktokmall")), 1));
    assertFailsOnly(failures, named("alerts"), /0 PrometheusRules in the render/);
  });
  test("an alert without a severity fails", () => {
    const failures = check("overlays/cert-manager", (objects) => {
      for (const group of get(objects, "PrometheusRule", "tiktokmall").spec.groups) {
        for (const rule of group.rules) if (rule.alert === "MtlsTlsReloadFailed") delete rule.labels;
      }
    }, (context) => { context.alertRules = get(context.objects, "PrometheusRule", "tiktokmall").spec.groups; });
    assertFailsOnly(failures, named("alerts"), /MtlsTlsReloadFailed has no severity/);
  });
  test("a service without its ServiceMonitor fails", () => {
    const failures = check("overlays/cert-manager", (objects) => objects.splice(objects.indexOf(get(objects, "ServiceMonitor", "payment")), 1));
    assertFailsOnly(failures, named("service monitors"), /payment: 0 ServiceMonitors select its Service/);
  });
  test("a service account that may not request its SVID fails", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => {
      const binding = get(objects, "RoleBinding", "spiffe-certificate-requester");
      binding.subjects = binding.subjects.filter((s) => s.name !== "payment");
    });
    assertFailsOnly(failures, named("csi-driver-spiffe"), /ServiceAccount payment may not create CertificateRequests/);
  });
  test("gateway or ops approved an SVID but unable to request it fails (they mount the driver's volume too)", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => {
      const binding = get(objects, "RoleBinding", "spiffe-certificate-requester");
      binding.subjects = binding.subjects.filter((s) => s.name !== "ops");
    });
    assertFailsOnly(failures, named("csi-driver-spiffe"), /ServiceAccount tiktokmall\/ops: approver-policy would approve its SVID, but it may not create CertificateRequests/);
  });
  test("a driver trust domain that is not the configs' fails", () => {
    const failures = check("overlays/csi-driver-spiffe", () => {}, (context) => { context.helmValues.app.trustDomain = "cluster.local"; });
    assertFailsOnly(failures, named("csi-driver-spiffe"), /app.trustDomain/);
  });
  test("a driver without a CA bundle fails (no ca.crt would be written)", () => {
    const failures = check("overlays/csi-driver-spiffe", () => {}, (context) => { delete context.helmValues.app.driver.sourceCABundle; });
    assertFailsOnly(failures, named("csi-driver-spiffe"), /sourceCABundle/);
  });
  test("an fs-group that is not the pod's fails", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => {
      const volume = get(objects, "Deployment", "auth").spec.template.spec.volumes.find((v) => v.name === "tls");
      volume.csi.volumeAttributes["spiffe.csi.cert-manager.io/fs-group"] = "0";
    });
    assertFailsOnly(failures, named("csi-driver-spiffe"), /fs-group/);
  });
  test("the base's Secret volume left in place in the SPIFFE overlay fails", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => {
      const volume = get(objects, "Deployment", "order").spec.template.spec.volumes.find((v) => v.name === "tls");
      delete volume.csi;
      volume.secret = { secretName: "order-tls" };
    });
    assertFailsOnly(failures, named("config files"), /expected csi-spiffe/, ["references", "csi-driver-spiffe"]);
  });
});

describe("relocatable: another namespace, a name prefix", () => {
  test("a service URL naming the default namespace fails where the manifests are rendered elsewhere", () => {
    const failures = check("base", (objects) => editConfig(objects, "order", (c) => { c.auth.url = "https://auth.tiktokmall.svc:8443"; }),
      () => {}, { relocated: true });
    assertFailsOnly(failures, named("relocatable"), /auth.url: "https:\/\/auth.tiktokmall.svc:8443" names the namespace tiktokmall/, ["ports"]);
  });
  test("the same URL passes where it is right (the default namespace)", () => {
    const failures = check("base", (objects) => editConfig(objects, "order", (c) => { c.auth.url = "https://auth.tiktokmall.svc:8443"; }));
    assert.deepEqual(Object.entries(failures).filter(([, list]) => list.length), []);
  });
  test("an SVID identity written with the default namespace fails elsewhere", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => editConfig(objects, "payment", (c) => {
      c.order.identity = "spiffe://tiktokmall.local/ns/tiktokmall/sa/${ORDER_ACCOUNT}";
    }), () => {}, { relocated: true });
    assertFailsOnly(failures, named("relocatable"), /order.identity: .*names the namespace tiktokmall/, ["identities"]);
  });
  test("an SVID identity written without the prefix's service account fails under a prefix", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => editConfig(objects, "order", (c) => {
      c.auth.identity = "spiffe://tiktokmall.local/ns/${POD_NAMESPACE}/sa/auth";
    }), () => {}, { relocated: true });
    assertFailsOnly(failures, named("identities"), /order \(order.yml\): auth.identity is "spiffe:\/\/tiktokmall.local\/ns\/mall-two\/sa\/auth", expected "spiffe:\/\/tiktokmall.local\/ns\/mall-two\/sa\/two-auth"/);
  });
  test("a config variable the container does not set fails", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => {
      const env = container(objects, "order").env;
      env.splice(env.findIndex((e) => e.name === "POD_NAMESPACE"), 1);
    }, () => {}, { relocated: true });
    assertFailsOnly(failures, named("references"), /uses \$\{POD_NAMESPACE\}, which container order's environment does not set/, ["identities"]);
  });
  test("a NetworkPolicy peer pinned to the default namespace fails elsewhere", () => {
    const failures = check("base", (objects) => {
      get(objects, "NetworkPolicy", "payment").spec.ingress[0].from[0].namespaceSelector = { matchLabels: { "kubernetes.io/metadata.name": "tiktokmall" } };
    }, () => {}, { relocated: true });
    assertFailsOnly(failures, named("relocatable"), /kubernetes.io\/metadata.name is tiktokmall/, ["network"]);
  });
  test("a ServiceMonitor selecting the default namespace fails elsewhere", () => {
    const failures = check("overlays/cert-manager", (objects) => {
      get(objects, "ServiceMonitor", "auth").spec.namespaceSelector = { matchNames: ["tiktokmall"] };
    }, () => {}, { relocated: true });
    assertFailsOnly(failures, named("relocatable"), /matchNames\[0\] is tiktokmall/, ["service monitors"]);
  });
});

describe("relocatable: cluster-scoped objects carry the prefix", () => {
  for (const [target, kind, name] of [["overlays/cert-manager", "CertificateRequestPolicy", "tiktokmall-ops"],
    ["overlays/csi-driver-spiffe", "CertificateRequestPolicy", "tiktokmall-svids"], ["overlays/spire", "ClusterSPIFFEID", "tiktokmall-auth"]]) {
    test(`${target}: a ${kind} without the prefix fails (a second install would share it)`, () => {
      const failures = check(target, (objects) => { get(objects, kind, name).metadata.name = name; }, () => {}, { relocated: true });
      const failing = Object.entries(failures).filter(([, list]) => list.length).map(([check]) => check);
      assert.ok(failing.includes(named("relocatable")), JSON.stringify(failing));
      assert.ok(failures[named("relocatable")].some((f) => new RegExp(`${kind} ${name} is cluster-scoped and does not carry the name prefix two-`).test(f)));
    });
  }
});

describe("relocatable: the database", () => {
  test("a database host left unprefixed fails under a prefix (the Service is two-postgres there)", () => {
    const failures = check("overlays/cert-manager", (objects) => {
      container(objects, "order").env.find((e) => e.name === "DB_SERVICE").value = "postgres";
    }, () => {}, { relocated: true });
    assertFailsOnly(failures, named("database"), /order \(order.yml\): database host postgres is not the Service two-postgres/);
  });
  test("database instances selected by CloudNativePG's name label fail under a prefix", () => {
    const failures = check("overlays/cert-manager", (objects) => {
      delete get(objects, "Cluster", "tiktokmall-db").spec.inheritedMetadata;
    }, () => {}, { relocated: true });
    assertFailsOnly(failures, named("database"), /inheritedMetadata.labels \{\} lack the labels of postgres/, ["references"]);
  });
});

describe("graceful shutdown", () => {
  test("no preStop sleep fails", () => {
    const failures = check("base", (objects) => { delete container(objects, "auth").lifecycle; });
    assertFailsOnly(failures, named("graceful shutdown"), /auth: no preStop sleep/);
  });
  test("a termination grace period shorter than preStop + drain + shutdownGracePeriod fails", () => {
    const failures = check("base", (objects) => { get(objects, "Deployment", "order").spec.template.spec.terminationGracePeriodSeconds = 40; });
    assertFailsOnly(failures, named("graceful shutdown"), /terminationGracePeriodSeconds 40 is below preStop 10 s \+ probes.drain_delay 5 s \+ server.shutdownGracePeriod 30 s/);
  });
  test("no drain fails", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => editConfig(objects, "payment", (c) => { c.probes.drain_delay = "0s"; }));
    assertFailsOnly(failures, named("graceful shutdown"), /payment \(payment.yml\): probes.drain_delay is 0s/);
  });
  test("a rolling update that may take a replica away first fails", () => {
    const failures = check("base", (objects) => { get(objects, "Deployment", "payment").spec.strategy.rollingUpdate.maxUnavailable = 1; });
    assertFailsOnly(failures, named("graceful shutdown"), /maxUnavailable must be 0/);
  });
});

describe("the access matrix, one source", () => {
  const ROOT = path.resolve(DEPLOY, "..");
  const configs = Object.fromEntries(Object.entries(matrix.services)
    .map(([name, service]) => [name, readFileSync(path.join(ROOT, "config", service.config), "utf8")]));
  const docs = readFileSync(path.join(ROOT, "docs", "security.md"), "utf8");
  test("config/*.yml and docs/security.md agree with it", () => {
    assert.deepEqual(configProblems(matrix, configs), []);
    assert.deepEqual(docsProblems(matrix, docs), []);
  });
  test("a role config/payment.yml grants and the matrix does not fails", () => {
    const broken = { ...configs, payment: configs.payment.replace("spiffe://tiktokmall.local/gateway: [charge]",
      "spiffe://tiktokmall.local/gateway: [charge]\n    spiffe://tiktokmall.local/order: [charge]") };
    assert.match(configProblems(matrix, broken).join("\n"), /config\/payment.yml: authorization.peers grants spiffe:\/\/tiktokmall.local\/order \["charge"\]/);
  });
  test("config/order.yml without payment's read-orders fails", () => {
    const broken = { ...configs, order: configs.order.replace("[read-orders, mark-orders-paid]", "[mark-orders-paid]") };
    assert.match(configProblems(matrix, broken).join("\n"), /config\/order.yml: spiffe:\/\/tiktokmall.local\/payment holds \["mark-orders-paid"\]/);
  });
  test("config/auth.yml with another admin fails", () => {
    const broken = { ...configs, auth: configs.auth.replace("    - spiffe://tiktokmall.local/ops", "    - spiffe://tiktokmall.local/gateway") };
    assert.match(configProblems(matrix, broken).join("\n"), /config\/auth.yml: authorization.admin/);
  });
  test("the docs table granting a role to another caller fails", () => {
    const broken = docs.replace("| `charge` | gateway |", "| `charge` | gateway, order |");
    assert.notEqual(broken, docs);
    assert.match(docsProblems(matrix, broken).join("\n"), /payment's charge is granted to gateway, order there, to gateway in the matrix/);
  });
  test("the docs table without a role of the matrix fails", () => {
    const broken = docs.split("\n").filter((line) => !line.includes("`revoke-tokens`")).join("\n");
    assert.match(docsProblems(matrix, broken).join("\n"), /no row for auth's role revoke-tokens/);
  });
  test("the docs table with a role the matrix does not know fails", () => {
    const broken = docs.replace("| payment | `POST /v1/charges` | `charge` | gateway |",
      "| payment | `POST /v1/charges` | `charge` | gateway |\n| payment | `POST /v1/refunds` | `refund` | gateway |");
    assert.match(docsProblems(matrix, broken).join("\n"), /role refund of payment is not in the matrix/);
  });
});

describe("trust-manager bundle", () => {
  const tlsVolume = (objects, name) => get(objects, "Deployment", name).spec.template.spec.volumes.find((v) => v.name === "tls");
  test("tls.ca_cert from the Secret's ca.crt instead of the bundle fails", () => {
    const failures = check("overlays/cert-manager", (objects) => {
      const sources = tlsVolume(objects, "payment").projected.sources;
      sources[0].secret.items.push({ key: "ca.crt", path: "ca.crt" });
      sources.pop();
    });
    assertFailsOnly(failures, named("trust bundle"), /payment \(payment.yml\): tls.ca_cert .* is not the key ca-cert.pem of the bundle ConfigMap tiktokmall-ca/);
  });
  test("a namespace the Bundle does not select fails (the ConfigMap would never appear)", () => {
    const failures = check("overlays/cert-manager", (objects) => { delete get(objects, "Namespace", "tiktokmall").metadata.labels["tiktokmall.local/app-namespace"]; });
    assertFailsOnly(failures, named("trust bundle"), /does not select the namespace tiktokmall/, ["database"]);
  });
  test("a bundle that lacks the issuing CA fails", () => {
    const failures = check("overlays/cert-manager", (objects, cluster) => { get(cluster, "Bundle", "tiktokmall-ca").spec.sources[0].secret.name = "some-other-ca"; });
    assertFailsOnly(failures, named("trust bundle"), /lacks the CA of ClusterIssuer tiktokmall-ca/, ["database"]);
  });
  test("a Bundle's Secret target under another key than ca.crt (what clientCASecret reads) fails", () => {
    const failures = check("cluster/ca", (objects) => { get(objects, "Bundle", "tiktokmall-ca").spec.target.secret.key = "bundle.pem"; });
    assertFailsOnly(failures, named("trust bundle"), /target.secret key bundle.pem/);
  });
  test("a Bundle that would copy the CA's private key fails", () => {
    const failures = check("cluster/ca", (objects) => { get(objects, "Bundle", "tiktokmall-ca").spec.sources[0].secret.key = "tls.key"; });
    assertFailsOnly(failures, named("trust bundle"), /takes the key tls.key: a private key must never be in a trust bundle/);
  });
  test("a Bundle without a namespaceSelector fails (every namespace of the cluster)", () => {
    const failures = check("cluster/ca", (objects) => { delete get(objects, "Bundle", "tiktokmall-ca").spec.target.namespaceSelector; });
    assertFailsOnly(failures, named("trust bundle"), /no namespaceSelector/);
  });
  test("a Certificate whose ClusterIssuer is not in the cluster kustomization fails", () => {
    const failures = check("overlays/cert-manager", (objects, cluster) => cluster.splice(cluster.indexOf(get(cluster, "ClusterIssuer", "tiktokmall-ca")), 1));
    assertFailsOnly(failures, named("references"), /its issuer ClusterIssuer tiktokmall-ca is not in the render/);
  });
});

describe("approver-policy", () => {
  const policy = (objects) => get(objects, "CertificateRequestPolicy", "tiktokmall-svids");
  test("without the rule that binds the URI to the requester, one account could get another's SVID", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => { policy(objects).spec.allowed.uris.validations.pop(); });
    assertFailsOnly(failures, named("approver-policy"), /order in tiktokmall could get approved a request with another account's identity/);
  });
  test("a service account bound to the policy that no authorization block names fails", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => {
      objects.push({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "intruder", namespace: "tiktokmall" } });
      get(objects, "RoleBinding", "tiktokmall-svids-policy").subjects.push({ kind: "ServiceAccount", name: "intruder" });
    });
    assertFailsOnly(failures, named("approver-policy"), /would approve the SVID spiffe:\/\/tiktokmall.local\/ns\/tiktokmall\/sa\/intruder, which no authorization block names/, ["csi-driver-spiffe"]);
  });
  test("an identity the authorization blocks name but the policy does not approve fails", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => {
      const binding = get(objects, "RoleBinding", "tiktokmall-svids-policy");
      binding.subjects = binding.subjects.filter((s) => s.name !== "gateway");
    });
    assertFailsOnly(failures, named("approver-policy"), /the SVID spiffe:\/\/tiktokmall.local\/ns\/tiktokmall\/sa\/gateway \(gateway\) would not be approved/);
  });
  test("a policy that allows DNS names fails", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => { policy(objects).spec.allowed.dnsNames = { values: ["*"] }; });
    assertFailsOnly(failures, named("approver-policy"), /could get approved a request with a DNS name/);
  });
  test("csi-driver-spiffe's own approver left running fails", () => {
    const failures = check("overlays/csi-driver-spiffe", () => {}, (context) => { context.helmValues.app.approver.replicaCount = 1; });
    assertFailsOnly(failures, named("approver-policy"), /app.approver.replicaCount must be 0/);
  });
  test("binding the policy cluster-wide fails", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => objects.push({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole",
      metadata: { name: "tiktokmall-svids-policy" }, rules: [{ apiGroups: ["policy.cert-manager.io"], resources: ["certificaterequestpolicies"], verbs: ["use"], resourceNames: ["tiktokmall-svids"] }] },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding",
      metadata: { name: "everyone" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "tiktokmall-svids-policy" },
      subjects: [{ kind: "Group", name: "system:serviceaccounts", apiGroup: "rbac.authorization.k8s.io" }] }));
    assertFailsOnly(failures, named("approver-policy"), /ClusterRoleBinding lets its subjects use/);
  });
  test("a CEL rule the validator cannot evaluate fails", () => {
    const failures = check("overlays/csi-driver-spiffe", (objects) => { policy(objects).spec.allowed.uris.validations.push({ rule: "size(self) < 200" }); });
    // Prometheus's SVID, evaluated with the same policy, is refused too: an unevaluated rule denies
    assertFailsOnly(failures, named("approver-policy"), /is not one this validator can evaluate/, ["service monitors"]);
  });
  test("a CA policy that allows any common name fails", () => {
    const failures = check("cluster/approver-policy", (objects) => { get(objects, "CertificateRequestPolicy", "tiktokmall-ca").spec.allowed.commonName.value = "*"; });
    assertFailsOnly(failures, named("approver-policy"), /the policies also approve a CA request with another common name/);
  });
  test("a CA policy that does not fit the CA fails (its request would wait forever)", () => {
    const failures = check("cluster/approver-policy", (objects) => { get(objects, "CertificateRequestPolicy", "tiktokmall-ca").spec.allowed.usages.pop(); });
    assertFailsOnly(failures, named("approver-policy"), /Certificate cert-manager\/tiktokmall-ca: no CertificateRequestPolicy approves its request/);
  });
});

describe("approver-policy: every Certificate, one policy per identity (cert-manager's default approver off)", () => {
  for (const [target, binding, policy] of [["overlays/csi-driver-spiffe", "tiktokmall-database-client-policies", "tiktokmall-order-database"],
    ["overlays/spire", "tiktokmall-database-client-policies", "tiktokmall-order-database"],
    ["overlays/cert-manager", "tiktokmall-database-policies", "tiktokmall-database-replication"]]) {
    test(`${target}: ${binding} bound to auth's service account too fails (auth could ask for ${policy}'s identity by hand)`, () => {
      const failures = check(target, (objects) => {
        const rb = get(objects, "RoleBinding", binding);
        rb.subjects.push({ kind: "ServiceAccount", name: "auth", namespace: rb.metadata.namespace });
      });
      assertFailsOnly(failures, named("approver-policy"), new RegExp(`${policy} approves a Certificate of the render and may be used by system:serviceaccount:tiktokmall:auth too`));
      if (target === "overlays/csi-driver-spiffe") {
        // there auth's pods may create CertificateRequests (their SVIDs): the request by hand is probed
        assert.ok(failures[named("approver-policy")].some((f) => /order-database: the policies would also approve a request with the same request made by hand by system:serviceaccount:tiktokmall:auth/.test(f)), JSON.stringify(failures[named("approver-policy")]));
      }
    });
  }
  test("overlays/csi-driver-spiffe: an account that may create CertificateRequests is probed even when bound to no policy", () => {
    // unbroken: auth may create requests (its SVID) and is probed; nothing it asks by hand for order's login is approved
    const failures = check("overlays/csi-driver-spiffe");
    assert.deepEqual(failures[named("approver-policy")], []);
  });
  /** The unbroken render's context, as the checks see it. */
  const contextOf = (target, { relocated: elsewhere = false } = {}) => buildContext({ target, dir: path.join(DEPLOY, target),
    objects: structuredClone((elsewhere ? relocated : rendered)[target]), matrix, expect: expectations[target],
    clusterObjects: structuredClone((expectations[target].with ?? []).flatMap((other) => rendered[other])), deployDir: DEPLOY, ...(elsewhere ? RELOCATED : {}) });
  const requestFor = (context, name) => fromCertificate(get(context.objects, "Certificate", name));
  const usePolicies = (name, subjects) => [
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name },
      rules: [{ apiGroups: ["policy.cert-manager.io"], resources: ["certificaterequestpolicies"], verbs: ["use"] }] },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name }, subjects }];

  for (const target of ["overlays/cert-manager", "overlays/vault"]) {
    test(`${target}: each Certificate is approved by exactly its own policy`, () => {
      const context = contextOf(target);
      for (const certificate of context.objects.filter((o) => o.kind === "Certificate")) {
        assert.deepEqual(approval(context, fromCertificate(certificate)).policies,
          [certificate.metadata.name.startsWith("postgres") ? (certificate.metadata.name === "postgres" ? "tiktokmall-database-server" : "tiktokmall-database-replication")
            : `tiktokmall-${certificate.metadata.name}`], certificate.metadata.name);
      }
    });
  }
  test("a Certificate for ops made in another namespace is refused (even one labelled like the app's, a second install)", () => {
    const context = contextOf("overlays/cert-manager");
    const ops = requestFor(context, "ops");
    assert.equal(approval(context, ops).approved, true);
    const labels = { ...get(context.objects, "Namespace", "tiktokmall").metadata.labels, "kubernetes.io/metadata.name": OTHER_NAMESPACE };
    const verdict = approval(context, { ...ops, namespace: OTHER_NAMESPACE, namespaceLabels: labels });
    assert.equal(verdict.approved, false);
    assert.match(verdict.reasons.join(), /no policy is both bound to the requester and selects the request/);
  });
  test("a Certificate for ops of the first install, asked in the second install's namespace, is refused there, and the other way round", () => {
    const first = contextOf("overlays/cert-manager");
    const second = contextOf("overlays/cert-manager", { relocated: true });
    assert.equal(approval(second, { ...requestFor(first, "ops"), namespace: "tiktokmall" }).approved, false);
    assert.equal(approval(first, { ...requestFor(second, "ops"), namespace: RELOCATED.namespace }).approved, false);
    assert.equal(approval(second, requestFor(second, "ops")).approved, true);
  });
  test("a Certificate with another service's SAN, common name or DNS name is refused", () => {
    const context = contextOf("overlays/cert-manager");
    const auth = requestFor(context, "auth");
    for (const [what, request] of [
      ["ops's URI", { ...auth, uris: ["spiffe://tiktokmall.local/ops"] }],
      ["gateway's URI beside its own", { ...auth, uris: [...auth.uris, "spiffe://tiktokmall.local/gateway"] }],
      ["payment's common name (its database role)", { ...auth, commonName: "payment" }],
      ["postgres's DNS name", { ...auth, dnsNames: ["postgres"] }],
      ["a request cert-manager did not make", { ...auth, username: "system:serviceaccount:tiktokmall:default" }],
    ]) {
      assert.equal(approval(context, request).approved, false, what);
    }
  });
  test("the check fails where cert-manager could use every policy cluster-wide and ops's policy named no namespace", () => {
    const failures = check("overlays/cert-manager", (objects) => {
      delete get(objects, "CertificateRequestPolicy", "tiktokmall-ops").spec.selector.namespace;
      objects.push(...usePolicies("all-policies", [{ kind: "ServiceAccount", name: "cert-manager", namespace: "cert-manager" }]));
    });
    assertFailsOnly(failures, named("approver-policy"), /Certificate tiktokmall\/ops: the policies would also approve a request with the same Certificate made in another namespace/);
  });
  test("with cert-manager granted every policy cluster-wide, the namespace in each policy's selector still refuses other namespaces", () => {
    const failures = check("overlays/cert-manager", (objects) => {
      objects.push(...usePolicies("all-policies", [{ kind: "ServiceAccount", name: "cert-manager", namespace: "cert-manager" }]));
    });
    assert.deepEqual(failures[named("approver-policy")].filter((f) => /another namespace/.test(f)), []);
  });
  test("a policy that allows any URI of the trust domain fails (auth could get ops's SAN)", () => {
    const failures = check("overlays/cert-manager", (objects) => {
      get(objects, "CertificateRequestPolicy", "tiktokmall-auth").spec.allowed.uris.values = ["spiffe://tiktokmall.local/*"];
    });
    assertFailsOnly(failures, named("approver-policy"), /Certificate tiktokmall\/auth: the policies would also approve a request with ops's URI SAN/);
  });
  test("a Certificate no policy approves fails (its request would wait forever)", () => {
    const failures = check("overlays/cert-manager", (objects) => objects.splice(objects.indexOf(get(objects, "CertificateRequestPolicy", "tiktokmall-gateway")), 1));
    assertFailsOnly(failures, named("approver-policy"), /Certificate tiktokmall\/gateway: its request is approved by 0 CertificateRequestPolicies/);
  });
  test("a Certificate two policies approve fails (one identity, one policy)", () => {
    const failures = check("overlays/cert-manager", (objects) => {
      const copy = structuredClone(get(objects, "CertificateRequestPolicy", "tiktokmall-order"));
      copy.metadata.name = "tiktokmall-order-too";
      objects.push(copy);
      get(objects, "Role", "tiktokmall-certificate-policies").rules[0].resourceNames.push("tiktokmall-order-too");
    });
    assertFailsOnly(failures, named("approver-policy"), /Certificate tiktokmall\/order: its request is approved by 2 CertificateRequestPolicies \(tiktokmall-order, tiktokmall-order-too\)/);
  });
  test("a request made by hand by an account of the namespace, bound to the policies, fails", () => {
    const failures = check("overlays/cert-manager", (objects) => {
      get(objects, "RoleBinding", "tiktokmall-certificate-policies").subjects.push({ kind: "ServiceAccount", name: "default" });
    });
    assertFailsOnly(failures, named("approver-policy"), /the same request made by hand by a service account of the namespace/, ["references"]);
  });
  test("a policy cert-manager may use that approves no Certificate fails", () => {
    const failures = check("overlays/cert-manager", (objects) => {
      const extra = structuredClone(get(objects, "CertificateRequestPolicy", "tiktokmall-ops"));
      extra.metadata.name = "tiktokmall-extra";
      extra.spec.allowed.uris.values = ["spiffe://tiktokmall.local/extra"];
      extra.spec.allowed.commonName.value = "extra";
      objects.push(extra);
      get(objects, "Role", "tiktokmall-certificate-policies").rules[0].resourceNames.push("tiktokmall-extra");
    });
    assertFailsOnly(failures, named("approver-policy"), /CertificateRequestPolicy (tiktokmall\/)?tiktokmall-extra is usable by cert-manager in tiktokmall but approves no Certificate/);
  });
  test("a policy left on tiktokmall-ca in the Vault overlay fails (its Certificate asks tiktokmall-vault)", () => {
    const failures = check("overlays/vault", (objects) => {
      get(objects, "CertificateRequestPolicy", "tiktokmall-ops").spec.selector.issuerRef.name = "tiktokmall-ca";
    });
    assertFailsOnly(failures, named("approver-policy"), /Certificate tiktokmall\/ops: its request is approved by 0/);
  });
  test("cert-manager as a requester in its own namespace gets nothing from the app's policies", () => {
    const context = contextOf("overlays/csi-driver-spiffe");
    const postgres = requestFor(context, "postgres");
    assert.equal(postgres.username, CERT_MANAGER);
    assert.equal(approval(context, postgres).approved, true);
    assert.equal(approval(context, { ...postgres, namespace: "cert-manager" }).approved, false);
  });
});

describe("SPIRE", () => {
  const id = (objects, name) => get(objects, "ClusterSPIFFEID", `tiktokmall-${name}`);
  test("a misspelt ClusterSPIFFEID field fails its vendored schema", () => {
    const failures = check("overlays/spire", (objects) => {
      const spec = id(objects, "order").spec;
      spec.podSelectr = spec.podSelector;
      delete spec.podSelector;
    });
    assertFailsOnly(failures, named("schema"), /spec.podSelectr: unknown field/, ["SPIRE"]);
  });
  test("a hostPath for the agent's socket fails (restricted Pod Security)", () => {
    const failures = check("overlays/spire", (objects) => {
      const volume = get(objects, "Deployment", "auth").spec.template.spec.volumes.find((v) => v.name === "spiffe-workload-api");
      delete volume.csi;
      volume.hostPath = { path: "/run/spire/agent-sockets", type: "Directory" };
    });
    assertFailsOnly(failures, named("SPIRE"), /auth \(auth.yml\): the socket .* is not in a read-only csi.spiffe.io volume/, ["pod security"]);
  });
  test("a ClusterSPIFFEID selecting every namespace labelled like the app's fails (it would register a second install's pods)", () => {
    const failures = check("overlays/spire", (objects) => {
      id(objects, "order").spec.namespaceSelector = { matchLabels: { "tiktokmall.local/app-namespace": "true" } };
    });
    assertFailsOnly(failures, named("SPIRE"), /ClusterSPIFFEID (tiktokmall\/)?tiktokmall-order: its namespaceSelector also selects another namespace labelled like tiktokmall/);
  });
  test("an SVID template in another scheme fails", () => {
    const failures = check("overlays/spire", (objects) => { id(objects, "payment").spec.spiffeIDTemplate = "spiffe://{{ .TrustDomain }}/payment"; });
    assertFailsOnly(failures, named("SPIRE"), /gives payment the SVID spiffe:\/\/tiktokmall.local\/payment, but the authorization blocks name spiffe:\/\/tiktokmall.local\/ns\/tiktokmall\/sa\/payment/);
  });
  test("an SVID template that changes with the pod fails", () => {
    const failures = check("overlays/spire", (objects) => { id(objects, "auth").spec.spiffeIDTemplate = "spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/pod/{{ .PodMeta.Name }}"; });
    assertFailsOnly(failures, named("SPIRE"), /uses \{\{ .PodMeta.Name \}\}/);
  });
  test("a workload the authorization blocks name but no ClusterSPIFFEID registers fails", () => {
    const failures = check("overlays/spire", (objects) => objects.splice(objects.indexOf(id(objects, "ops")), 1));
    assertFailsOnly(failures, named("SPIRE"), /ops \(namespace tiktokmall, .*\): 0 ClusterSPIFFEIDs register its pods/);
  });
  test("a ClusterSPIFFEID of another controller class fails (it would be ignored)", () => {
    const failures = check("overlays/spire", (objects) => { id(objects, "order").spec.className = "other"; });
    assertFailsOnly(failures, named("SPIRE"), /className other is not the controller manager's class spire-mgmt-spire/);
  });
  test("SPIRE installed for another trust domain fails", () => {
    const failures = check("overlays/spire", () => {}, (context) => { context.spireValues.global.spire.trustDomain = "example.org"; });
    assertFailsOnly(failures, named("SPIRE"), /global.spire.trustDomain/);
  });
  test("an expiry warning longer than half the SVID's life fails", () => {
    const failures = check("overlays/spire", (objects) => editConfig(objects, "order", (c) => { c.tls.expiry_warning = "40m"; }));
    assertFailsOnly(failures, named("SPIRE"), /order: tls.expiry_warning 40m is not below the 30 minutes/);
  });
  test("certificate files beside the Workload API source fail", () => {
    const failures = check("overlays/spire", (objects) => editConfig(objects, "auth", (c) => { c.tls.ca_cert = "/var/run/tiktokmall/tls/ca.crt"; }));
    assertFailsOnly(failures, named("config files"), /tls.ca_cert is set, but tls.source.type workload_api reads no files/);
  });
  test("a socket address outside the mounted volume fails", () => {
    const failures = check("overlays/spire", (objects) => {
      container(objects, "payment").env.find((e) => e.name === "SPIFFE_ENDPOINT_SOCKET").value = "unix:///run/spire/sockets/agent.sock";
    });
    assertFailsOnly(failures, named("references"), /payment: tls.source.type workload_api, but the socket unix:\/\/\/run\/spire\/sockets\/agent.sock is not unix:\/\/ in a mounted volume/, ["config files"]);
  });
});

describe("every overlay that deploys the services is scraped and alerted on", () => {
  const OVERLAYS = TARGETS.filter((t) => t.startsWith("overlays/"));
  test("the overlays are the ones this suite knows (a new one is covered too)", () => {
    assert.deepEqual(OVERLAYS, ["overlays/cert-manager", "overlays/csi-driver-spiffe", "overlays/spire", "overlays/vault"]);
  });
  for (const target of OVERLAYS) {
    test(`${target}: without a service's ServiceMonitor fails`, () => {
      const failures = check(target, (objects) => objects.splice(objects.indexOf(get(objects, "ServiceMonitor", "order")), 1));
      assertFailsOnly(failures, named("service monitors"), /^order: 0 ServiceMonitors select its Service, expected exactly 1/);
    });
    test(`${target}: without any ServiceMonitor fails (nothing asks for them in targets.json: every such overlay needs them)`, () => {
      const failures = check(target, (objects) => {
        for (let i = objects.length - 1; i >= 0; i--) if (objects[i].kind === "ServiceMonitor") objects.splice(i, 1);
      });
      assertFailsOnly(failures, named("service monitors"), /^auth: 0 ServiceMonitors/);
      assert.equal(failures[named("service monitors")].length, Object.keys(matrix.services).length, JSON.stringify(failures[named("service monitors")]));
    });
    test(`${target}: without the alerts (components/alerts) fails`, () => {
      const failures = check(target, (objects) => objects.splice(objects.indexOf(get(objects, "PrometheusRule", "tiktokmall")), 1));
      assertFailsOnly(failures, named("alerts"), /0 PrometheusRules in the render, expected 1: every overlay that deploys the services includes components\/alerts/);
    });
    test(`${target}: a scrape identity without the metrics role in payment's config fails`, () => {
      const failures = check(target, (objects) => editConfig(objects, "payment", (c) => { c.authorization.metrics = []; }));
      assertFailsOnly(failures, named("service monitors"), /payment's authorization.metrics does not admit the scrape identity spiffe:\/\/tiktokmall.local\/(prometheus|ns\/monitoring\/sa\/prometheus)/, ["identities"]);
    });
  }
  test("the base (no overlay: Secrets you make, no Prometheus certificate) needs neither", () => {
    const failures = check("base");
    assert.deepEqual(failures[named("service monitors")], []);
    assert.deepEqual(failures[named("alerts")], []);
  });
});

describe("SPIRE: scraping with Prometheus's SVID (spiffe-helper)", () => {
  const HELPER_CONF = readFileSync(path.join(DEPLOY, "overlays/spire/helper.conf"), "utf8");
  const prometheus = (context) => context.scraperSvid.find((o) => o.kind === "Prometheus");
  const withConf = (edit) => (context) => { context.scraperHelper = parseHelperConf(edit(HELPER_CONF), "helper.conf"); };
  test("the ServiceMonitors read Prometheus's SVID where spiffe-helper writes it, and the server is not checked by name", () => {
    for (const name of Object.keys(matrix.services)) {
      const tls = get(rendered["overlays/spire"], "ServiceMonitor", name).spec.endpoints[0].tlsConfig;
      assert.deepEqual(tls, { certFile: "/var/run/tiktokmall/svid/svid.pem", keyFile: "/var/run/tiktokmall/svid/svid_key.pem", insecureSkipVerify: true });
    }
  });
  test("a keyFile that is not the one spiffe-helper writes fails", () => {
    const failures = check("overlays/spire", (objects) => { get(objects, "ServiceMonitor", "auth").spec.endpoints[0].tlsConfig.keyFile = "/var/run/tiktokmall/svid/tls.key"; });
    assertFailsOnly(failures, named("service monitors"), /ServiceMonitor tiktokmall\/auth: tlsConfig certFile, keyFile .*svid_key.pem/);
  });
  test("checking the server by name fails (an SVID has none: no scrape would succeed)", () => {
    const failures = check("overlays/spire", (objects) => {
      const tls = get(objects, "ServiceMonitor", "order").spec.endpoints[0].tlsConfig;
      delete tls.insecureSkipVerify;
      tls.serverName = "order";
      tls.caFile = "/var/run/tiktokmall/svid/svid_bundle.pem";
    });
    assertFailsOnly(failures, named("service monitors"), /order: an SVID carries no DNS name/);
  });
  test("Prometheus's own SVID not registered (its ClusterSPIFFEID removed) fails", () => {
    const failures = check("overlays/spire", (objects) => objects.splice(objects.indexOf(get(objects, "ClusterSPIFFEID", "tiktokmall-prometheus")), 1));
    assertFailsOnly(failures, named("SPIRE"), /prometheus \(namespace monitoring, .*\): 0 ClusterSPIFFEIDs register its pods/);
  });
  test("Prometheus's ClusterSPIFFEID selecting the app's namespace (what kustomize's namespace: does to matchLabels) fails", () => {
    const failures = check("overlays/spire", (objects) => {
      get(objects, "ClusterSPIFFEID", "tiktokmall-prometheus").spec.namespaceSelector = { matchLabels: { "kubernetes.io/metadata.name": RELOCATED.namespace } };
    }, () => {}, { relocated: true });
    assertFailsOnly(failures, named("SPIRE"), /prometheus \(namespace monitoring, .*\): 0 ClusterSPIFFEIDs register its pods/);
  });
  test("no init container fails (Prometheus would start before the files exist)", () => {
    const failures = check("overlays/spire", () => {}, (context) => { delete prometheus(context).spec.initContainers; });
    assertFailsOnly(failures, named("service monitors"), /0 spiffe-helper init containers, expected 1/);
  });
  test("an init container in daemon mode fails (it never exits: Prometheus would never start)", () => {
    const failures = check("overlays/spire", () => {}, (context) => {
      const init = prometheus(context).spec.initContainers[0];
      init.args = init.args.filter((a) => !a.startsWith("-daemon-mode"));
    });
    assertFailsOnly(failures, named("service monitors"), /init container spiffe-helper-init: runs in daemon mode/);
  });
  test("no sidecar fails (the SVID would never be renewed)", () => {
    const failures = check("overlays/spire", () => {}, (context) => {
      prometheus(context).spec.containers = prometheus(context).spec.containers.filter((c) => c.name !== "spiffe-helper");
    });
    assertFailsOnly(failures, named("service monitors"), /0 spiffe-helper containers in spec.containers/);
  });
  test("the prometheus container mounting the SVID elsewhere than the ServiceMonitors read fails", () => {
    const failures = check("overlays/spire", () => {}, (context) => { prometheus(context).spec.volumeMounts[0].mountPath = "/etc/prometheus/svid"; });
    assertFailsOnly(failures, named("service monitors"), /\/etc\/prometheus\/svid\/svid.pem/);
  });
  test("the prometheus container mounting the SVID writable fails", () => {
    const failures = check("overlays/spire", () => {}, (context) => { delete prometheus(context).spec.volumeMounts[0].readOnly; });
    assertFailsOnly(failures, named("service monitors"), /must mount tiktokmall-svid read-only/);
  });
  test("the agent's socket from a hostPath fails (restricted Pod Security; the SPIFFE CSI driver mounts it)", () => {
    const failures = check("overlays/spire", () => {}, (context) => {
      const volume = prometheus(context).spec.volumes.find((v) => v.name === "spiffe-workload-api");
      delete volume.csi;
      volume.hostPath = { path: "/run/spire/agent-sockets", type: "Directory" };
    });
    assertFailsOnly(failures, named("service monitors"), /agent_address \/spiffe-workload-api\/spire-agent.sock is not in a read-only csi.spiffe.io volume/);
  });
  test("an agent_address that is not the agent's socket fails", () => {
    const failures = check("overlays/spire", () => {}, withConf((text) => text.replace("/spiffe-workload-api/spire-agent.sock", "/spiffe-workload-api/api.sock")));
    assertFailsOnly(failures, named("service monitors"), /agent_address is api.sock in the volume, but the SPIRE agent's socket is spire-agent.sock/);
  });
  test("spiffe-helper running as another user than Prometheus fails (Prometheus could not read the key)", () => {
    const failures = check("overlays/spire", () => {}, (context) => { prometheus(context).spec.containers[0].securityContext.runAsUser = 65532; });
    assertFailsOnly(failures, named("service monitors"), /container spiffe-helper: runs as user 65532, Prometheus as 1000/);
  });
  test("a key readable by other users fails", () => {
    const failures = check("overlays/spire", () => {}, withConf((text) => text.replace("key_file_mode = 0600", "key_file_mode = 0644")));
    assertFailsOnly(failures, named("service monitors"), /key_file_mode 0644 lets other users/);
  });
  test("a key helper.conf misspells fails (spiffe-helper refuses unknown keys at start-up)", () => {
    const failures = check("overlays/spire", () => {}, withConf((text) => text.replace("svid_key_file_name =", "svid_key_filename =")));
    assertFailsOnly(failures, named("service monitors"), /helper.conf:\d+: svid_key_filename is not a key of spiffe-helper/);
  });
  test("a misspelled field of the Prometheus patch's containers fails against Kubernetes' definitions", () => {
    const failures = check("overlays/spire", () => {}, (context) => {
      const container = prometheus(context).spec.containers[0];
      container.volumeMount = container.volumeMounts;
    });
    assertFailsOnly(failures, named("service monitors"), /prometheus-svid.yaml: Prometheus spec.containers\[0\].volumeMount: unknown field/);
  });
  test("the command-line reading is Go's flag package's", () => {
    assert.deepEqual(helperArgs(["-config", "/etc/h.conf", "-daemon-mode=false"]), { config: "/etc/h.conf", daemonMode: false, problems: [] });
    assert.deepEqual(helperArgs(["--config=/etc/h.conf"]), { config: "/etc/h.conf", daemonMode: undefined, problems: [] });
    assert.deepEqual(helperArgs(["-daemon-mode", "false"]).problems, ['argument "false" is not a flag']);
  });
  test("helper.conf reads as spiffe-helper reads it", () => {
    const { values, problems } = parseHelperConf(HELPER_CONF);
    assert.deepEqual(problems, []);
    assert.equal(values.key_file_mode, 0o600);
    assert.equal(values.daemon_mode, true);
    assert.equal(values.agent_address, "/spiffe-workload-api/spire-agent.sock");
    assert.deepEqual(parseHelperConf('cmd_args = "a # b" // c\nhealth_checks { x = 1 }').values, { cmd_args: "a # b" });
  });
});

describe("Vault", () => {
  test("a Certificate name the Vault role does not allow fails", () => {
    const failures = check("overlays/vault", (objects) => get(objects, "Certificate", "order").spec.dnsNames.push("order.example.com"));
    assertFailsOnly(failures, named("Vault"), /Certificate tiktokmall\/order: pki-role.json allowed_domains lacks order.example.com/, ["approver-policy"]);
  });
  test("a Vault role that allows a URI no Certificate asks for fails", () => {
    const role = JSON.parse(readFileSync(path.join(DEPLOY, "cluster/vault/pki-role.json"), "utf8"));
    role.allowed_uri_sans.push("spiffe://tiktokmall.local/admin");
    const failures = check("overlays/vault", () => {}, (context) => { context.vaultFiles = { "pki-role.json": JSON.stringify(role) }; });
    assertFailsOnly(failures, named("Vault"), /allows the URI SAN spiffe:\/\/tiktokmall.local\/admin, which no Certificate asks for/);
  });
  test("a Kubernetes auth role for another audience fails", () => {
    const role = JSON.parse(readFileSync(path.join(DEPLOY, "cluster/vault/kubernetes-auth-role.json"), "utf8"));
    role.audience = "vault";
    const failures = check("cluster/vault", () => {}, (context) => { context.vaultFiles = { "kubernetes-auth-role.json": JSON.stringify(role) }; });
    assertFailsOnly(failures, named("Vault"), /audience vault is not the one cert-manager's token carries \(vault:\/\/tiktokmall-vault\)/);
  });
  test("a Vault policy wider than the signing path fails", () => {
    const policy = `${readFileSync(path.join(DEPLOY, "cluster/vault/pki-policy.hcl"), "utf8")}\npath "pki_int/issue/*" {\n  capabilities = ["create", "update"]\n}\n`;
    const failures = check("cluster/vault", () => {}, (context) => { context.vaultFiles = { "pki-policy.hcl": policy }; });
    assertFailsOnly(failures, named("Vault"), /grants pki_int\/issue\/\* too/);
  });
  test("an issuer that has Vault generate the key (issue) fails", () => {
    const failures = check("cluster/vault", (objects) => { get(objects, "ClusterIssuer", "tiktokmall-vault").spec.vault.path = "pki_int/issue/tiktokmall"; });
    assertFailsOnly(failures, named("Vault"), /is not <pki mount>\/sign\/<role>/);
  });
  test("letting cert-manager request tokens of every account fails", () => {
    const failures = check("cluster/vault", (objects) => { delete get(objects, "Role", "vault-issuer-token").rules[0].resourceNames; });
    assertFailsOnly(failures, named("Vault"), /creates tokens for every service account of cert-manager/);
  });
  test("a Vault issuer that trusts the system roots fails", () => {
    const failures = check("cluster/vault", (objects) => { delete get(objects, "ClusterIssuer", "tiktokmall-vault").spec.vault.caBundleSecretRef; });
    assertFailsOnly(failures, named("Vault"), /no caBundle or caBundleSecretRef/);
  });
});

// Only with the built jars: run.sh passes DEPLOY_SERVICE_JARS (the repository root) when mvn verify runs it.
const SERVICE_JARS = process.env.DEPLOY_SERVICE_JARS ? path.resolve(process.env.DEPLOY_SERVICE_JARS) : null;
const jarsBuilt = SERVICE_JARS !== null
  && Object.keys(matrix.services).every((name) => existsSync(path.join(SERVICE_JARS, name, "target", `${name}.jar`)));

describe("the services' own check command", { skip: jarsBuilt ? false : "DEPLOY_SERVICE_JARS unset or the jars not built" }, () => {
  test("a setting payment does not know fails payment's check", () => {
    const failures = check("base", (objects) => editConfig(objects, "payment", (c) => { c.retry_intervl = "10s"; }),
      (context) => { context.serviceJars = SERVICE_JARS; });
    assertFailsOnly(failures, named("service configs"), /^payment: java -jar payment\/target\/payment.jar check payment.yml refuses it/);
  });
});
