// ServiceMonitors scrape each service's admin port at /prometheus over https, presenting the
// scraper identity's certificate, which the service's authorization.admin admits, and checking the
// server certificate against the CA and the Service's DNS name.
import { describe, ofKind, selects } from "../k8s.mjs";
import { identityOf, leafCertificates } from "../context.mjs";

export const monitoring = {
  name: "service monitors: mTLS scrape of /prometheus",
  applies: (context) => Boolean(context.expect.serviceMonitors) || context.objects.some((o) => o.kind === "ServiceMonitor"),
  run(context, findings) {
    const { matrix } = context;
    const monitors = ofKind(context.objects, "ServiceMonitor");
    const scraperId = identityOf(context, matrix.scraper.identity);
    const scraperCertificate = leafCertificates(context).find((c) => (c.spec?.uris ?? []).includes(scraperId));
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
      if (tls.insecureSkipVerify) findings.fail(`${at}: insecureSkipVerify`);
      const secrets = [tls.ca?.secret, tls.cert?.secret, tls.keySecret];
      findings.same(secrets.map((s) => s?.key), ["ca.crt", "tls.crt", "tls.key"], `${at}: tlsConfig keys (ca, cert, keySecret)`);
      if (!scraperCertificate) {
        findings.fail(`${at}: no Certificate carries the scraper identity ${scraperId}`);
      } else if (!secrets.every((s) => s?.name === scraperCertificate.spec.secretName)) {
        findings.fail(`${at}: tlsConfig must take ca, cert and key from Secret ${scraperCertificate.spec.secretName} (${scraperId})`);
      }
      if (!(service.config?.authorization?.admin ?? []).includes(scraperId)) {
        findings.fail(`${at}: ${service.name}'s authorization.admin does not admit the scraper identity ${scraperId}`);
      }
      const own = leafCertificates(context).find((c) => c.spec?.secretName === service.tls?.secretName);
      if (!own || !(own.spec.dnsNames ?? []).includes(tls.serverName)) {
        findings.fail(`${at}: serverName ${tls.serverName} is not a DNS name of ${service.name}'s certificate`);
      }
    }
  },
};
