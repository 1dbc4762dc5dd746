// One set of port numbers: access-matrix.json = container ports = the config's connectors and
// probes.port = the probes' targets = the Services' targets = the URL order calls auth at.
const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

export const ports = {
  name: "ports and probes: matrix = containers = config",
  run(context, findings) {
    const { matrix } = context;
    for (const service of context.services.values()) {
      if (!service.container) continue;
      const at = `${service.name}`;
      const declared = Object.fromEntries([...service.ports].map(([name, p]) => [name, p.containerPort]));
      findings.same(declared, service.expected.ports, `${at}: container ports`);
      for (const port of service.ports.values()) {
        if ((port.protocol ?? "TCP") !== "TCP") findings.fail(`${at}: port ${port.name} is not TCP`);
      }
      const config = service.config;
      if (config) {
        const connectors = (list) => (list ?? []).map((c) => c.port);
        findings.same(connectors(config.server?.applicationConnectors), [service.expected.ports.app], `${at}: server.applicationConnectors ports`);
        findings.same(connectors(config.server?.adminConnectors), [service.expected.ports.admin], `${at}: server.adminConnectors ports`);
        for (const connector of [...(config.server?.applicationConnectors ?? []), ...(config.server?.adminConnectors ?? [])]) {
          if (LOOPBACK.has(connector.bindHost)) {
            findings.fail(`${at}: connector ${connector.port} binds ${connector.bindHost}; other pods (the scraper, callers) could not reach it`);
          }
        }
        findings.same(config.probes?.port, service.expected.ports[matrix.probes.port], `${at}: probes.port`);
        const configured = {
          app: config.server?.applicationConnectors?.[0]?.port,
          admin: config.server?.adminConnectors?.[0]?.port,
          probes: config.probes?.port,
        };
        for (const [name, port] of Object.entries(configured)) {
          const declared = service.ports.get(name)?.containerPort;
          if (port !== undefined && declared !== undefined && port !== declared) {
            findings.fail(`${at}: the config listens for ${name} on ${port}, the container declares ${declared}: probes and Services would hit a closed port`);
          }
        }
      }
      const probesPort = service.ports.get(matrix.probes.port);
      for (const [probe, path] of [["startupProbe", matrix.probes.liveness], ["livenessProbe", matrix.probes.liveness], ["readinessProbe", matrix.probes.readiness]]) {
        const spec = service.container[probe];
        if (!spec?.httpGet) {
          findings.fail(`${at}: no ${probe} with httpGet`);
          continue;
        }
        const target = typeof spec.httpGet.port === "string" ? service.ports.get(spec.httpGet.port)?.containerPort : spec.httpGet.port;
        if (!probesPort || target !== probesPort.containerPort) {
          findings.fail(`${at}: ${probe} targets port ${spec.httpGet.port} (${target}), not the probe port ${probesPort?.containerPort}`);
        }
        if ((spec.httpGet.scheme ?? "HTTP") !== "HTTP") {
          findings.fail(`${at}: ${probe} uses ${spec.httpGet.scheme}; the kubelet cannot present a client certificate, the probe port is plain HTTP`);
        }
        if (spec.httpGet.path !== path) findings.fail(`${at}: ${probe} path ${spec.httpGet.path}, expected ${path}`);
      }
      const k8sService = service.k8sService;
      if (!k8sService) {
        findings.fail(`${at}: no Service ${service.name}`);
        continue;
      }
      const exposed = {};
      for (const port of k8sService.spec?.ports ?? []) {
        const target = typeof port.targetPort === "string" ? service.ports.get(port.targetPort)?.containerPort : (port.targetPort ?? port.port);
        exposed[port.name] = target;
        if (target !== port.port) findings.fail(`${at}: Service port ${port.name} ${port.port} -> ${target}; keep the numbers equal, callers and certificates use them`);
      }
      findings.same(exposed, { app: service.expected.ports.app, admin: service.expected.ports.admin }, `${at}: Service ports (never the probe port)`);
    }
    checkCalls(context, findings);
  },
};

/** Each <callee>.url of a caller (order -> auth; payment -> auth, order) must reach the callee's app port through its Service. */
function checkCalls(context, findings) {
  for (const service of context.services.values()) {
    for (const callee of service.expected.calls ?? []) {
      const at = `${service.name} -> ${callee}`;
      const text = service.config?.[callee]?.url;
      let url;
      try {
        url = new URL(text);
      } catch {
        findings.fail(`${at}: ${callee}.url ${text} is not a URL`);
        continue;
      }
      const target = context.services.get(callee);
      const namespace = target?.deployment?.metadata?.namespace;
      const name = target?.k8sService?.metadata?.name ?? callee;   // with a name prefix, the prefixed one
      const hosts = [name, `${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`];
      if (url.protocol !== "https:") findings.fail(`${at}: ${callee}.url is not https`);
      if (!hosts.includes(url.hostname)) findings.fail(`${at}: ${callee}.url host ${url.hostname} is not the Service ${name} (${hosts.join(", ")})`);
      const servicePort = target?.k8sService?.spec?.ports?.find((p) => p.name === "app");
      if (Number(url.port) !== servicePort?.port) {
        findings.fail(`${at}: ${callee}.url port ${url.port} is not the Service's app port ${servicePort?.port}`);
      }
    }
  }
}
