#!/usr/bin/env bash
# Validates deploy/ offline: installs the validator's pinned packages (npm ci, skipped while
# node_modules matches package-lock.json), runs its own tests, then renders and checks every
# kustomization. Run by `mvn verify` (module deploy) and by hand.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: deploy/validate/run.sh [--skip-tests] [-- VALIDATE_ARGS...]

Checks the Kubernetes manifests under deploy/ without a cluster:
  1. npm ci in deploy/validate (only when package-lock.json changed since the last install)
  2. node --test: the validator's own tests (each breaks a manifest and expects its check to fail)
  3. promtool check rules and promtool test rules: the alerting rules (components/alerts/rules.yml,
     which the validator requires the rendered PrometheusRule to equal) and their unit tests
     (components/alerts/rules.test.yml)
  4. node validate.mjs: renders deploy/base and every deploy/overlays/* with kubectl kustomize
     and checks every object (schemas and the project's invariants)

Needs node 20+, npm, kubectl (1.27+, for its built-in kustomize) and promtool (Debian: prometheus)
on PATH; fails if one is missing. DEPLOY_PROMTOOL_SKIP=true skips step 3 on purpose
(mvn verify -Ddeploy.promtool.skip=true).
With DEPLOY_SERVICE_JARS=<repository root> in the environment, step 3 also runs each rendered
config through its service's own `check` command (validate.mjs --service-jars; needs built jars:
auth, order and payment), and step 2 also tests that check.

  --skip-tests   skip step 2
  -h, --help     this text
Arguments after -- go to validate.mjs (see: node deploy/validate/validate.mjs --help).
EOF
}

skip_tests=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --skip-tests) skip_tests=true; shift ;;
    --) shift; break ;;
    *) echo "run.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

missing=()
command -v node >/dev/null 2>&1 || missing+=("node (Node.js 20 or later)")
command -v npm >/dev/null 2>&1 || missing+=("npm")
command -v kubectl >/dev/null 2>&1 || missing+=("kubectl (1.27 or later: its built-in kustomize renders deploy/)")
skip_promtool="${DEPLOY_PROMTOOL_SKIP:-false}"
if [[ "$skip_promtool" != true ]]; then
  command -v promtool >/dev/null 2>&1 || missing+=("promtool (Debian package prometheus; or skip the rules with -Ddeploy.promtool.skip=true)")
fi
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "deploy validation cannot run: missing ${missing[*]}." >&2
  echo "Install them, or skip this module explicitly with: mvn verify -Ddeploy.validate.skip=true" >&2
  exit 2
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [[ "$node_major" -lt 20 ]]; then
  echo "deploy validation needs Node.js 20 or later, found $(node --version)." >&2
  exit 2
fi

lock="$here/package-lock.json"
stamp="$here/node_modules/.package-lock.sha256"
wanted="$(sha256sum "$lock" | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$wanted" ]]; then
  echo "npm ci (deploy/validate/package-lock.json)"
  # The model packages declare node >= 22 but need nothing beyond node 20 (the tests below prove it
  # on every run), so npm's engine warnings are not shown.
  npm ci --prefix "$here" --no-audit --no-fund --loglevel=error
  echo "$wanted" > "$stamp"
fi

cd "$here"
if [[ "$skip_tests" == false ]]; then
  node --test --test-reporter=dot test/
  echo "validator self-tests passed"
fi
alerts="$here/../components/alerts"
if [[ "$skip_promtool" == true ]]; then
  echo "promtool: skipped (DEPLOY_PROMTOOL_SKIP=true): the alerting rules were not checked"
else
  promtool check rules "$alerts/rules.yml"
  (cd "$alerts" && promtool test rules rules.test.yml)
fi
if [[ -n "${DEPLOY_SERVICE_JARS:-}" ]]; then
  set -- --service-jars "$DEPLOY_SERVICE_JARS" "$@"
fi
node validate.mjs "$@"
