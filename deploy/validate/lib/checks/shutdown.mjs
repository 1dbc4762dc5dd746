// A rolling update fails no call: every replica leaves in order. preStop sleeps while the pod's removal
// from the endpoints reaches every node; then SIGTERM, and the service answers /readyz 503 and closes
// each connection after its answer for probes.drain_delay; then its connectors stop and the requests
// in flight get server.shutdownGracePeriod; the kubelet's SIGKILL (terminationGracePeriodSeconds,
// counted from the start of preStop) comes after all of it. And the update itself keeps every
// replica serving until its successor is ready (maxUnavailable 0).
import { dropwizardDuration } from "../durations.mjs";

const MIN_PRE_STOP = 5;    // seconds: endpoint propagation to kube-proxy, ingress controllers, callers
const MARGIN = 5;          // seconds between the end of the grace period and SIGKILL

/** Seconds a preStop handler waits, or null if it is not a plain sleep. */
export function preStopSeconds(container) {
  const handler = container?.lifecycle?.preStop;
  if (!handler) return null;
  if (handler.sleep) return Number(handler.sleep.seconds);
  const command = handler.exec?.command ?? [];
  if (command.length === 2 && /(^|\/)sleep$/.test(command[0]) && /^\d+$/.test(command[1])) return Number(command[1]);
  return null;
}

export const shutdown = {
  name: "graceful shutdown: preStop, drain, grace periods",
  run(context, findings) {
    for (const service of context.services.values()) {
      if (!service.container || !service.config) continue;
      const at = `Deployment ${service.deployment.metadata.name}`;
      const preStop = preStopSeconds(service.container);
      if (preStop === null) {
        findings.fail(`${at}: no preStop sleep; the pod would stop serving while nodes still send it new connections`);
      } else if (!(preStop >= MIN_PRE_STOP)) {
        findings.fail(`${at}: preStop sleeps ${preStop} s, below the ${MIN_PRE_STOP} s endpoint removal needs to propagate`);
      }
      const drain = dropwizardDuration(service.config.probes?.drain_delay ?? "0s");
      if (!(drain > 0)) {
        findings.fail(`${service.name} (${service.configKey}): probes.drain_delay is ${service.config.probes?.drain_delay ?? "unset"}; `
          + "callers' pooled connections would be cut under a request instead of closed after an answer");
      }
      const grace = dropwizardDuration(service.config.server?.shutdownGracePeriod ?? "30s");
      const needed = (preStop ?? 0) + drain + grace + MARGIN;
      const termination = service.pod?.terminationGracePeriodSeconds ?? 30;
      if (!(termination >= needed)) {
        findings.fail(`${at}: terminationGracePeriodSeconds ${termination} is below preStop ${preStop ?? 0} s + probes.drain_delay ${drain} s`
          + ` + server.shutdownGracePeriod ${grace} s + ${MARGIN} s: the kubelet would kill requests in flight`);
      }
      const strategy = service.deployment.spec?.strategy;
      if (strategy?.type === "Recreate" || String(strategy?.rollingUpdate?.maxUnavailable ?? "25%") !== "0") {
        findings.fail(`${at}: a rolling update may take a replica away before its successor is ready (strategy.rollingUpdate.maxUnavailable must be 0)`);
      }
    }
  },
};
