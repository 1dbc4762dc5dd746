// What a rendered kustomization says about each service of the matrix: its Deployment, container,
// ports, mounts, the config file it runs with (parsed from its ConfigMap) and its Service.
import path from "node:path/posix";
import { find } from "./k8s.mjs";
import { parseOne } from "./render.mjs";

export const CSI_SPIFFE_DRIVER = "spiffe.csi.cert-manager.io";
/** The SPIFFE CSI driver (spiffe/spiffe-csi): mounts the SPIRE agent's Workload API socket directory. */
export const SPIFFE_CSI_DRIVER = "csi.spiffe.io";
export const SPIFFE_ENDPOINT_SOCKET = "SPIFFE_ENDPOINT_SOCKET";
/** The socket the SPIRE Helm charts give the agent (spire-agent.socketPath's file name). */
export const AGENT_SOCKET = "spire-agent.sock";
/** The files cert-manager writes into a Certificate's Secret and csi-driver-spiffe into its volume. */
export const TLS_FILES = ["tls.crt", "tls.key", "ca.crt"];

export function describeServices(objects, matrix, prefix = "") {
  const services = new Map();
  for (const [name, expected] of Object.entries(matrix.services)) {
    const deployment = find(objects, "Deployment", `${prefix}${name}`, matrix.namespace);
    const service = { name, expected, deployment, problems: [] };
    services.set(name, service);
    if (!deployment) {
      service.problems.push(`no Deployment ${matrix.namespace}/${prefix}${name}`);
      continue;
    }
    const pod = deployment.spec?.template?.spec ?? {};
    service.pod = pod;
    service.podLabels = deployment.spec?.template?.metadata?.labels ?? {};
    service.container = (pod.containers ?? []).find((c) => c.name === name);
    if (!service.container) {
      service.problems.push(`Deployment ${name} has no container named ${name}`);
      continue;
    }
    service.ports = new Map((service.container.ports ?? []).map((p) => [p.name, p]));
    service.volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
    service.mounts = service.container.volumeMounts ?? [];
    service.k8sService = find(objects, "Service", `${prefix}${name}`, matrix.namespace);
    loadConfig(objects, matrix, service);
    service.tls = tlsSource(service);
  }
  return services;
}

/** The file a path names inside the container: {mount, volume, file} or null. */
export function resolvePath(service, filePath) {
  for (const mount of service.mounts ?? []) {
    const prefix = mount.mountPath.endsWith("/") ? mount.mountPath : `${mount.mountPath}/`;
    if (filePath.startsWith(prefix)) {
      const relative = filePath.slice(prefix.length);
      return { mount, volume: service.volumes.get(mount.name), file: mount.subPath ? path.join(mount.subPath, relative) : relative };
    }
  }
  return null;
}

/** The files a volume provides: a list of names, or null when it cannot be known (e.g. emptyDir). */
export function volumeFiles(volume, objects, namespace, csiFileNames = TLS_FILES) {
  if (volume?.configMap) {
    if (volume.configMap.items) return volume.configMap.items.map((item) => item.path);
    const configMap = find(objects, "ConfigMap", volume.configMap.name, namespace);
    return configMap ? Object.keys({ ...configMap.data, ...configMap.binaryData }) : [];
  }
  if (volume?.secret) {
    if (volume.secret.items) return volume.secret.items.map((item) => item.path);
    return null;   // decided by whoever writes the Secret
  }
  if (volume?.projected) {
    const files = [];
    for (const source of volume.projected.sources ?? []) {
      const part = source.secret ?? source.configMap;
      if (!part?.items) return null;   // a whole Secret or ConfigMap: decided by whoever writes it
      files.push(...part.items.map((item) => item.path));
    }
    return files;
  }
  if (volume?.csi?.driver === CSI_SPIFFE_DRIVER) {
    return csiFileNames;
  }
  return null;
}

function loadConfig(objects, matrix, service) {
  const args = service.container.args ?? [];
  if (args.length !== 2 || args[0] !== "server") {
    service.problems.push(`container ${service.name} args must be ["server", "<config file>"], not ${JSON.stringify(args)}`);
    return;
  }
  service.configPath = args[1];
  const where = resolvePath(service, args[1]);
  if (!where?.volume?.configMap) {
    service.problems.push(`the config file ${args[1]} is not in a mounted ConfigMap`);
    return;
  }
  const configMap = find(objects, "ConfigMap", where.volume.configMap.name, matrix.namespace);
  if (!configMap) {
    service.problems.push(`ConfigMap ${where.volume.configMap.name} (the config file ${args[1]}) is not in the render`);
    return;
  }
  const key = where.volume.configMap.items?.find((item) => item.path === where.file)?.key ?? where.file;
  const text = configMap.data?.[key];
  if (typeof text !== "string") {
    service.problems.push(`ConfigMap ${configMap.metadata.name} has no key ${key} (the config file ${args[1]})`);
    return;
  }
  service.configMap = configMap;
  service.configKey = key;
  const substituted = substituteEnvironment(text, service.container, service.deployment, service.pod);
  service.configText = substituted.text;
  for (const variable of substituted.undefined) {
    service.problems.push(`${key} uses \${${variable}}, which container ${service.name}'s environment does not set`);
  }
  try {
    service.config = parseOne(substituted.text) ?? {};
  } catch (error) {
    service.problems.push(`ConfigMap ${configMap.metadata.name} ${key}: ${error.message}`);
  }
}

/**
 * The config as the service reads it: Dropwizard replaces ${NAME} (and ${NAME:-default}) with the
 * process's environment before parsing. Values set literally or from the pod's own fields
 * (metadata.namespace, spec.serviceAccountName, ...) are known here; a variable whose value comes
 * from a Secret or ConfigMap stays as written; one the container does not set at all is reported.
 */
export function substituteEnvironment(text, container, deployment, pod) {
  const env = new Map();
  const fields = {
    "metadata.namespace": deployment?.metadata?.namespace,
    "spec.serviceAccountName": pod?.serviceAccountName ?? "default",
  };
  for (const variable of container?.env ?? []) {
    if (variable.value !== undefined) env.set(variable.name, String(variable.value));
    else if (variable.valueFrom?.fieldRef && fields[variable.valueFrom.fieldRef.fieldPath] !== undefined) {
      env.set(variable.name, fields[variable.valueFrom.fieldRef.fieldPath]);
    } else env.set(variable.name, null);   // set, from somewhere this render cannot see
  }
  const missing = new Set();
  const substituted = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (whole, name, fallback) => {
    if (!env.has(name)) {
      if (fallback !== undefined) return fallback;
      missing.add(name);
      return whole;
    }
    return env.get(name) ?? whole;
  });
  return { text: substituted, undefined: [...missing] };
}

/** Where a projected volume's file comes from: {secret | configMap, name, key} or null. */
export function projectedSource(volume, file) {
  for (const source of volume?.projected?.sources ?? []) {
    for (const kind of ["secret", "configMap"]) {
      const item = source[kind]?.items?.find((i) => i.path === file);
      if (item) return { kind, name: source[kind].name, key: item.key };
    }
  }
  return null;
}

function tlsSource(service) {
  if (service.config?.tls?.source?.type === "workload_api") {
    // No files: the socket of the Workload API, from tls.source.socket or SPIFFE_ENDPOINT_SOCKET.
    const env = (service.container.env ?? []).find((e) => e.name === SPIFFE_ENDPOINT_SOCKET);
    const address = service.config.tls.source.socket ?? env?.value;
    const socket = typeof address === "string" && address.startsWith("unix://") ? address.slice("unix://".length) : null;
    const where = socket ? resolvePath(service, socket) : null;
    if (!where) {
      service.problems.push(`tls.source.type workload_api, but the socket ${address ?? `(neither tls.source.socket nor ${SPIFFE_ENDPOINT_SOCKET} set)`} is not unix:// in a mounted volume`);
      return null;
    }
    return { kind: "workload-api", socket, mount: where.mount, volume: where.volume, file: where.file };
  }
  const mount = service.mounts.find((m) => m.name === "tls");
  const volume = service.volumes.get("tls");
  if (!mount || !volume) {
    service.problems.push(`Deployment ${service.name} has no volume and mount named tls`);
    return null;
  }
  if (volume.csi) {
    return { kind: volume.csi.driver === CSI_SPIFFE_DRIVER ? "csi-spiffe" : `csi ${volume.csi.driver}`, mount, volume };
  }
  if (volume.secret) {
    return { kind: "secret", secretName: volume.secret.secretName, mount, volume };
  }
  if (volume.projected) {
    // The certificate and key of a Secret, the CA from a ConfigMap (a trust-manager bundle).
    const certificate = projectedSource(volume, "tls.crt");
    const key = projectedSource(volume, "tls.key");
    if (certificate?.kind === "secret" && key?.kind === "secret" && certificate.name === key.name) {
      return { kind: "secret", secretName: certificate.name, mount, volume, ca: projectedSource(volume, "ca.crt") };
    }
  }
  return { kind: Object.keys(volume).filter((k) => k !== "name").join("+"), mount, volume };
}
