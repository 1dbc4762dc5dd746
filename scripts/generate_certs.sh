#!/usr/bin/env bash
# Makes the CA, one certificate per service, and auth's token-signing key, for mutual TLS
# between the TikTokMall services. Run from the repository root; see --help.
set -euo pipefail

usage() {
  cat <<'HELP'
Usage: scripts/generate_certs.sh [--out DIR] [--force] [--rsa] [--days N] [--trust-domain D] [SERVICE...]

Makes a private CA and, signed by it, one certificate and key per service, as PEM files:

  DIR/ca-cert.pem, DIR/ca-key.pem        the CA (CA:TRUE, keyCertSign, cRLSign; 10 years)
  DIR/<svc>-cert.pem, DIR/<svc>-key.pem  one per SERVICE: X.509 v3, CN=<svc>,
                                         SAN DNS:<svc>, DNS:localhost, IP:127.0.0.1,
                                         URI:spiffe://<trust domain>/<svc>,
                                         keyUsage digitalSignature, EKU serverAuth + clientAuth
  DIR/token-signing-key.pem              auth's JWT signing key (EC P-256, PKCS#8), made
                                         when auth is among the services

Options:
  --out DIR           where the files go (default: certs)
  --force             start over: a new CA, new certificates, a new token-signing key
  --rsa               RSA 2048 keys instead of EC P-256 (the CA, if new, too)
  --days N            validity of service certificates in days (default: 90)
  --trust-domain D    the SPIFFE trust domain in URI SANs (default: tiktokmall.local)
  -h, --help          this text

SERVICE defaults to: auth order gateway payment ops

Re-running is safe: an existing CA is reused (never silently replaced; only --force does),
service certificates that exist, verify against the CA, have the requested key type and are
valid for at least one more day are kept, and the others are issued anew from the CA. The
token-signing key is kept too, so issued tokens stay valid. DIR is made mode 0700 and private
keys are written with mode 0600. Check a certificate with:

  openssl verify -CAfile certs/ca-cert.pem certs/auth-cert.pem
HELP
}

out=certs force=false key_type=ec days=90 trust_domain=tiktokmall.local services=()
while (($#)); do
  case "$1" in
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --force) force=true; shift ;;
    --rsa) key_type=rsa; shift ;;
    --days) days=${2:?--days needs a number}; shift 2 ;;
    --trust-domain) trust_domain=${2:?--trust-domain needs a name}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "generate_certs.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) services+=("$1"); shift ;;
  esac
done
((${#services[@]})) || services=(auth order gateway payment ops)
[[ $days =~ ^[1-9][0-9]*$ ]] || { echo "generate_certs.sh: --days must be a positive number, not '$days'" >&2; exit 2; }
[[ $trust_domain =~ ^[a-z0-9._-]+$ ]] || {
  echo "generate_certs.sh: '$trust_domain' is not a SPIFFE trust domain (lowercase letters, digits, '.', '-', '_')" >&2; exit 2; }
for svc in "${services[@]}"; do
  [[ $svc =~ ^[a-z0-9]([a-z0-9-]*[a-z0-9])?$ ]] || {
    echo "generate_certs.sh: '$svc' is not a valid service name (lowercase letters, digits, dashes)" >&2; exit 2; }
done
command -v openssl >/dev/null || { echo "generate_certs.sh: openssl is required" >&2; exit 1; }

mkdir -p "$out"
chmod 700 "$out" # it holds private keys
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 077

new_key() { # file: a PKCS#8 private key of the requested type, mode 0600
  if [[ $key_type == rsa ]]; then
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null
  else
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve -out "$1"
  fi
  chmod 600 "$1"
}

serial() { echo "0x$(openssl rand -hex 16)"; }

ca_cert="$out/ca-cert.pem" ca_key="$out/ca-key.pem"
if $force || [[ ! -s $ca_cert || ! -s $ca_key ]]; then
  if ! $force && [[ -e $ca_cert || -e $ca_key ]]; then
    echo "generate_certs.sh: only half of the CA is in $out ($ca_cert, $ca_key); restore the other half or use --force" >&2
    exit 1
  fi
  cat > "$work/ca.cnf" <<CNF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = TikTokMall Root CA
O = TikTokMall
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
CNF
  new_key "$ca_key"
  openssl req -x509 -new -key "$ca_key" -config "$work/ca.cnf" -extensions v3_ca \
    -set_serial "$(serial)" -days 3650 -sha256 -out "$ca_cert"
  chmod 644 "$ca_cert"
  echo "CA        $ca_cert  (new)"
  force_leaves=true
else
  echo "CA        $ca_cert  (kept)"
  force_leaves=$force
fi

wanted_algorithm() { [[ $key_type == rsa ]] && echo rsaEncryption || echo id-ecPublicKey; }

is_current() { # svc cert key: the pair exists, chains to the CA, is valid for another day, has the requested
  # key type and SANs, and the key belongs to the certificate
  [[ -s $2 && -s $3 ]] &&
    openssl verify -CAfile "$ca_cert" "$2" >/dev/null 2>&1 &&
    openssl x509 -in "$2" -noout -checkend 86400 >/dev/null 2>&1 &&
    openssl x509 -in "$2" -noout -text | grep -q "Public Key Algorithm: $(wanted_algorithm)" &&
    openssl x509 -in "$2" -noout -ext subjectAltName 2>/dev/null | grep -qF "URI:spiffe://$trust_domain/$1" &&
    [[ "$(openssl x509 -in "$2" -noout -pubkey)" == "$(openssl pkey -in "$3" -pubout 2>/dev/null)" ]]
}

for svc in "${services[@]}"; do
  cert="$out/$svc-cert.pem" key="$out/$svc-key.pem"
  if ! $force_leaves && is_current "$svc" "$cert" "$key"; then
    echo "$(printf '%-9s' "$svc") $cert  (kept)"
    continue
  fi
  cat > "$work/$svc.ext" <<EXT
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:$svc, DNS:localhost, IP:127.0.0.1, URI:spiffe://$trust_domain/$svc
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EXT
  new_key "$work/$svc-key.pem"
  openssl req -new -key "$work/$svc-key.pem" -subj "/O=TikTokMall/CN=$svc" -out "$work/$svc.csr"
  openssl x509 -req -in "$work/$svc.csr" -CA "$ca_cert" -CAkey "$ca_key" -set_serial "$(serial)" \
    -days "$days" -sha256 -extfile "$work/$svc.ext" -out "$work/$svc-cert.pem" 2>"$work/x509.err" ||
    { cat "$work/x509.err" >&2; exit 1; }
  # Both files are complete before either is renamed into place; a running service that sees the
  # new key before the new certificate waits one reload interval for the pair (see docs/operations.md).
  mv -f "$work/$svc-key.pem" "$key"
  chmod 644 "$work/$svc-cert.pem"
  mv -f "$work/$svc-cert.pem" "$cert"
  echo "$(printf '%-9s' "$svc") $cert  (new, $days days, spiffe://$trust_domain/$svc)"
done

signing_key="$out/token-signing-key.pem"
if [[ " ${services[*]} " == *" auth "* ]]; then
  if $force || [[ ! -s $signing_key ]]; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve \
      -out "$work/token-signing-key.pem"
    chmod 600 "$work/token-signing-key.pem"
    mv -f "$work/token-signing-key.pem" "$signing_key"
    echo "token key $signing_key  (new)"
  else
    echo "token key $signing_key  (kept)"
  fi
fi
