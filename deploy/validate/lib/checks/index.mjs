// The checks, in the order they are reported.
import { schema } from "./schema.mjs";
import { references } from "./references.mjs";
import { security } from "./security.mjs";
import { secrets } from "./secrets.mjs";
import { configFiles } from "./config-files.mjs";
import { ports } from "./ports.mjs";
import { identities } from "./identities.mjs";
import { database } from "./database.mjs";
import { certificates } from "./certificates.mjs";
import { network } from "./network.mjs";
import { monitoring } from "./monitoring.mjs";
import { csiDriver } from "./csi-driver.mjs";
import { serviceJars } from "./service-jars.mjs";
import { trustBundle } from "./trust-bundle.mjs";
import { approverPolicy } from "./approver-policy.mjs";
import { spire } from "./spire.mjs";
import { vault } from "./vault.mjs";
import { alerts } from "./alerts.mjs";
import { shutdown } from "./shutdown.mjs";
import { relocation } from "./relocation.mjs";

export const CHECKS = [schema, references, security, secrets, configFiles, ports, identities, database,
  certificates, network, monitoring, alerts, csiDriver, trustBundle, approverPolicy, spire, vault, serviceJars, shutdown, relocation];
