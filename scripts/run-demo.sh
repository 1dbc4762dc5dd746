#!/usr/bin/env bash
# The whole story in one command: build, make certificates, start auth and order over mutual TLS,
# then act as the gateway and the payment service with curl. Stops both services on any exit.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'HELP'
Usage: scripts/run-demo.sh [--postgres]

Builds the jars if missing, makes the certificates, starts auth and order over mutual TLS and walks
through the flow with curl as the gateway and the payment service; stops everything it started on
any exit, and exits non-zero if a step fails.

  --postgres   keep the data in PostgreSQL instead of H2 files: starts scripts/postgres.sh
               (127.0.0.1:55432, data/postgres; installed first when missing and run as root),
               where each service logs in with its own client certificate, and stops it at the end
               unless it was already running
  -h, --help   this text
HELP
}

postgres=false
while (($#)); do
  case "$1" in
    --postgres) postgres=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run-demo.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [[ -t 1 ]]; then B=$'\033[1m' G=$'\033[32m' R=$'\033[31m' N=$'\033[0m'; else B='' G='' R='' N=''; fi
bold() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
ok() { printf '   %sok%s  %s\n' "$G" "$N" "$*"; }
fail() { printf '   %sFAILED%s  %s\n' "$R" "$N" "$*" >&2; exit 1; }

logs=$(mktemp -d "${TMPDIR:-/tmp}/tiktokmall-demo.XXXXXX")
pids=()
stop_postgres=false
stop_services() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  ((${#pids[@]})) && echo "services stopped; their logs are in $logs"
  if $stop_postgres; then scripts/postgres.sh stop || status=1; fi
  exit "$status"
}
trap stop_services EXIT
trap 'exit 130' INT TERM

bold "1. Build the service jars (skipped when present)"
if [[ ! -f auth/target/auth.jar || ! -f order/target/order.jar ]]; then
  mvn -B -q -DskipTests package
fi
ok "auth/target/auth.jar, order/target/order.jar"

bold "2. Certificates (scripts/generate_certs.sh keeps what is still good, renews the rest)"
scripts/generate_certs.sh | sed 's/^/   /'
for svc in auth order gateway payment ops; do
  openssl verify -CAfile certs/ca-cert.pem "certs/$svc-cert.pem" >/dev/null || fail "certs/$svc-cert.pem does not verify"
done
ok "every certificate verifies against certs/ca-cert.pem"

database() { :; } # database SERVICE: the -D settings that put SERVICE's data where this run keeps it (H2: none)
if $postgres; then
  bold "2b. PostgreSQL 15 on 127.0.0.1:55432: TLS 1.3 only, logins by client certificate only"
  if ! scripts/postgres.sh status >/dev/null; then stop_postgres=true; fi
  scripts/postgres.sh start | sed 's/^/   /'
  ok "each service will log in as its own role, with the certificate of its tls block"
  database() {
    printf '%s\n' -Ddw.database.driverClass=org.postgresql.Driver \
      "-Ddw.database.url=jdbc:postgresql://localhost:55432/$1" "-Ddw.database.user=$1" -Ddw.database.password=
  }
fi

bold "3. Start auth (8443, admin 8444) and order (9443, admin 9444)"
for port in 8443 8444 9443 9444; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then fail "port $port is already in use"; fi
done
mapfile -t auth_db < <(database auth)
mapfile -t order_db < <(database order)
java "${auth_db[@]}" -jar auth/target/auth.jar server config/auth.yml >"$logs/auth.log" 2>&1 & pids+=($!)
java "${order_db[@]}" -jar order/target/order.jar server config/order.yml >"$logs/order.log" 2>&1 & pids+=($!)

as() { # as IDENTITY curl-args...: a call presenting certs/IDENTITY-cert.pem
  local who=$1; shift
  curl -sS --max-time 10 --cacert certs/ca-cert.pem --cert "certs/$who-cert.pem" --key "certs/$who-key.pem" "$@"
}
wait_healthy() { # name admin-port pid
  for _ in $(seq 1 120); do
    as gateway -o /dev/null -f "https://localhost:$2/healthcheck" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || { tail -n 20 "$logs/$1.log" >&2; fail "$1 exited during start-up"; }
    sleep 0.5
  done
  tail -n 20 "$logs/$1.log" >&2
  fail "$1 did not become healthy within 60 s"
}
wait_healthy auth 8444 "${pids[0]}"
ok "auth healthy"
wait_healthy order 9444 "${pids[1]}"
ok "order healthy"

json_field() { sed -n "s/.*\"$1\":\"\\{0,1\\}\\([^\",}]*\\).*/\\1/p"; }
call() { # call IDENTITY EXPECTED_STATUS curl-args...: prints the body, fails on another status
  local who=$1 expected=$2; shift 2
  local out status
  out=$(as "$who" -w '\n%{http_code}' "$@") || fail "curl as $who failed: $*"
  status=${out##*$'\n'}
  body=${out%$'\n'*}
  printf '   %s -> HTTP %s %s\n' "$who" "$status" "$(cut -c1-160 <<<"$body")"
  [[ $status == "$expected" ]] || fail "expected HTTP $expected"
}

user=$((RANDOM + 1))
bold "4. gateway asks auth for a token for user $user"
call gateway 201 -X POST https://localhost:8443/v1/tokens -H 'Content-Type: application/json' \
  -d "{\"user_id\": $user}"
token=$(json_field token <<<"$body")
[[ -n $token ]] || fail "no token in the answer"
ok "token issued (ES256 JWT, ${#token} characters)"

bold "5. gateway places an order with the token; order asks auth over mTLS who the user is"
call gateway 201 -X POST https://localhost:9443/v1/orders -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' -d '{
    "currency": "USD", "email": "buyer@example.com",
    "address": {"street_address": "1 Market St", "city": "San Francisco", "state": "CA",
                "country": "US", "zip_code": "94105"},
    "items": [{"product_id": 7, "quantity": 2, "cost": 19.99}]}'
order_id=$(json_field order_id <<<"$body")
[[ $(json_field user_id <<<"$body") == "$user" && $(json_field status <<<"$body") == PENDING ]] ||
  fail "the order should belong to user $user and be PENDING"
ok "order $order_id placed for user $user, PENDING"

bold "6. gateway lists the user's orders"
call gateway 200 https://localhost:9443/v1/orders -H "Authorization: Bearer $token"
grep -qF "$order_id" <<<"$body" || fail "the new order is not listed"
ok "order $order_id is listed"

bold "7. payment marks the order paid"
call payment 200 -X POST "https://localhost:9443/v1/orders/$order_id/paid"
[[ $(json_field status <<<"$body") == PAID ]] || fail "the order should be PAID"
ok "order $order_id is PAID"

if $postgres; then
  bold "7b. PostgreSQL knows each service by its certificate (psql with the same files)"
  psql_as() { # psql_as SERVICE SQL: connects as SERVICE with certs/SERVICE-*.pem, like the service itself
    psql -X -A -t -v ON_ERROR_STOP=1 "host=127.0.0.1 port=55432 dbname=$1 user=$1 sslmode=verify-full \
sslrootcert=certs/ca-cert.pem sslcert=certs/$1-cert.pem sslkey=certs/$1-key.pem" -c "$2"
  }
  sessions="SELECT DISTINCT a.usename || ' ' || s.version || ' ' || s.client_dn FROM pg_stat_ssl s
            JOIN pg_stat_activity a USING (pid) WHERE a.usename = current_user AND s.pid <> pg_backend_pid()"
  for svc in auth order; do
    seen=$(psql_as "$svc" "$sessions") || fail "psql as $svc failed"
    printf '   %s\n' "$seen"
    grep -qF "$svc TLSv1.3 /O=TikTokMall/CN=$svc" <<<"$seen" || fail "$svc's connections should be TLS 1.3 with CN=$svc"
  done
  [[ $(psql_as order "SELECT status FROM orders WHERE order_id = '$order_id'") == PAID ]] ||
    fail "the order should be PAID in PostgreSQL"
  ok "auth and order are connected as themselves over TLS 1.3; order $order_id is PAID in the order database"
fi

bold "8. gateway may not mark orders paid: the identity in its certificate lacks that role"
call gateway 403 -X POST "https://localhost:9443/v1/orders/$order_id/paid"
grep -qF '"identity":"spiffe://tiktokmall.local/gateway"' <<<"$body" || fail "the refusal should name the identity"
ok "403 names spiffe://tiktokmall.local/gateway and the missing role mark-orders-paid"

bold "9. A caller without a client certificate is refused"
if curl -sS --max-time 10 --cacert certs/ca-cert.pem -o /dev/null https://localhost:9443/v1/orders 2>"$logs/refused.txt"; then
  fail "order answered a caller without a certificate"
fi
ok "refused during the TLS handshake: $(head -c 120 "$logs/refused.txt")"

bold "10. The admin port: health for any certificate of the CA, metrics and tasks for ops only"
call gateway 200 https://localhost:9444/healthcheck
call gateway 403 https://localhost:9444/metrics
grep -qF '"identity":"spiffe://tiktokmall.local/gateway"' <<<"$body" || fail "the refusal should name the identity"
call ops 200 -X POST 'https://localhost:9444/tasks/reload-tls'
grep -q '^unchanged' <<<"$body" || fail "reload-tls of unchanged files should swap nothing"
ok "gateway may read health only; ops may reload (unchanged files: no new handshakes)"

bold "11. check-tls: order checks its tls block and shakes hands with auth, which must be spiffe://tiktokmall.local/auth"
java -jar order/target/order.jar check-tls config/order.yml --connect localhost:8443 \
  --expect spiffe://tiktokmall.local/auth >"$logs/check-tls.txt" 2>&1 ||
  { cat "$logs/check-tls.txt"; fail "check-tls failed"; }
sed -n '/^connect/,$p' "$logs/check-tls.txt" | sed 's/^/   /'
if java -jar order/target/order.jar check-tls config/order.yml --connect localhost:9443 \
  --expect spiffe://tiktokmall.local/auth >"$logs/check-tls-wrong.txt" 2>&1; then
  fail "check-tls accepted order's own port as auth"
fi
grep -qF "the server presented spiffe://tiktokmall.local/order, but this client expects spiffe://tiktokmall.local/auth" \
  "$logs/check-tls-wrong.txt" || { cat "$logs/check-tls-wrong.txt"; fail "the refusal should name both identities"; }
ok "order's own port, presenting spiffe://tiktokmall.local/order, is refused as auth"

bold "12. Fail closed: auth started with a key that does not match its certificate refuses to start"
set +e
timeout 60 java -Ddw.tls.server_key=certs/order-key.pem '-Ddw.server.applicationConnectors[0].port=18443' \
  '-Ddw.server.adminConnectors[0].port=18444' -Ddw.logging.level=OFF \
  -jar auth/target/auth.jar server config/auth.yml >/dev/null 2>"$logs/broken.txt"
status=$?
set -e
[[ $status -ne 0 && $status -ne 124 ]] || fail "auth started with a mismatched key"
grep -qF "tls.server_key (certs/order-key.pem)" "$logs/broken.txt" || { cat "$logs/broken.txt"; fail "the error does not name the file"; }
printf '   %s\n' "$(cat "$logs/broken.txt")"
ok "exit code $status: the service never started, and never fell back to plain HTTP"

if $postgres; then
  bold "12b. PostgreSQL refuses order's certificate as user auth; order says so in one line and stops"
  set +e
  timeout 60 java -Ddw.database.driverClass=org.postgresql.Driver -Ddw.database.url=jdbc:postgresql://localhost:55432/auth \
    -Ddw.database.user=auth '-Ddw.server.applicationConnectors[0].port=19443' \
    '-Ddw.server.adminConnectors[0].port=19444' -Ddw.logging.level=OFF \
    -jar order/target/order.jar server config/order.yml >/dev/null 2>"$logs/refused-db.txt"
  status=$?
  set -e
  [[ $status -ne 0 && $status -ne 124 ]] || fail "order started as user auth"
  grep -qF "certificate authentication failed for user \"auth\"" "$logs/refused-db.txt" ||
    { cat "$logs/refused-db.txt"; fail "the error should give PostgreSQL's reason"; }
  printf '   %s\n' "$(cat "$logs/refused-db.txt")"
  ok "exit code $status: the database decides by the certificate, not by a password"
fi

bold "Demo passed$($postgres && echo " (on PostgreSQL)")"
