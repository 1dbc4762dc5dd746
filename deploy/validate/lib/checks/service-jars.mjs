// The services themselves read each rendered config: Dropwizard's `check` command parses it with
// the real configuration classes (unknown or misspelt settings fail there) and validates it,
// without starting anything. Needs the built jars: --service-jars <repository root>.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export const serviceJars = {
  name: "service configs: accepted by the services' own check command",
  applies: (context) => Boolean(context.serviceJars),
  run(context, findings) {
    const scratch = mkdtempSync(path.join(tmpdir(), "deploy-validate-"));
    try {
      for (const service of context.services.values()) {
        if (!service.configMap) continue;
        const jar = path.join(context.serviceJars, service.name, "target", `${service.name}.jar`);
        if (!existsSync(jar)) {
          findings.fail(`${service.name}: ${jar} does not exist; build it first (mvn package) or leave out --service-jars`);
          continue;
        }
        const file = path.join(scratch, service.configKey);
        writeFileSync(file, service.configText);   // as the pod reads it: its environment substituted
        const result = spawnSync("java", ["-jar", jar, "check", file], { encoding: "utf8", timeout: 120_000 });
        if (result.error) {
          findings.fail(`${service.name}: cannot run java: ${result.error.message}`);
        } else if (result.status !== 0) {
          const said = `${result.stdout}\n${result.stderr}`.split("\n").map((l) => l.trim())
            .filter((l) => l.startsWith("*") || /error|Unrecognized|failed/i.test(l)).slice(0, 6).join(" ");
          findings.fail(`${service.name}: java -jar ${path.relative(context.serviceJars, jar)} check ${service.configKey} refuses it: ${said || `exit ${result.status}`}`);
        }
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  },
};
