#!/usr/bin/env bash
# Checks what a service image promises: it runs as uid/gid 10001, from /app, the service's main
# class as entrypoint, and no layer carries a key or a certificate (not even inside a jar).
set -euo pipefail

usage() {
  cat <<'HELP'
Usage: deploy/image/check-image.sh IMAGE_TAR MAIN_CLASS

Reads IMAGE_TAR (docker-save format, e.g. auth/target/jib-image.tar) without running it and fails
unless:
  - its configuration says User 10001:10001, WorkingDir /app, and an entrypoint that starts
    MAIN_CLASS (e.g. com.tiktokmall.auth.AuthApplication);
  - no file in any layer is named like key or certificate material (*.pem, *.key, *.crt, *.cer,
    *.der, *.p12, *.pfx, *.jks, *.keystore, *.csr, *-key.*, a certs/ or private/ directory), no
    entry inside a jar of the image is either, and no file outside the JRE contains a PEM block;
  - the base layer holds no PEM private key.
Prints each layer with its size and file count. Needs jq, tar, unzip.
HELP
}

die() { echo "check-image.sh: $*" >&2; exit 1; }
case "${1:-}" in -h|--help) usage; exit 0 ;; esac
(($# == 2)) || { usage >&2; exit 2; }
image_tar=$1 main_class=$2
for cmd in jq tar unzip; do command -v "$cmd" >/dev/null || die "$cmd is missing"; done
[[ -f $image_tar ]] || die "no image tarball at $image_tar"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tiktokmall-check.XXXXXX")
trap 'rm -rf --one-file-system "$tmp"' EXIT
tar -C "$tmp" -xf "$image_tar" manifest.json
config_name=$(jq -r '.[0].Config' "$tmp/manifest.json")
tar -C "$tmp" -xf "$image_tar" "$config_name"
config="$tmp/$config_name"

problems=()
[[ $(jq -r '.config.User' "$config") == 10001:10001 ]] || problems+=("User is '$(jq -r '.config.User' "$config")', not 10001:10001")
[[ $(jq -r '.config.WorkingDir' "$config") == /app ]] || problems+=("WorkingDir is not /app")
jq -e --arg main "$main_class" '.config.Entrypoint | index($main) != null' "$config" >/dev/null ||
  problems+=("the entrypoint does not start $main_class")

# Names of key and certificate material, matched against every path (lower-cased).
secret_name='(\.(pem|key|crt|cer|der|p12|pfx|jks|keystore|csr)$|-key\.[a-z0-9]+$|(^|/)(certs|private)/)'
mapfile -t layers < <(jq -r '.[0].Layers[]' "$tmp/manifest.json")
index=0
for layer in "${layers[@]}"; do
  index=$((index + 1))
  tar -C "$tmp" -xf "$image_tar" "$layer"
  names="$tmp/names.$index"
  tar --warning=no-unknown-keyword -tzf "$tmp/$layer" | sed -E 's,^\./,,' >"$names"
  printf '  layer %d: %s, %d entries, e.g. %s\n' "$index" "$(du -h "$tmp/$layer" | cut -f1)" \
    "$(wc -l <"$names")" "$(grep -v '/$' "$names" | head -n 1)"
  while IFS= read -r hit; do problems+=("layer $index has $hit"); done < <(tr '[:upper:]' '[:lower:]' <"$names" | grep -E "$secret_name" || true)
  unpacked="$tmp/layer.$index"
  mkdir -p "$unpacked"
  if ((index == 1)); then
    # The base: Debian's files. Only a private key would be a finding there.
    tar --warning=no-unknown-keyword -C "$unpacked" -xzf "$tmp/$layer"
    while IFS= read -r hit; do problems+=("layer 1 has a private key in ${hit#"$unpacked"/}"); done \
      < <(grep -rlI -e '-----BEGIN [A-Z ]*PRIVATE KEY-----' "$unpacked" || true)
  else
    tar --warning=no-unknown-keyword -C "$unpacked" -xzf "$tmp/$layer"
    while IFS= read -r hit; do problems+=("layer $index has a PEM block in ${hit#"$unpacked"/}"); done \
      < <(grep -rlI -e '-----BEGIN ' "$unpacked" || true)
    while IFS= read -r -d '' jar; do
      while IFS= read -r hit; do problems+=("layer $index: ${jar#"$unpacked"/} has $hit"); done \
        < <(unzip -Z1 "$jar" | tr '[:upper:]' '[:lower:]' | grep -E "$secret_name" || true)
    done < <(find "$unpacked" -name '*.jar' -print0)
  fi
  rm -rf --one-file-system "$unpacked" "${tmp:?}/$layer"
done

if ((${#problems[@]})); then
  printf 'check-image.sh: %s:\n' "$image_tar" >&2
  printf '  %s\n' "${problems[@]}" >&2
  exit 1
fi
echo "  $image_tar: user 10001:10001, /app, $main_class; no key or certificate in ${#layers[@]} layers"
