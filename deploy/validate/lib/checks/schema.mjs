// Every rendered object against its kind's schema; unknown kinds fail.
import { describe } from "../k8s.mjs";
import { schemaErrors } from "../models.mjs";

const CLUSTER_SCOPED = new Set(["Namespace", "ClusterIssuer", "ClusterRole", "ClusterRoleBinding",
  "CustomResourceDefinition", "PriorityClass", "StorageClass", "CSIDriver", "ValidatingWebhookConfiguration",
  "MutatingWebhookConfiguration", "CertificateRequestPolicy", "Bundle", "ClusterBundle", "ClusterSPIFFEID"]);

export const schema = {
  name: "schema: every object valid for its kind",
  cluster: true,
  run(context, findings) {
    if (context.objects.length === 0) {
      findings.fail("the kustomization renders no objects");
    }
    for (const object of context.objects) {
      for (const error of schemaErrors(object)) {
        findings.fail(`${describe(object)}: ${error}`);
      }
      if (!CLUSTER_SCOPED.has(object.kind) && !object.metadata?.namespace) {
        findings.fail(`${describe(object)} has no namespace: it would land in whatever namespace kubectl points at`);
      }
    }
  },
};
