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

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
touch "$out/crl-index.txt"
cat > "$work/ca.cnf" <<CNF
[ca]
default_ca = crl
[crl]
database = $out/crl-index.txt
certificate = $out/ca-cert.pem
private_key = $out/ca-key.pem
default_md = sha256
default_crl_days = $days
unique_subject = no
crl_extensions = crl_ext
[crl_ext]
authorityKeyIdentifier = keyid
CNF

for cert in "${certs[@]}"; do
  openssl verify -CAfile "$out/ca-cert.pem" "$cert" >/dev/null 2>&1 ||
    { echo "revoke_cert.sh: $cert is not issued by $out/ca-cert.pem" >&2; exit 1; }
  openssl ca -config "$work/ca.cnf" -revoke "$cert" -crl_reason keyCompromise -batch 2>"$work/err" ||
    { grep -qi "already revoked" "$work/err" || { cat "$work/err" >&2; exit 1; }; }
  echo "revoked   $cert (serial $(openssl x509 -in "$cert" -noout -serial | cut -d= -f2))"
done
openssl ca -config "$work/ca.cnf" -gencrl -batch -out "$work/crl.pem" 2>/dev/null
mv -f "$work/crl.pem" "$out/crl.pem"
echo "CRL       $out/crl.pem ($(grep -c '^R' "$out/crl-index.txt") revoked, valid $days days)"
