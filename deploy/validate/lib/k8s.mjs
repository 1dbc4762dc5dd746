// Small helpers over rendered Kubernetes objects.

export function describe(object) {
  const namespace = object.metadata?.namespace;
  return `${object.kind} ${namespace ? `${namespace}/` : ""}${object.metadata?.name}`;
}

export function ofKind(objects, kind) {
  return objects.filter((object) => object.kind === kind);
}

export function find(objects, kind, name, namespace) {
  return objects.find((object) => object.kind === kind && object.metadata?.name === name
    && (namespace === undefined || (object.metadata?.namespace ?? undefined) === namespace));
}

/** Label selector semantics (matchLabels and matchExpressions); an empty selector matches everything. */
export function selects(selector, labels = {}) {
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) {
    if (labels[key] !== value) {
      return false;
    }
  }
  for (const expression of selector?.matchExpressions ?? []) {
    const present = Object.hasOwn(labels, expression.key);
    const value = labels[expression.key];
    switch (expression.operator) {
      case "In":
        if (!present || !expression.values.includes(value)) return false;
        break;
      case "NotIn":
        if (present && expression.values.includes(value)) return false;
        break;
      case "Exists":
        if (!present) return false;
        break;
      case "DoesNotExist":
        if (present) return false;
        break;
      default:
        throw new Error(`unknown selector operator ${expression.operator}`);
    }
  }
  return true;
}

/** Every pod template in the objects: [{owner, spec, labels}]. */
export function podTemplates(objects) {
  const templates = [];
  for (const object of objects) {
    let template;
    if (["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController"].includes(object.kind)) {
      template = object.spec?.template;
    } else if (object.kind === "CronJob") {
      template = object.spec?.jobTemplate?.spec?.template;
    } else if (object.kind === "Pod") {
      template = object;
    }
    if (template) {
      templates.push({ owner: object, spec: template.spec ?? {}, labels: template.metadata?.labels ?? {} });
    }
  }
  return templates;
}

export function allContainers(podSpec) {
  return [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? []), ...(podSpec.ephemeralContainers ?? [])];
}

/** Every string anywhere in a value, with its path. */
export function* strings(value, path = "") {
  if (typeof value === "string") {
    yield [path, value];
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* strings(value[i], `${path}[${i}]`);
  } else if (value && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) yield* strings(child, path ? `${path}.${key}` : key);
  }
}
