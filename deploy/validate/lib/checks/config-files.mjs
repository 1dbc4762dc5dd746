// The files each config names are the files that are mounted: the tls block points into the TLS
// volume at the names cert-manager and csi-driver-spiffe write, the signing key into its Secret;
// directories are mounted whole (a subPath mount never sees a renewed file).
import { goDuration, dropwizardDuration } from "../durations.mjs";
import { leafCertificates } from "../context.mjs";
import { resolvePath, volumeFiles } from "../services.mjs";

const TLS_KEYS = { ca_cert: 2, server_cert: 0, client_cert: 0, server_key: 1, client_key: 1 };   // index into the file names

export const configFiles = {
  name: "config files: tls paths = mounted files",
  run(context, findings) {
    for (const service of context.services.values()) {
      if (!service.config) continue;
      const at = `${service.name} (${service.configKey})`;
      const tls = service.config.tls ?? {};
      if (tls.enabled !== true) findings.fail(`${at}: tls.enabled must be true`);
      if (tls.key_password) findings.fail(`${at}: tls.key_password is set, but the mounted keys are not encrypted`);
      if (service.tls && service.tls.kind !== context.expect.tls) {
        findings.fail(`${at}: the tls volume is ${service.tls.kind}, expected ${context.expect.tls} for ${context.target}`);
      }
      const files = service.tls?.kind === "csi-spiffe" ? context.csiFiles : ["tls.crt", "tls.key", "ca.crt"];
      if (service.tls?.kind === "workload-api") {
        // No files at all: the SVID and bundle come over the Workload API socket (checks/spire.mjs).
        for (const key of [...Object.keys(TLS_KEYS), "key_password"]) {
          if (tls[key] !== undefined) findings.fail(`${at}: tls.${key} is set, but tls.source.type workload_api reads no files`);
        }
      }
      for (const [key, index] of Object.entries(service.tls?.kind === "workload-api" ? {} : TLS_KEYS)) {
        const value = tls[key];
        const where = value ? resolvePath(service, value) : null;
        if (!value) {
          findings.fail(`${at}: tls.${key} is not set`);
        } else if (!where || where.mount !== service.tls?.mount) {
          findings.fail(`${at}: tls.${key} ${value} is not in the TLS volume mounted at ${service.tls?.mount?.mountPath}`);
        } else if (where.file !== files[index]) {
          findings.fail(`${at}: tls.${key} ${value} names ${where.file}, but that volume has it as ${files[index]}`);
        } else {
          const provided = volumeFiles(where.volume, context.objects, service.deployment.metadata.namespace, context.csiFiles) ?? files;
          if (!provided.includes(where.file)) findings.fail(`${at}: tls.${key}: the volume provides ${provided}, not ${where.file}`);
        }
      }
      if (service.tls?.mount && (service.tls.mount.readOnly !== true || service.tls.mount.subPath)) {
        findings.fail(`${at}: the TLS volume (or the Workload API socket's) must be mounted read-only, as a whole directory (no subPath)`);
      }
      for (const mount of service.mounts) {
        const volume = service.volumes.get(mount.name);
        if ((mount.subPath || mount.subPathExpr) && (volume?.secret || volume?.configMap || volume?.csi || volume?.projected)) {
          findings.fail(`${at}: volume ${mount.name} is mounted with subPath, so its files never update`);
        }
        if (!volume?.emptyDir && mount.readOnly !== true) {
          findings.fail(`${at}: volume ${mount.name} is mounted writable`);
        }
      }
      const signingKey = service.config.tokens?.signing_key;
      if (signingKey !== undefined) {
        const where = resolvePath(service, signingKey);
        const secret = where?.volume?.secret?.secretName;
        const expectedFiles = service.expected.operatorSecrets?.[secret];
        if (!expectedFiles) {
          findings.fail(`${at}: tokens.signing_key ${signingKey} is not in a mounted operator Secret (${Object.keys(service.expected.operatorSecrets ?? {})})`);
        } else if (!expectedFiles.includes(where.file)) {
          findings.fail(`${at}: tokens.signing_key names ${where.file}; Secret ${secret} holds ${expectedFiles}`);
        }
      }
      for (const [where, appenders] of [["server.requestLog", service.config.server?.requestLog?.appenders], ["logging", service.config.logging?.appenders]]) {
        if (!appenders || appenders.some((a) => a.type !== "console")) {
          findings.fail(`${at}: ${where}.appenders must all be console (the root file system is read-only; the cluster collects stdout)`);
        }
      }
      checkTimers(context, service, at, tls, findings);
    }
  },
};

/** The reload interval and the expiry warning must fit the certificate lifetime of this target. */
function checkTimers(context, service, at, tls, findings) {
  const reload = dropwizardDuration(tls.reload_interval ?? "30s");
  const warning = dropwizardDuration(tls.expiry_warning ?? "14 days");
  if (Number.isNaN(reload) || Number.isNaN(warning)) {
    findings.fail(`${at}: tls.reload_interval or tls.expiry_warning is not a duration`);
    return;
  }
  let renewalLeft;   // what is left of a certificate's life when it is renewed
  let source;
  if (service.tls?.kind === "workload-api") {
    return;   // the agent pushes SVIDs; their lifetime against expiry_warning: checks/spire.mjs
  }
  if (service.tls?.kind === "csi-spiffe") {
    const lifetime = goDuration(context.helmValues?.app?.certificateRequestDuration ?? "1h");
    renewalLeft = lifetime / 3;                    // the driver renews at two thirds of the lifetime
    source = `csi-driver-spiffe's certificateRequestDuration ${context.helmValues?.app?.certificateRequestDuration ?? "1h"}`;
  } else {
    const own = leafCertificates(context).find((c) => c.spec?.secretName === service.tls?.secretName);
    if (!own) return;
    renewalLeft = goDuration(own.spec.renewBefore);
    source = `Certificate ${own.metadata.name} renewBefore ${own.spec.renewBefore}`;
  }
  if (!(reload * 10 <= renewalLeft)) {
    findings.fail(`${at}: tls.reload_interval ${tls.reload_interval} is over a tenth of the ${renewalLeft / 60} minutes left at renewal (${source})`);
  }
  if (!(warning < renewalLeft)) {
    findings.fail(`${at}: tls.expiry_warning ${tls.expiry_warning ?? "14 days"} is not below the ${renewalLeft / 60} minutes left at renewal (${source}): the tls health check would warn all the time`);
  }
}
