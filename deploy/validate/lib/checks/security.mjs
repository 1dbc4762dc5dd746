// Every container non-root, read-only root file system, no privilege, bounded resources; every pod
// within the "restricted" Pod Security Standard, which the namespace enforces.
import { allContainers, describe, find, podTemplates } from "../k8s.mjs";

export const security = {
  name: "pod security: non-root, read-only root fs, restricted",
  run(context, findings) {
    const { objects, matrix } = context;
    const namespace = find(objects, "Namespace", matrix.namespace);
    if (namespace && namespace.metadata?.labels?.["pod-security.kubernetes.io/enforce"] !== "restricted") {
      findings.fail(`${describe(namespace)} does not enforce the restricted Pod Security Standard`);
    }
    for (const { owner, spec } of podTemplates(objects)) {
      const where = describe(owner);
      for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
        if (spec[field]) findings.fail(`${where}: ${field} is on`);
      }
      for (const volume of spec.volumes ?? []) {
        if (volume.hostPath) findings.fail(`${where}: volume ${volume.name} is a hostPath`);
      }
      if (spec.automountServiceAccountToken !== false) {
        findings.fail(`${where}: automountServiceAccountToken is not false (the services never call the Kubernetes API)`);
      }
      const podContext = spec.securityContext ?? {};
      for (const container of allContainers(spec)) {
        const at = `${where} container ${container.name}`;
        const own = container.securityContext ?? {};
        const effective = { ...podContext, ...own };
        if (effective.runAsNonRoot !== true) findings.fail(`${at}: runAsNonRoot is not true`);
        if (effective.runAsUser !== matrix.pod.runAsUser) {
          findings.fail(`${at}: runAsUser is ${effective.runAsUser}, expected ${matrix.pod.runAsUser} (the image's user)`);
        }
        if (own.readOnlyRootFilesystem !== true) findings.fail(`${at}: readOnlyRootFilesystem is not true`);
        if (own.allowPrivilegeEscalation !== false) findings.fail(`${at}: allowPrivilegeEscalation is not false`);
        if (own.privileged) findings.fail(`${at}: privileged`);
        if (!(own.capabilities?.drop ?? []).includes("ALL")) findings.fail(`${at}: capabilities do not drop ALL`);
        if ((own.capabilities?.add ?? []).length > 0) findings.fail(`${at}: adds capabilities ${own.capabilities.add}`);
        if (!["RuntimeDefault", "Localhost"].includes(effective.seccompProfile?.type)) {
          findings.fail(`${at}: seccompProfile is not RuntimeDefault`);
        }
        for (const kind of ["requests", "limits"]) {
          for (const resource of ["cpu", "memory"]) {
            if (container.resources?.[kind]?.[resource] === undefined) findings.fail(`${at}: no ${resource} ${kind}`);
          }
        }
        if (!/:[\w][\w.-]*$/.test(container.image ?? "") || /:latest$/.test(container.image)) {
          findings.fail(`${at}: image ${container.image} has no fixed tag`);
        }
      }
    }
    for (const service of context.services.values()) {
      if (!service.container) continue;
      const at = `Deployment ${service.name}`;
      if (service.container.image !== service.expected.image) {
        findings.fail(`${at}: image ${service.container.image}, expected ${service.expected.image}`);
      }
      const options = (service.container.env ?? []).find((e) => e.name === "JAVA_TOOL_OPTIONS")?.value ?? "";
      if (!/-XX:MaxRAMPercentage=\d+/.test(options)) {
        findings.fail(`${at}: JAVA_TOOL_OPTIONS does not size the heap from the container limit (-XX:MaxRAMPercentage)`);
      }
      const tmp = service.mounts.find((m) => m.mountPath === "/tmp");
      if (!tmp || !service.volumes.get(tmp.name)?.emptyDir) {
        findings.fail(`${at}: no emptyDir at /tmp, the JVM's only writable place under a read-only root file system`);
      }
    }
  },
};
