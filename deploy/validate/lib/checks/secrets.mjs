// No secret material in what is rendered from git: no Secret objects, no PEM, no literal passwords.
import { describe, podTemplates, strings, allContainers } from "../k8s.mjs";

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE|CREDENTIAL|API_?KEY)/i;

export const secrets = {
  name: "no secret data embedded",
  cluster: true,
  run(context, findings) {
    for (const object of context.objects) {
      if (object.kind === "Secret") {
        findings.fail(`${describe(object)}: Secrets come from cert-manager, the CSI driver or the operator, never from the manifests`);
      }
      for (const [where, value] of strings(object)) {
        if (/-----BEGIN [A-Z ]*-----/.test(value) || /PRIVATE KEY/.test(value)) {
          findings.fail(`${describe(object)} ${where}: embedded PEM material`);
        }
      }
    }
    for (const { owner, spec } of podTemplates(context.objects)) {
      for (const container of allContainers(spec)) {
        for (const variable of container.env ?? []) {
          if (SECRET_NAME.test(variable.name) && variable.value) {
            findings.fail(`${describe(owner)} container ${container.name}: ${variable.name} has a literal value; use valueFrom a Secret`);
          }
        }
      }
    }
    for (const service of context.services.values()) {
      for (const [where, value] of strings(service.config ?? {})) {
        const key = where.split(".").pop();
        if (/(password|secret)$/i.test(key) && value !== "" && !/^\$\{[A-Z0-9_]+(:-)?\}$/.test(value)) {
          findings.fail(`${service.name} config ${where}: a literal secret in the ConfigMap`);
        }
      }
    }
  },
};
