// Each service reaches PostgreSQL by its Service over verify-full TLS, logs in as its own role by
// client certificate (PostgreSQL maps the certificate's CN to the role), and has no password.
import { leafCertificates } from "../context.mjs";

export const database = {
  name: "database: PostgreSQL over verify-full, certificate login",
  run(context, findings) {
    const { matrix } = context;
    const postgres = matrix.workloads[matrix.database.workload];
    const port = postgres.ports.find((p) => p.name === matrix.database.port).port;
    const names = [postgres.service, `${postgres.service}.${postgres.namespace}`, `${postgres.service}.${postgres.namespace}.svc`,
      `${postgres.service}.${postgres.namespace}.svc.cluster.local`];
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
      const match = /^jdbc:postgresql:\/\/([^/:]+):(\d+)\/([^?]+)\?(.*)$/.exec(config.url ?? "");
      if (!match) {
        findings.fail(`${at}: database.url ${config.url} is not jdbc:postgresql://host:port/db?...`);
      } else {
        if (!names.includes(match[1])) findings.fail(`${at}: database host ${match[1]} is not the Service ${postgres.service} in ${postgres.namespace} (${names.join(", ")})`);
        findings.same(Number(match[2]), port, `${at}: database port`);
        findings.same(match[3], expected.name, `${at}: database name`);
        if (!new URLSearchParams(match[4]).getAll("sslmode").includes("verify-full")) {
          findings.fail(`${at}: database.url lacks sslmode=verify-full`);
        }
      }
      findings.same(config.user, expected.user, `${at}: database.user`);
      if (config.password) findings.fail(`${at}: database.password is set; the login is the client certificate`);
      if (service.tls?.kind === "csi-spiffe" || service.tls?.kind === "workload-api") {
        findings.warn(`${at}: an SVID has no CN, so PostgreSQL's certificate login cannot map it to the role ${expected.user} (deploy/README.md, "PostgreSQL and SVIDs")`);
      } else if (context.expect.certificates) {
        const own = leafCertificates(context).find((c) => c.spec?.secretName === service.tls?.secretName);
        if (own && own.spec.commonName !== expected.user) {
          findings.fail(`${at}: Certificate ${own.metadata.name} has CN ${own.spec.commonName}; PostgreSQL maps the CN to the role ${expected.user}`);
        }
        const server = leafCertificates(context).find((c) => context.baseName(c.metadata.name) === matrix.database.workload);
        if (!server) {
          findings.fail(`no Certificate for ${matrix.database.workload}: verify-full needs its server certificate from the same CA`);
        } else if (match && !(server.spec.dnsNames ?? []).includes(match[1])) {
          findings.fail(`Certificate ${server.metadata.name} lacks the DNS name ${match[1]} that verify-full checks`);
        }
      }
    }
  },
};
