#!/usr/bin/env bash
# Revokes certificates issued by the CA of scripts/generate_certs.sh and writes the CA's CRL,
# for the tls.crl setting. See --help.
set -euo pipefail

usage() {
  cat <<'HELP'
Usage: scripts/revoke_cert.sh [--out DIR] [--days N] [CERT...]

Revokes each CERT (a PEM certificate issued by DIR/ca-cert.pem) and writes DIR/crl.pem, the
CA's CRL listing every certificate revoked so far. With no CERT it only renews the CRL (an empty
one the first time). Point the services at it with

  tls:
    crl: certs/crl.pem

They pick the new CRL up within tls.reload_interval, refuse new handshakes from revoked
certificates and close their open connections.

Options:
  --out DIR    where the CA and the CRL are (default: certs); revocations are kept in DIR/crl-index.txt
  --days N     how long the CRL is valid (default: 30); renew it before then, or every peer is refused
  -h, --help   this text
HELP
}

out=certs days=30 certs=()
while (($#)); do
  case "$1" in
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --days) days=${2:?--days needs a number}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "revoke_cert.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) certs+=("$1"); shift ;;
  esac
done
[[ $days =~ ^[1-9][0-9]*$ ]] || { echo "revoke_cert.sh: --days must be a positive number, not '$days'" >&2; exit 2; }
for file in "$out/ca-cert.pem" "$out/ca-key.pem"; do
  [[ -s $file ]] || { echo "revoke_cert.sh: $file is missing; run scripts/generate_certs.sh first" >&2; exit 1; }
done

absolute() { [[ $1 == /* ]] && printf '%s\n' "$1" || printf '%s/%s\n' "$PWD" "$1"; }
ca_cert=$(absolute "$out/ca-cert.pem") ca_key=$(absolute "$out/ca-key.pem")

# openssl ca expands $VAR in its configuration file, so no path goes there: openssl runs in a work
# directory holding a copy of the revocation index, and the CA's files are given on its command line.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
touch "$out/crl-index.txt"
cp "$out/crl-index.txt" "$work/index.txt"
cat > "$work/ca.cnf" <<CNF
[ca]
default_ca = crl
[crl]
database = index.txt
default_md = sha256
default_crl_days = $days
unique_subject = no
crl_extensions = crl_ext
[crl_ext]
authorityKeyIdentifier = keyid
CNF

ca() { (cd "$work" && openssl ca -config ca.cnf -cert "$ca_cert" -keyfile "$ca_key" -batch "$@"); }

for cert in "${certs[@]}"; do
  if ! verified=$(openssl verify -CAfile "$out/ca-cert.pem" "$cert" 2>&1); then
    printf 'revoke_cert.sh: %s is not issued by %s:\n%s\n' "$cert" "$out/ca-cert.pem" "$verified" >&2
    exit 1
  fi
  if ! ca -revoke "$(absolute "$cert")" -crl_reason keyCompromise 2>"$work/err"; then
    grep -qi "already revoked" "$work/err" || { cat "$work/err" >&2; exit 1; }
  fi
  echo "revoked   $cert (serial $(openssl x509 -in "$cert" -noout -serial | cut -d= -f2))"
done
ca -gencrl -out crl.pem 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
cp "$work/index.txt" "$out/crl-index.txt.new"
mv -f "$out/crl-index.txt.new" "$out/crl-index.txt"
mv -f "$work/crl.pem" "$out/crl.pem"
echo "CRL       $out/crl.pem ($(grep -c '^R' "$out/crl-index.txt") revoked, valid $days days)"
