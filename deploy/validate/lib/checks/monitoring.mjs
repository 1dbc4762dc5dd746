// ServiceMonitors scrape each service's admin port at /prometheus over https, presenting the
// scrape identity's certificate, which the service's authorization.metrics admits (and its
// authorization.admin does not: the scraper may read metrics, nothing else). Every overlay that
// deploys the services has one per service (lib/context.mjs deploysServices), whatever targets.json
// says. With certificates from Secrets the scraper's comes from the Certificate carrying that
// identity, and the server is checked against the CA and the Service's DNS name. With SVIDs the
// scraper presents its own SVID as files in the Prometheus pod, as the overlay's scraperSvid file
// says to add them: from a csi-driver-spiffe volume, or (SPIRE) written by spiffe-helper from the
// Workload API into an emptyDir (scraperHelper: its configuration); and it cannot check the server
// by name: an SVID has none (see deploy/README.md).
import path from "node:path/posix";
import { describe, find, ofKind, selects } from "../k8s.mjs";
import { deploysServices, identityOf, leafCertificates } from "../context.mjs";
import { AGENT_SOCKET, CSI_SPIFFE_DRIVER, SPIFFE_CSI_DRIVER } from "../services.mjs";
import { helperArgs } from "../spiffe-helper.mjs";
import { strictErrorsOf } from "../strict.mjs";
import { approval, svidRequest } from "./approver-policy.mjs";

export const monitoring = {
  name: "service monitors: mTLS scrape of /prometheus",
  applies: (context) => deploysServices(context) || context.objects.some((o) => o.kind === "ServiceMonitor"),
  run(context, findings) {
    const { matrix } = context;
    const monitors = ofKind(context.objects, "ServiceMonitor");
    const scraperId = identityOf(context, matrix.scraper.identity);
    const svid = context.expect.identities === "svid";
    const scraperCertificate = leafCertificates(context).find((c) => (c.spec?.uris ?? []).includes(scraperId));
    const scraperFiles = svid ? (context.expect.tls === "workload-api" ? helperFiles(context, findings) : svidMount(context, findings)) : null;
    for (const service of context.services.values()) {
      if (!service.k8sService) continue;
      const namespace = service.k8sService.metadata.namespace;
      const covering = monitors.filter((m) => {
        const namespaces = m.spec?.namespaceSelector?.matchNames ?? [m.metadata.namespace];
        return (m.spec?.namespaceSelector?.any || namespaces.includes(namespace)) && selects(m.spec?.selector, service.k8sService.metadata.labels);
      });
      if (covering.length !== 1) {
        findings.fail(`${service.name}: ${covering.length} ServiceMonitors select its Service, expected exactly 1`);
        continue;
      }
      const monitor = covering[0];
      const at = describe(monitor);
      const endpoints = monitor.spec.endpoints ?? [];
      if (endpoints.length !== 1) {
        findings.fail(`${at}: ${endpoints.length} endpoints, expected 1 (the admin port)`);
        continue;
      }
      const endpoint = endpoints[0];
      const servicePort = service.k8sService.spec.ports.find((p) => p.name === endpoint.port);
      if (!servicePort || servicePort.targetPort !== matrix.scraper.port) {
        findings.fail(`${at}: port ${endpoint.port} is not the Service's ${matrix.scraper.port} port`);
      }
      findings.same(endpoint.scheme?.toLowerCase(), "https", `${at}: scheme`);
      findings.same(endpoint.path, matrix.scraper.path, `${at}: path`);
      const tls = endpoint.tlsConfig ?? {};
      const metrics = service.config?.authorization?.metrics ?? [];
      if (!metrics.includes(scraperId)) {
        findings.fail(`${at}: ${service.name}'s authorization.metrics does not admit the scrape identity ${scraperId}`);
      }
      if ((service.config?.authorization?.admin ?? []).includes(scraperId)) {
        findings.fail(`${at}: the scrape identity ${scraperId} is in ${service.name}'s authorization.admin; it needs authorization.metrics only`);
      }
      if (svid) {
        checkSvidScrape(at, tls, scraperFiles, findings);
        continue;
      }
      if (tls.insecureSkipVerify) findings.fail(`${at}: insecureSkipVerify`);
      const secrets = [tls.cert?.secret, tls.keySecret];
      findings.same(secrets.map((s) => s?.key), ["tls.crt", "tls.key"], `${at}: tlsConfig keys (cert, keySecret)`);
      if (!scraperCertificate) {
        findings.fail(`${at}: no Certificate carries the scrape identity ${scraperId}`);
      } else if (!secrets.every((s) => s?.name === scraperCertificate.spec.secretName)) {
        findings.fail(`${at}: tlsConfig must take cert and key from Secret ${scraperCertificate.spec.secretName} (${scraperId})`);
      }
      // The scraper trusts what the services trust: the trust bundle (both CAs during a rotation),
      // not a Secret's ca.crt (the issuing CA alone).
      const bundle = context.expect.trustBundle ? find(context.all, "Bundle", context.expect.trustBundle) : null;
      if (bundle) {
        const target = bundle.spec?.target?.configMap ?? {};
        if (tls.ca?.configMap?.name !== bundle.metadata.name || tls.ca?.configMap?.key !== target.key) {
          findings.fail(`${at}: tlsConfig.ca must be the trust bundle, ConfigMap ${bundle.metadata.name} key ${target.key} (it is ${JSON.stringify(tls.ca)}): a Secret's ca.crt holds the issuing CA only, so a server renewed by a new CA would be refused during a rotation`);
        }
      } else if (!tls.ca?.secret && !tls.ca?.configMap) {
        findings.fail(`${at}: tlsConfig.ca is not set: the server would be checked against no CA`);
      }
      const own = leafCertificates(context).find((c) => c.spec?.secretName === service.tls?.secretName);
      if (!own || !(own.spec.dnsNames ?? []).includes(tls.serverName)) {
        findings.fail(`${at}: serverName ${tls.serverName} is not a DNS name of ${service.name}'s certificate`);
      }
    }
  },
};

/**
 * The Prometheus patch of the overlay's scraperSvid file, checked for the scraper's namespace and
 * service account (the SVID names both), or null.
 */
function prometheusPatch(context, findings) {
  const file = context.expect.scraperSvid;
  const prometheus = (context.scraperSvid ?? []).find((o) => o?.kind === "Prometheus");
  if (!prometheus) {
    findings.fail(`${file ?? "scraperSvid (targets.json)"}: no Prometheus patch with the scraper's SVID volume`);
    return null;
  }
  const { matrix } = context;
  const scraper = matrix.workloads[matrix.scraper.workload];
  if (prometheus.metadata?.namespace !== scraper.namespace) {
    findings.fail(`${file}: the Prometheus patch is for namespace ${prometheus.metadata?.namespace}, the scraper runs in ${scraper.namespace} (access-matrix.json)`);
  }
  if (prometheus.spec?.serviceAccountName !== scraper.serviceAccount) {
    findings.fail(`${file}: the Prometheus patch must set serviceAccountName ${scraper.serviceAccount}: the SVID names it`);
  }
  return prometheus;
}

/** The Prometheus pod's csi-driver-spiffe SVID as the overlay's scraperSvid file mounts it: {certFile, keyFile}, or null. */
function svidMount(context, findings) {
  const file = context.expect.scraperSvid;
  const prometheus = prometheusPatch(context, findings);
  if (!prometheus) return null;
  const volume = (prometheus.spec?.volumes ?? []).find((v) => v.csi?.driver === CSI_SPIFFE_DRIVER);
  const mount = (prometheus.spec?.volumeMounts ?? []).find((m) => m.name === volume?.name);
  if (!volume || !mount) {
    findings.fail(`${file}: the Prometheus patch has no ${CSI_SPIFFE_DRIVER} volume mounted`);
    return null;
  }
  if (!volume.csi.readOnly || !mount.readOnly) findings.fail(`${file}: the SVID volume must be read-only`);
  const { matrix } = context;
  const scraper = matrix.workloads[matrix.scraper.workload];
  const binding = (context.scraperSvid ?? []).find((o) => o?.kind === "RoleBinding"
    && (o.subjects ?? []).some((s) => s.kind === "ServiceAccount" && s.name === scraper.serviceAccount && (s.namespace ?? o.metadata?.namespace) === scraper.namespace));
  const role = (context.scraperSvid ?? []).find((o) => o?.kind === "Role" && o.metadata?.name === binding?.roleRef?.name);
  const mayRequest = (role?.rules ?? []).some((r) => (r.apiGroups ?? []).includes("cert-manager.io")
    && (r.resources ?? []).includes("certificaterequests") && (r.verbs ?? []).includes("create"));
  if (!mayRequest || role.metadata?.namespace !== scraper.namespace) {
    findings.fail(`${file}: ServiceAccount ${scraper.namespace}/${scraper.serviceAccount} may not create CertificateRequests in ${scraper.namespace} (csi-driver-spiffe requests with the pod's own account)`);
  }
  if (context.expect.approverPolicy) {
    // approver-policy approves SVIDs only for accounts bound to its policy in their namespace.
    // Evaluated as approver-policy would, with the file's Role and RoleBinding beside the render's policies.
    const verdict = approval({ ...context, all: [...context.all, ...(context.scraperSvid ?? []).filter(Boolean)] },
      svidRequest(context, scraper.namespace, scraper.serviceAccount));
    if (!verdict.approved && context.prefix) {
      findings.warn(`${file}: with namePrefix ${context.prefix}, its Role must name the policy ${context.prefix}<name> (the file is applied apart, in ${scraper.namespace}, and no kustomization renames it)`);
    } else if (!verdict.approved) {
      findings.fail(`${file}: Prometheus's SVID (${scraper.namespace}/${scraper.serviceAccount}) would not be approved: ${verdict.reasons.join("; ")}: its SVID would never be approved`);
    }
  }
  return { certFile: path.join(mount.mountPath, "tls.crt"), keyFile: path.join(mount.mountPath, "tls.key") };
}

function checkSvidScrape(at, tls, files, findings) {
  if (files) {
    findings.same([tls.certFile, tls.keyFile], [files.certFile, files.keyFile],
      `${at}: tlsConfig certFile, keyFile (the Prometheus pod's SVID)`);
  }
  if (tls.cert || tls.keySecret) findings.fail(`${at}: with SVIDs the scraper presents its own SVID (certFile, keyFile), not a Secret`);
  // Prometheus checks a server certificate by DNS name or IP only; an SVID has neither, so the
  // server cannot be verified (the scraper's own certificate still is, by the service).
  if (!tls.insecureSkipVerify) {
    findings.fail(`${at}: an SVID carries no DNS name, so Prometheus cannot verify it by serverName: the scrape would fail; set insecureSkipVerify (deploy/README.md, "Metrics")`);
  }
}

/** The spiffe-helper image, whatever the registry and tag. */
const HELPER_IMAGE = /(^|\/)spiffe\/spiffe-helper([:@]|$)/;

/**
 * SPIRE: the Prometheus pod's SVID as spiffe-helper writes it (the overlay's scraperSvid file and its
 * scraperHelper configuration): {certFile, keyFile} as the prometheus container sees them, or null.
 * An init container writes the files once before Prometheus starts (Prometheus reads a certFile when
 * it builds the scrape job and fails the job while it is missing), a sidecar keeps them current; both
 * read the agent's socket from a read-only csi.spiffe.io volume (no hostPath) and write into an
 * emptyDir that the prometheus container mounts read-only; the helper runs as Prometheus's user, so
 * Prometheus may read the key it writes (0600 by default) and no other user may.
 */
function helperFiles(context, findings) {
  const file = context.expect.scraperSvid;
  const conf = context.expect.scraperHelper ?? "scraperHelper (targets.json)";
  const prometheus = prometheusPatch(context, findings);
  if (!prometheus) return null;
  const helper = context.scraperHelper;
  if (!helper) {
    findings.fail(`${conf}: no spiffe-helper configuration for the Prometheus pod`);
    return null;
  }
  helper.problems.forEach((problem) => findings.fail(problem));
  const spec = prometheus.spec ?? {};
  // The Kubernetes parts of the patch, strictly (no CRD schema of Prometheus is vendored).
  for (const [field, definition] of [["initContainers", "io.k8s.api.core.v1.Container"], ["containers", "io.k8s.api.core.v1.Container"],
    ["volumes", "io.k8s.api.core.v1.Volume"], ["volumeMounts", "io.k8s.api.core.v1.VolumeMount"], ["securityContext", "io.k8s.api.core.v1.PodSecurityContext"]]) {
    if (spec[field] === undefined) continue;
    const items = Array.isArray(spec[field]) ? spec[field] : [spec[field]];
    items.forEach((item, i) => strictErrorsOf(item, definition, `spec.${field}${Array.isArray(spec[field]) ? `[${i}]` : ""}`)
      .forEach((error) => findings.fail(`${file}: Prometheus ${error}`)));
  }
  const values = helper.values;
  const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
  const once = (spec.initContainers ?? []).filter((c) => HELPER_IMAGE.test(c.image ?? ""));
  const daemon = (spec.containers ?? []).filter((c) => HELPER_IMAGE.test(c.image ?? ""));
  if (daemon.length !== 1) {
    findings.fail(`${file}: ${daemon.length} spiffe-helper containers in spec.containers, expected 1: nothing would write the renewed SVID, and every scrape would fail once the short-lived SVID expires`);
  }
  if (once.length !== 1) {
    findings.fail(`${file}: ${once.length} spiffe-helper init containers, expected 1 (-daemon-mode=false): Prometheus would start before the SVID files exist, and it fails a scrape job whose certFile is missing when it builds it`);
  }
  const podUser = spec.securityContext?.runAsUser;
  if (podUser === undefined) {
    findings.fail(`${file}: the Prometheus patch sets no spec.securityContext.runAsUser: spiffe-helper's image runs as root, and Prometheus as another user could not read the key it writes (mode ${modeOf(values.key_file_mode ?? 0o600)})`);
  }
  if (((values.key_file_mode ?? 0o600) & 0o077) !== 0) {
    findings.fail(`${conf}: key_file_mode ${modeOf(values.key_file_mode)} lets other users than spiffe-helper's (and Prometheus's) read the SVID's key`);
  }
  for (const key of ["svid_file_name", "svid_key_file_name", "svid_bundle_file_name", "cert_dir", "agent_address"]) {
    if (typeof values[key] !== "string" || !values[key]) findings.fail(`${conf}: ${key} is not set`);
  }
  if (values.daemon_mode === false) findings.fail(`${conf}: daemon_mode = false: the sidecar would write the SVID once and exit, never renewing it`);
  for (const key of ["cmd", "pid_file_name", "renew_signal"]) {
    if (values[key]) findings.fail(`${conf}: ${key} is set: Prometheus re-reads the files at every handshake, nothing is to be started or signalled`);
  }

  let certVolume = null;
  for (const [container, oneShot] of [...once.map((c) => [c, true]), ...daemon.map((c) => [c, false])]) {
    const at = `${file}: ${oneShot ? "init container" : "container"} ${container.name}`;
    const args = helperArgs([...(container.command ?? []).slice(1), ...(container.args ?? [])]);
    args.problems.forEach((problem) => findings.fail(`${at}: ${problem}`));
    const daemonMode = args.daemonMode ?? values.daemon_mode ?? true;
    if (oneShot && daemonMode) findings.fail(`${at}: runs in daemon mode and never exits, so Prometheus would never start: pass -daemon-mode=false`);
    if (!oneShot && !daemonMode) findings.fail(`${at}: -daemon-mode=false: it would exit after writing the SVID once, never renewing it`);
    const configAt = resolveIn(container, volumes, args.config);
    if (!configAt?.volume?.configMap || configAt.file !== path.basename(context.expect.scraperHelper ?? "helper.conf")) {
      findings.fail(`${at}: -config ${args.config} is not ${path.basename(context.expect.scraperHelper ?? "helper.conf")} in a mounted ConfigMap volume (kubectl create configmap --from-file=helper.conf)`);
    }
    if (typeof values.agent_address === "string") {
      const socket = resolveIn(container, volumes, values.agent_address);
      if (!socket || socket.volume?.csi?.driver !== SPIFFE_CSI_DRIVER || socket.volume.csi.readOnly !== true || socket.mount.readOnly !== true) {
        findings.fail(`${at}: agent_address ${values.agent_address} is not in a read-only ${SPIFFE_CSI_DRIVER} volume mounted read-only (no hostPath: the SPIFFE CSI driver mounts the agent's socket)`);
      } else if (socket.file !== AGENT_SOCKET) {
        findings.fail(`${at}: agent_address is ${socket.file} in the volume, but the SPIRE agent's socket is ${AGENT_SOCKET}`);
      }
    }
    if (typeof values.cert_dir === "string") {
      const dir = resolveIn(container, volumes, path.join(values.cert_dir, "."), true);
      if (!dir?.volume?.emptyDir || dir.mount.readOnly) {
        findings.fail(`${at}: cert_dir ${values.cert_dir} is not in a writable emptyDir mounted in it (the files Prometheus reads)`);
      } else if (certVolume && certVolume.name !== dir.volume.name) {
        findings.fail(`${at}: writes into volume ${dir.volume.name}, the other helper into ${certVolume.name}`);
      } else {
        certVolume = { name: dir.volume.name, sub: dir.file };
      }
    }
    const security = container.securityContext ?? {};
    if (security.runAsUser !== undefined && security.runAsUser !== podUser) {
      findings.fail(`${at}: runs as user ${security.runAsUser}, Prometheus as ${podUser}: Prometheus could not read the key it writes`);
    }
    if (security.allowPrivilegeEscalation !== false || security.readOnlyRootFilesystem !== true
      || !(security.capabilities?.drop ?? []).includes("ALL") || (security.runAsNonRoot ?? spec.securityContext?.runAsNonRoot) !== true) {
      findings.fail(`${at}: not restricted (allowPrivilegeEscalation false, readOnlyRootFilesystem, capabilities drop ALL, runAsNonRoot)`);
    }
    if (!container.resources?.limits?.memory || !container.resources?.requests?.cpu) findings.fail(`${at}: no resource requests and limits`);
  }
  if (!certVolume) return null;
  // The prometheus container: spec.volumeMounts of the Prometheus resource are its mounts.
  const mount = (spec.volumeMounts ?? []).find((m) => m.name === certVolume.name);
  if (!mount) {
    findings.fail(`${file}: the prometheus container does not mount ${certVolume.name} (spec.volumeMounts), where spiffe-helper writes the SVID`);
    return null;
  }
  if (!mount.readOnly) findings.fail(`${file}: the prometheus container must mount ${certVolume.name} read-only`);
  const dir = path.join(mount.mountPath, mount.subPath ? path.relative(mount.subPath, certVolume.sub) : certVolume.sub);
  return { certFile: path.join(dir, values.svid_file_name ?? ""), keyFile: path.join(dir, values.svid_key_file_name ?? "") };
}

/** Where a path is in a container: {mount, volume, file (relative to the volume)} or null; with `dir`, the mount point itself counts. */
function resolveIn(container, volumes, filePath, dir = false) {
  if (typeof filePath !== "string") return null;
  for (const mount of container.volumeMounts ?? []) {
    const prefix = mount.mountPath.endsWith("/") ? mount.mountPath : `${mount.mountPath}/`;
    if (filePath.startsWith(prefix) || (dir && filePath === mount.mountPath.replace(/\/$/, ""))) {
      const relative = filePath === mount.mountPath.replace(/\/$/, "") ? "" : filePath.slice(prefix.length);
      return { mount, volume: volumes.get(mount.name), file: mount.subPath ? path.join(mount.subPath, relative) : relative };
    }
  }
  return null;
}

function modeOf(mode) {
  return `0${Number(mode).toString(8)}`;
}
