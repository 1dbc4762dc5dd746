#!/usr/bin/env bash
# CI's check of the container images, with no container engine: builds the base image (cached)
# and the three service images, checks what is inside, then runs auth, order and payment from their
# images with certificates made for this run, and talks to them over mTLS. Leaves nothing running.
set -euo pipefail

usage() {
  cat <<'HELP'
Usage: deploy/image/smoke.sh [--skip-build]

  1. deploy/image/build-base.sh (skipped when its tarball is up to date);
  2. mvn -B -q -Pimage -DskipTests -pl auth,order,payment -am package (extra flags from $MVN_FLAGS,
     e.g. -o): auth/target/jib-image.tar, order/target/jib-image.tar, payment/target/jib-image.tar;
  3. deploy/image/check-image.sh on all three: user 10001, /app, entrypoint, no key or certificate;
  4. scripts/generate_certs.sh into a temporary directory; per service a copy with its key owned
     by uid 10001, mode 0600, mounted read-only on /var/run/tiktokmall/tls;
  5. auth from its image (deploy/image/run-image.sh) with config/auth.yml, the tls paths and the
     H2 database (a writable volume) overridden by -Ddw.* in JAVA_TOOL_OPTIONS; waits for the admin
     /readyz on the plain probe port and /healthcheck (as gateway); checks the service runs as uid 10001 without capabilities;
     issues a token as gateway;
  6. order from its image, the same way; places an order with that token (order asks auth over
     mTLS who the user is);
  7. payment from its image, the same way; charges that order with the token (payment asks auth
     who the user is and order for the order's total, then has order mark it paid, all over mTLS);
     the order, listed as gateway, is then PAID;
  8. stops all three (TERM) and checks they are gone and their root file systems deleted.

Uses ports 8443-8445, 9443-9445 and 7443-7445 and fails at once if any is taken. Needs root (see
deploy/image/README.md), debootstrap, jq, curl, openssl, unzip, Maven.

Options:
  --skip-build   use the image tarballs already in auth/target, order/target and payment/target
  -h, --help     this text
HELP
}

build=true
while (($#)); do
  case "$1" in
    --skip-build) build=false; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "smoke.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/../.."
here=deploy/image

fail() { echo "smoke.sh: FAILED: $*" >&2; exit 1; }
step() { printf '\n== %s\n' "$*"; }
elapsed() { printf '   (%d s)\n' "$((SECONDS - $1))"; }

((EUID == 0)) || fail "must run as root: the base image build and run-image.sh need it"
for port in 8443 8444 8445 9443 9444 9445 7443 7444 7445; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    fail "port $port is already in use (ss -ltnp 'sport = :$port' shows by what); stop it and re-run"
  fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tiktokmall-smoke.XXXXXX")
chmod 0700 "$tmp"
declare -A runner=()
stop_service() { # name: TERM to run-image.sh, which stops the service and deletes its root file system
  local pid=${runner[$1]:-}
  [[ -n $pid ]] || return 0
  unset "runner[$1]"
  kill -TERM "$pid" 2>/dev/null || true
  local status=0
  wait "$pid" || status=$?
  echo "   $1 stopped (exit status $status)"
  [[ $status == 0 || $status == 143 ]] || { tail -n 20 "$tmp/$1.log" >&2; fail "$1 ended with status $status"; }
}
cleanup() {
  local status=$?
  set +e
  for name in "${!runner[@]}"; do stop_service "$name"; done
  if ((status != 0)); then
    for log in "$tmp"/*.log; do [[ -f $log ]] && { echo "--- last lines of $log" >&2; tail -n 15 "$log" >&2; }; done
  fi
  rm -rf --one-file-system "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
total=$SECONDS

if $build; then
  step "1. Base image (Debian packages only; cached)"
  t=$SECONDS
  "$here/build-base.sh"
  elapsed "$t"

  step "2. Service images with Jib (no daemon, no registry)"
  t=$SECONDS
  # Quiet Maven still prints colour resets; drop them and the empty lines they leave.
  # shellcheck disable=SC2086
  mvn -B -q -Pimage -DskipTests ${MVN_FLAGS:-} -pl auth,order,payment -am package 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^$/d'
  elapsed "$t"
fi

step "3. What is inside"
"$here/check-image.sh" auth/target/jib-image.tar com.tiktokmall.auth.AuthApplication
"$here/check-image.sh" order/target/jib-image.tar com.tiktokmall.order.OrderApplication
"$here/check-image.sh" payment/target/jib-image.tar com.tiktokmall.payment.PaymentApplication

step "4. Certificates for this run"
scripts/generate_certs.sh --out "$tmp/pki" auth order payment gateway >/dev/null
tls_dir() { # service extra-file...: a directory as the service sees it, keys owned by uid 10001, mode 0600
  local dir="$tmp/tls-$1" file
  mkdir -m 0755 "$dir"
  install -m 0644 "$tmp/pki/ca-cert.pem" "$tmp/pki/$1-cert.pem" "$dir/"
  for file in "$1-key.pem" "${@:2}"; do install -o 10001 -g 10001 -m 0600 "$tmp/pki/$file" "$dir/"; done
  install -d -o 10001 -g 10001 -m 0700 "$tmp/data-$1"
}
tls_dir auth token-signing-key.pem
tls_dir order
tls_dir payment
echo "   $tmp/tls-auth, $tmp/tls-order, $tmp/tls-payment: certificates 0644, keys 0600 owned by 10001"

tls=/var/run/tiktokmall/tls
java_options() { # service: the -Ddw.* overrides that point config/<service>.yml at the mounts
  printf '%s ' "-Ddw.tls.ca_cert=$tls/ca-cert.pem" \
    "-Ddw.tls.server_cert=$tls/$1-cert.pem" "-Ddw.tls.server_key=$tls/$1-key.pem" \
    "-Ddw.tls.client_cert=$tls/$1-cert.pem" "-Ddw.tls.client_key=$tls/$1-key.pem" \
    "-Ddw.database.url=jdbc:h2:/var/lib/tiktokmall/$1;DB_CLOSE_ON_EXIT=FALSE"
}
start() { # service extra-java-options
  TMPDIR="$tmp" "$here/run-image.sh" --env "JAVA_TOOL_OPTIONS=$(java_options "$1")$2" \
    --volume "$tmp/data-$1:/var/lib/tiktokmall" \
    "$1/target/jib-image.tar" config "$tmp/tls-$1" >"$tmp/$1.log" 2>&1 &
  runner[$1]=$!
}
as_gateway() {
  curl -sS --max-time 10 --cacert "$tmp/pki/ca-cert.pem" \
    --cert "$tmp/pki/gateway-cert.pem" --key "$tmp/pki/gateway-key.pem" "$@"
}
wait_healthy() { # service admin-port probe-port: ready as kubelet sees it (plain HTTP), healthy as gateway sees it
  local _
  for _ in $(seq 1 240); do
    curl -sS --max-time 5 -o /dev/null -f "http://127.0.0.1:$3/readyz" 2>/dev/null &&
      as_gateway -o /dev/null -f "https://localhost:$2/healthcheck" 2>/dev/null && return 0
    kill -0 "${runner[$1]}" 2>/dev/null || { wait "${runner[$1]}" || true; unset "runner[$1]"; fail "$1 exited during start-up"; }
    sleep 0.5
  done
  fail "$1 did not become healthy within 120 s"
}
check_process() { # service: PID 1 of its namespaces runs as 10001, without capabilities, in its own root
  local unshare_pid init status
  unshare_pid=$(cat "/proc/${runner[$1]}/task/${runner[$1]}/children")
  init=$(cat "/proc/${unshare_pid%% *}/task/${unshare_pid%% *}/children")
  init=${init%% *}
  status=$(cat "/proc/$init/status")
  grep -qP '^Uid:\t10001\t10001\t10001\t10001$' <<<"$status" || fail "$1 does not run as uid 10001"
  grep -qP '^Gid:\t10001\t10001\t10001\t10001$' <<<"$status" || fail "$1 does not run as gid 10001"
  grep -qP '^CapEff:\t0+$' <<<"$status" || fail "$1 has capabilities"
  grep -qP '^NoNewPrivs:\t1$' <<<"$status" || fail "$1 may gain privileges"
  grep -qP '^NSpid:\t\d+\t1$' <<<"$status" || fail "$1 is not PID 1 of its own PID namespace"
  [[ $(readlink "/proc/$init/root") == "$tmp"/tiktokmall-run.*/rootfs ]] || fail "$1 does not run in the image's root"
  echo "   $1 (host PID $init): uid/gid 10001, no capabilities, no_new_privs, PID 1 in its namespace, root $(readlink "/proc/$init/root")"
}

step "5. auth from its image"
t=$SECONDS
start auth " -Ddw.tokens.signing_key=$tls/token-signing-key.pem"
wait_healthy auth 8444 8445
echo "   auth ready: http://127.0.0.1:8445/readyz (the kubelet's view), https://localhost:8444/healthcheck as gateway"
check_process auth
elapsed "$t"
user=$((RANDOM + 1))
body=$(as_gateway -f -X POST https://localhost:8443/v1/tokens -H 'Content-Type: application/json' -d "{\"user_id\": $user}") ||
  fail "auth did not issue a token"
token=$(jq -r .token <<<"$body")
[[ $token == *.*.* ]] || fail "no token in auth's answer: $body"
echo "   token issued for user $user"

step "6. order from its image, calling auth over mTLS"
t=$SECONDS
start order ' -Ddw.auth.url=https://localhost:8443'
wait_healthy order 9444 9445
echo "   order ready: http://127.0.0.1:9445/readyz (the kubelet's view), https://localhost:9444/healthcheck as gateway"
check_process order
elapsed "$t"
body=$(as_gateway -f -X POST https://localhost:9443/v1/orders -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' -d '{
    "currency": "USD", "email": "buyer@example.com",
    "address": {"street_address": "1 Market St", "city": "San Francisco", "state": "CA",
                "country": "US", "zip_code": "94105"},
    "items": [{"product_id": 7, "quantity": 2, "cost": 19.99}]}') || fail "order refused the order"
[[ $(jq -r .user_id <<<"$body") == "$user" && $(jq -r .status <<<"$body") == PENDING ]] ||
  fail "the order should belong to user $user and be PENDING: $body"
order_id=$(jq -r .order_id <<<"$body")
echo "   order $order_id placed for user $user (auth verified the token for order)"

step "7. payment from its image, calling auth and order over mTLS"
t=$SECONDS
start payment ' -Ddw.auth.url=https://localhost:8443 -Ddw.order.url=https://localhost:9443'
wait_healthy payment 7444 7445
echo "   payment ready: http://127.0.0.1:7445/readyz (the kubelet's view), https://localhost:7444/healthcheck as gateway"
check_process payment
elapsed "$t"
body=$(as_gateway -f -X POST https://localhost:7443/v1/charges -H "Authorization: Bearer $token" \
  -H "Idempotency-Key: smoke-$order_id" -H 'Content-Type: application/json' -d "{
    \"order_id\": \"$order_id\", \"amount\": 19.99,
    \"credit_card\": {\"number\": \"4242424242424242\", \"cvv\": \"123\",
                    \"expiration_month\": 12, \"expiration_year\": $(($(date -u +%Y) + 2))}}") ||
  fail "payment refused the charge"
[[ $(jq -r .order_id <<<"$body") == "$order_id" && $(jq -r .status <<<"$body") == COMPLETED ]] ||
  fail "the charge should be for order $order_id and COMPLETED (order marked it paid): $body"
charge_id=$(jq -r .transaction_id <<<"$body")
body=$(as_gateway -f https://localhost:9443/v1/orders -H "Authorization: Bearer $token") || fail "order did not list the orders"
[[ $(jq -r --arg id "$order_id" '.orders[] | select(.order_id == $id) | .status' <<<"$body") == PAID ]] ||
  fail "order $order_id should be PAID after the charge: $body"
echo "   charge $charge_id COMPLETED; order $order_id is PAID (payment asked auth and order over mTLS)"

step "8. Stop"
stop_service payment
stop_service order
stop_service auth
leftovers=$(find "$tmp" -maxdepth 1 -name 'tiktokmall-run.*')
[[ -z $leftovers ]] || fail "root file systems left behind: $leftovers"
for port in 8443 8444 9443 9444 7443 7444; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then fail "port $port still answers"; fi
done
echo "   all three stopped; their root file systems are deleted; ports closed"

printf '\n== Image smoke test passed in %d s\n' "$((SECONDS - total))"
