// Everything the checks look at for one kustomization: its rendered objects, what it is expected
// to be (targets.json), the matrix, each service as deployed, and the Helm values beside it.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { find, ofKind } from "./k8s.mjs";
import { parseOne, parseStream } from "./render.mjs";
import { CSI_SPIFFE_DRIVER, describeServices, TLS_FILES } from "./services.mjs";
import { parseHelperConf } from "./spiffe-helper.mjs";

/**
 * @param namespace the namespace the target was rendered into (default: the matrix's, the one its
 *     kustomization names); the matrix is read as if it named this one
 * @param prefix the namePrefix it was rendered with ("" when none)
 * @param clusterObjects what the cluster kustomizations this one relies on (targets.json "with")
 *     add: installed once, never relocated
 */
export function buildContext({ target, dir, objects, matrix, expect, clusterObjects = [], deployDir = path.resolve(dir, "..", ".."),
  namespace = matrix.namespace, prefix = "" }) {
  const context = { target, dir, objects, expect: expect ?? {}, problems: [], deployDir, namespace, prefix,
    defaultNamespace: matrix.namespace, relocated: namespace !== matrix.namespace || prefix !== "" };
  context.matrix = relocate(matrix, namespace);
  /** A rendered name without the prefix: what the manifests call it. */
  context.baseName = (name) => (prefix && name?.startsWith(prefix) ? name.slice(prefix.length) : name);
  // What the cluster kustomizations this one relies on (targets.json "with") add: its issuers,
  // bundles and policies resolve references, but are not this target's own objects.
  context.clusterObjects = clusterObjects;
  context.all = [...objects, ...clusterObjects];
  context.services = context.expect.cluster ? new Map() : describeServices(objects, context.matrix, prefix);
  const values = (file) => {
    const where = path.join(dir, file);
    if (!existsSync(where)) {
      context.problems.push(`${file} is missing beside the kustomization`);
      return undefined;
    }
    try {
      return parseOne(readFileSync(where, "utf8")) ?? {};
    } catch (error) {
      context.problems.push(`${file}: ${error.message}`);
      return undefined;
    }
  };
  if (context.expect.helmValues) context.helmValues = values(context.expect.helmValues);
  if (context.expect.spireValues) context.spireValues = values(context.expect.spireValues);
  if (context.expect.scraperSvid) {
    // What the scraper's Prometheus needs to scrape with its own SVID: not applied by kustomize.
    const file = path.join(dir, context.expect.scraperSvid);
    if (existsSync(file)) {
      try {
        context.scraperSvid = parseStream(readFileSync(file, "utf8"), context.expect.scraperSvid);
      } catch (error) {
        context.problems.push(error.message);
      }
    } else {
      context.problems.push(`${context.expect.scraperSvid} is missing beside the kustomization`);
    }
  }
  if (context.expect.scraperHelper) {
    // spiffe-helper's configuration for the scraper's Prometheus pod (SPIRE): not applied by kustomize.
    const file = path.join(dir, context.expect.scraperHelper);
    if (existsSync(file)) {
      context.scraperHelper = parseHelperConf(readFileSync(file, "utf8"), context.expect.scraperHelper);
    } else {
      context.problems.push(`${context.expect.scraperHelper} is missing beside the kustomization`);
    }
  }
  context.csiDriverName = context.helmValues?.app?.name ?? CSI_SPIFFE_DRIVER;
  const names = context.helmValues?.app?.driver?.volumeFileName ?? {};
  context.csiFiles = [names.cert ?? "tls.crt", names.key ?? "tls.key", names.ca ?? "ca.crt"];
  return context;
}

/**
 * The matrix as it reads for a render into `namespace`: its namespace, and that of every workload
 * it places in the services' namespace (those without a namespace of their own).
 */
export function relocate(matrix, namespace) {
  const copy = structuredClone(matrix);
  copy.namespace = namespace;
  for (const workload of Object.values(copy.workloads)) {
    workload.namespace ??= namespace;
  }
  return copy;
}

/** The SPIFFE ID a workload (a service of the matrix or one of its workloads) has in this target. */
export function identityOf(context, name) {
  const { matrix } = context;
  if (context.expect.identities === "svid") {
    const service = context.services.get(name);
    const namespace = service ? service.deployment?.metadata?.namespace : matrix.workloads[name]?.namespace;
    const account = service ? (service.pod?.serviceAccountName ?? "default") : matrix.workloads[name]?.serviceAccount;
    return `spiffe://${matrix.trustDomain}/ns/${namespace}/sa/${account}`;
  }
  return `spiffe://${matrix.trustDomain}/${name}`;
}

/**
 * Whether the target is an overlay that deploys the services: every such overlay is scraped
 * (a ServiceMonitor per service) and alerted on (components/alerts), whatever targets.json says.
 */
export function deploysServices(context) {
  return !context.expect.cluster && context.target.startsWith("overlays/")
    && [...context.services.values()].some((service) => service.deployment);
}

/** The workloads the NetworkPolicies are evaluated on: the rendered services, then the matrix's others. */
export function networkWorkloads(context) {
  const workloads = [];
  for (const [name, service] of context.services) {
    if (!service.container) continue;
    workloads.push({
      name,
      namespace: service.deployment.metadata.namespace,
      labels: service.podLabels,
      ports: (service.container.ports ?? []).map((p) => ({ name: p.name, port: p.containerPort, protocol: p.protocol ?? "TCP" })),
    });
  }
  for (const [name, workload] of Object.entries(context.matrix.workloads)) {
    workloads.push({ name, namespace: workload.namespace, labels: workload.labels, ports: workload.ports });
  }
  return workloads;
}

export function namespaceLabels(context) {
  const labels = new Map();
  for (const namespace of new Set([context.matrix.namespace, ...Object.values(context.matrix.workloads).map((w) => w.namespace)])) {
    const object = find(context.objects, "Namespace", namespace);
    labels.set(namespace, { ...(object?.metadata?.labels ?? {}), "kubernetes.io/metadata.name": namespace });
  }
  return labels;
}

/** Leaf certificates (not CAs) in the render. */
export function leafCertificates(context) {
  return ofKind(context.objects, "Certificate").filter((c) => !c.spec?.isCA);
}

export { TLS_FILES };
