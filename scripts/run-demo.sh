#!/usr/bin/env bash
# The whole story in one command: build, make certificates, start auth, order and payment over
# mutual TLS, then act as the gateway with curl. Stops every service on any exit.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'HELP'
Usage: scripts/run-demo.sh [--postgres]

Builds the jars if missing, makes the certificates, starts auth, order and payment over mutual TLS
and walks through the flow with curl as the gateway (an order placed, charged at payment, seen
paid), then shows the refusals; stops everything it started on any exit, and exits non-zero if a
step fails.

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
if [[ ! -f auth/target/auth.jar || ! -f order/target/order.jar || ! -f payment/target/payment.jar ]]; then
  mvn -B -q -DskipTests package
fi
ok "auth/target/auth.jar, order/target/order.jar, payment/target/payment.jar"

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

bold "3. Start auth (8443, admin 8444), order (9443, admin 9444) and payment (7443, admin 7444)"
for port in 8443 8444 9443 9444 7443 7444; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then fail "port $port is already in use"; fi
done
for svc in auth order payment; do
  mapfile -t db < <(database "$svc")
  java "${db[@]}" -jar "$svc/target/$svc.jar" server "config/$svc.yml" >"$logs/$svc.log" 2>&1 & pids+=($!)
done

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
wait_healthy payment 7444 "${pids[2]}"
ok "payment healthy"

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

charge() { # charge IDENTITY EXPECTED_STATUS IDEMPOTENCY-KEY CARD-NUMBER [curl-args...]: a charge of the order
  local who=$1 expected=$2 key=$3 number=$4; shift 4
  call "$who" "$expected" -X POST https://localhost:7443/v1/charges -D "$logs/headers.txt" \
    -H 'Content-Type: application/json' -H "Idempotency-Key: $key" "$@" -d "{
    \"order_id\": \"$order_id\", \"amount\": 19.99,
    \"credit_card\": {\"number\": \"$number\", \"cvv\": \"123\", \"expiration_month\": 12,
                    \"expiration_year\": $(($(date -u +%Y) + 3))}}"
}
key=$(cat /proc/sys/kernel/random/uuid)
bold "7. gateway charges the order at payment; payment asks auth who the user is, reads the order at order, has it marked paid"
charge gateway 201 "$key" 4242424242424242 -H "Authorization: Bearer $token"
transaction_id=$(json_field transaction_id <<<"$body")
[[ -n $transaction_id && $(json_field status <<<"$body") == COMPLETED && $(json_field card_last_four <<<"$body") == 4242 ]] ||
  fail "the charge should be COMPLETED, with the card's last four digits only"
ok "charge $transaction_id of 19.99 COMPLETED (Idempotency-Key $key)"

bold "8. gateway sees the order PAID"
call gateway 200 https://localhost:9443/v1/orders -H "Authorization: Bearer $token"
# the listed order whose order_id is ours: split the list at each "order_id"
[[ $(awk -v RS='"order_id":' -v id="\"$order_id\"" 'index($0, id) == 1' <<<"$body" | json_field status) == PAID ]] ||
  fail "order $order_id should be PAID"
ok "order $order_id is PAID: payment had order mark it, over mTLS with its own certificate"

bold "9. gateway repeats the charge with the same Idempotency-Key: the same charge, not a second one"
charge gateway 200 "$key" 4242424242424242 -H "Authorization: Bearer $token"
[[ $(json_field transaction_id <<<"$body") == "$transaction_id" ]] || fail "the replay should answer charge $transaction_id"
grep -qi '^Idempotent-Replayed: true' "$logs/headers.txt" || fail "the replay should say Idempotent-Replayed: true"
ok "200 with Idempotent-Replayed: true and the same transaction_id $transaction_id"

if $postgres; then
  bold "9b. PostgreSQL knows each service by its certificate (psql with the same files)"
  psql_as() { # psql_as SERVICE SQL: connects as SERVICE with certs/SERVICE-*.pem, like the service itself
    psql -X -A -t -v ON_ERROR_STOP=1 "host=127.0.0.1 port=55432 dbname=$1 user=$1 sslmode=verify-full \
sslrootcert=certs/ca-cert.pem sslcert=certs/$1-cert.pem sslkey=certs/$1-key.pem" -c "$2"
  }
  sessions="SELECT DISTINCT a.usename || ' ' || s.version || ' ' || s.client_dn FROM pg_stat_ssl s
            JOIN pg_stat_activity a USING (pid) WHERE a.usename = current_user AND s.pid <> pg_backend_pid()"
  for svc in auth order payment; do
    seen=$(psql_as "$svc" "$sessions") || fail "psql as $svc failed"
    printf '   %s\n' "$seen"
    grep -qF "$svc TLSv1.3 /O=TikTokMall/CN=$svc" <<<"$seen" || fail "$svc's connections should be TLS 1.3 with CN=$svc"
  done
  [[ $(psql_as order "SELECT status FROM orders WHERE order_id = '$order_id'") == PAID ]] ||
    fail "the order should be PAID in PostgreSQL"
  [[ $(psql_as payment "SELECT status FROM charges WHERE transaction_id = '$transaction_id'") == COMPLETED ]] ||
    fail "the charge should be COMPLETED in PostgreSQL"
  ok "auth, order and payment are connected as themselves over TLS 1.3; order $order_id is PAID in the order database, charge $transaction_id COMPLETED in the payment database"
fi

bold "10. payment's own certificate may not charge: the identity in it lacks the role charge"
charge payment 403 "$(cat /proc/sys/kernel/random/uuid)" 4242424242424242 -H "Authorization: Bearer $token"
grep -qF '"identity":"spiffe://tiktokmall.local/payment"' <<<"$body" || fail "the refusal should name the identity"
ok "403 names spiffe://tiktokmall.local/payment and the missing role charge, whatever token it sends"

bold "11. gateway may charge only for a user: without a bearer token payment refuses"
charge gateway 401 "$(cat /proc/sys/kernel/random/uuid)" 4242424242424242
ok "401: payment charges nobody that auth does not vouch for"

bold "12. A card number that fails the Luhn check is refused before anything is charged"
charge gateway 422 "$(cat /proc/sys/kernel/random/uuid)" 4242424242424241 -H "Authorization: Bearer $token"
grep -q 'number[^"]*fails the Luhn check' <<<"$body" || fail "the refusal should name the card number and the Luhn check"
ok "422 names the card number"

bold "13. gateway may not mark orders paid: only payment holds that role at order"
call gateway 403 -X POST "https://localhost:9443/v1/orders/$order_id/paid"
grep -qF '"identity":"spiffe://tiktokmall.local/gateway"' <<<"$body" || fail "the refusal should name the identity"
ok "403 names spiffe://tiktokmall.local/gateway and the missing role mark-orders-paid"

bold "14. A caller without a client certificate is refused"
if curl -sS --max-time 10 --cacert certs/ca-cert.pem -o /dev/null https://localhost:9443/v1/orders 2>"$logs/refused.txt"; then
  fail "order answered a caller without a certificate"
fi
ok "refused during the TLS handshake: $(head -c 120 "$logs/refused.txt")"

bold "15. The admin port: health for any certificate of the CA, metrics and tasks for ops only"
call gateway 200 https://localhost:9444/healthcheck
call gateway 403 https://localhost:9444/metrics
grep -qF '"identity":"spiffe://tiktokmall.local/gateway"' <<<"$body" || fail "the refusal should name the identity"
call ops 200 -X POST 'https://localhost:9444/tasks/reload-tls'
grep -q '^unchanged' <<<"$body" || fail "reload-tls of unchanged files should swap nothing"
ok "gateway may read health only; ops may reload (unchanged files: no new handshakes)"

bold "16. check-tls: order checks its tls block and shakes hands with auth, which must be spiffe://tiktokmall.local/auth"
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

bold "17. Fail closed: auth started with a key that does not match its certificate refuses to start"
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
  bold "17b. PostgreSQL refuses order's certificate as user auth; order says so in one line and stops"
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
