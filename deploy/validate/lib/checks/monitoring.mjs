// ServiceMonitors scrape each service's admin port at /prometheus over https, presenting the
// scrape identity's certificate, which the service's authorization.metrics admits (and its
// authorization.admin does not: the scraper may read metrics, nothing else). With certificates
// from Secrets the scraper's comes from the Certificate carrying that identity, and the server is
// checked against the CA and the Service's DNS name. With SVIDs the scraper presents its own SVID
// from a csi-driver-spiffe volume of the Prometheus pod (the overlay's scraperSvid file says how to
// add it), and cannot check the server by name: an SVID has none (see deploy/README.md).
import path from "node:path/posix";
import { describe, find, ofKind, selects } from "../k8s.mjs";
import { identityOf, leafCertificates } from "../context.mjs";
import { CSI_SPIFFE_DRIVER } from "../services.mjs";
import { approval, svidRequest } from "./approver-policy.mjs";

export const monitoring = {
  name: "service monitors: mTLS scrape of /prometheus",
  applies: (context) => Boolean(context.expect.serviceMonitors) || context.objects.some((o) => o.kind === "ServiceMonitor"),
  run(context, findings) {
    const { matrix } = context;
    const monitors = ofKind(context.objects, "ServiceMonitor");
    const scraperId = identityOf(context, matrix.scraper.identity);
    const svid = context.expect.identities === "svid";
    const scraperCertificate = leafCertificates(context).find((c) => (c.spec?.uris ?? []).includes(scraperId));
    const scraperMount = svid ? svidMount(context, findings) : null;
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
        checkSvidScrape(at, tls, scraperMount, findings);
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

/** The Prometheus pod's SVID mount described by the overlay's scraperSvid file, or null. */
function svidMount(context, findings) {
  const file = context.expect.scraperSvid;
  const prometheus = (context.scraperSvid ?? []).find((o) => o?.kind === "Prometheus");
  if (!prometheus) {
    findings.fail(`${file ?? "scraperSvid (targets.json)"}: no Prometheus patch with the scraper's SVID volume`);
    return null;
  }
  const volume = (prometheus.spec?.volumes ?? []).find((v) => v.csi?.driver === CSI_SPIFFE_DRIVER);
  const mount = (prometheus.spec?.volumeMounts ?? []).find((m) => m.name === volume?.name);
  if (!volume || !mount) {
    findings.fail(`${file}: the Prometheus patch has no ${CSI_SPIFFE_DRIVER} volume mounted`);
    return null;
  }
  if (!volume.csi.readOnly || !mount.readOnly) findings.fail(`${file}: the SVID volume must be read-only`);
  const { matrix } = context;
  const scraper = matrix.workloads[matrix.scraper.workload];
  if (prometheus.metadata?.namespace !== scraper.namespace) {
    findings.fail(`${file}: the Prometheus patch is for namespace ${prometheus.metadata?.namespace}, the scraper runs in ${scraper.namespace} (access-matrix.json)`);
  }
  if (prometheus.spec?.serviceAccountName !== scraper.serviceAccount) {
    findings.fail(`${file}: the Prometheus patch must set serviceAccountName ${scraper.serviceAccount}: the SVID names it`);
  }
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
  return mount.mountPath;
}

function checkSvidScrape(at, tls, mountPath, findings) {
  if (!mountPath) return;
  findings.same([tls.certFile, tls.keyFile], [path.join(mountPath, "tls.crt"), path.join(mountPath, "tls.key")],
    `${at}: tlsConfig certFile, keyFile (the Prometheus pod's SVID)`);
  if (tls.cert || tls.keySecret) findings.fail(`${at}: with SVIDs the scraper presents its own SVID (certFile, keyFile), not a Secret`);
  // Prometheus checks a server certificate by DNS name or IP only; an SVID has neither, so the
  // server cannot be verified (the scraper's own certificate still is, by the service).
  if (!tls.insecureSkipVerify) {
    findings.fail(`${at}: an SVID carries no DNS name, so Prometheus cannot verify it by serverName: the scrape would fail; set insecureSkipVerify (deploy/README.md, "Metrics")`);
  }
}
