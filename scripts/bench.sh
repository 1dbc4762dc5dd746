#!/usr/bin/env bash
# Measures what mTLS costs on this machine, side by side with plain HTTP and with openssl.
# See --help; BENCHMARKS.md explains the figures.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'HELP'
Usage: scripts/bench.sh [--quick] [--only orders|handshakes|storm] [--reps N] [--storm-clients N] [--storm-no-retry]

Starts the services from their jars and measures, printing a Markdown report and saving it to
target/bench/report.md:
  orders      the end-to-end flow with auth, order and payment: each iteration places an order
              (gateway -> order -> auth verify) and charges it with a fresh Idempotency-Key
              (gateway -> payment -> auth verify, order read, order marked paid); throughput and
              p50/p99 latency of the iteration and of the charge alone, on keep-alive connections
              at 1 and 16 concurrent clients, mTLS (tls.provider auto, the default) vs plain HTTP
              (tls.enabled false), measured alternately; TLS handshakes per 1,000 orders of
              order -> auth and of payment -> auth and order; full TLS 1.3 / 1.2 and resumed
              TLS 1.2 handshakes of the default; start-up to healthy and resident memory at rest
  handshakes  full TLS 1.3 mTLS handshakes per second of auth (one openssl s_time client, after
              warm-up) for tls.provider jsse, accp and conscrypt, on this JDK and on a newer one
              when /usr/lib/jvm has one, EC P-256 and RSA-2048, each measured alternately with
              openssl s_server serving the same certificate: the median of N ratios
  storm       a reconnect storm: N clients hold keep-alive connections to auth with leaves of
              the old CA, busy through step 3 of a CA rotation (reload-tls with only the new CA),
              which closes them all; the time until every client is served again on a new
              connection, and the calls that failed, are reported per tls.provider. The clients
              send a call once more when its pooled connection was closed before any response,
              as the services' own clients do
  (all three without --only)

  --quick            short runs: a smoke test of the set-up, not figures to quote
  --only WHAT        one of the parts above
  --reps N           handshake ratios per cell (default 3; 1 with --quick)
  --storm-clients N  clients of the storm (default 200, at most 1000)
  --storm-no-retry   storm clients that never send a call again (as in step 12)
HELP
}
quick=false only="" reps="" storm_clients=200 storm_retry=true
while (($#)); do
  case "$1" in
    --quick) quick=true; shift ;;
    --only) only=${2:?--only needs orders, handshakes or storm}; shift 2 ;;
    --reps) reps=${2:?--reps needs a number}; shift 2 ;;
    --storm-clients) storm_clients=${2:?--storm-clients needs a number}; shift 2 ;;
    --storm-no-retry) storm_retry=false; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$only" in ""|orders|handshakes|storm) ;; *) echo "bench.sh: --only orders, handshakes or storm, not $only" >&2; exit 2 ;; esac
[[ -z $reps || $reps =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: --reps must be a positive number" >&2; exit 2; }
[[ $storm_clients =~ ^[1-9][0-9]*$ ]] && ((storm_clients <= 1000)) || { echo "bench.sh: --storm-clients must be 1 to 1000" >&2; exit 2; }
part() { [[ -z $only || $only == "$1" ]]; }
if $quick; then warmup=2 seconds=4 rounds=1 hs_seconds=2 hs_warm=2; else warmup=10 seconds=20 rounds=2 hs_seconds=5 hs_warm=10; fi
: "${reps:=$($quick && echo 1 || echo 3)}"
newer_java=""
for candidate in /usr/lib/jvm/*/bin/java; do
  version=$("$candidate" -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p')
  if [[ -n $version ]] && ((version >= 21)); then newer_java=$candidate; break; fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/tiktokmall-bench.XXXXXX")
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
openssl_pids=()
trap 'stop_all; for pid in "${openssl_pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
for port in 7080 7081 7443 7444 8080 8081 8443 8444 9080 9081 9443 9444 17081 17444 18081 18444 19081 19444 29443 29444; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "bench.sh: port $port is in use" >&2; exit 1; fi
done

[[ -f auth/target/auth.jar && -f order/target/order.jar && -f payment/target/payment.jar && -f bench/target/bench.jar ]] ||
  mvn -B -q -DskipTests package
ec=$work/ec rsa=$work/rsa
scripts/generate_certs.sh --out "$ec" >/dev/null
scripts/generate_certs.sh --out "$rsa" --rsa auth gateway >/dev/null
results=$work/results
: >"$results"
record() { echo "$1 $2" >>"$results"; echo "  $1 = $2" >&2; }
value() { awk -v k="$1" '$1 == k { print $2 }' "$results"; }
average() { awk -v k="$1" '$1 ~ "^"k"\\.r[0-9]+$" { s += $2; n++ } END { printf "%.1f", s / n }' "$results"; }
calc() { awk "BEGIN { print $1 }"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'; }

# start SERVICE CERT-DIR APP-PORT ADMIN-PORT SETTINGS...: a service from its jar; $started_in is
# the seconds from launch to a healthy /healthcheck, $started_pid its process
start() {
  local svc=$1 dir=$2 app=$3 admin=$4; shift 4
  local extra=(); [[ $svc == auth ]] && extra=(-Ddw.tokens.signing_key="$dir/token-signing-key.pem")
  local scheme=https; [[ " $* " == *"tls.enabled=false"* ]] && scheme=http
  local began; began=$(date +%s.%N)
  java -Ddw.tls.ca_cert="$dir/ca-cert.pem" -Ddw.tls.server_cert="$dir/$svc-cert.pem" \
    -Ddw.tls.server_key="$dir/$svc-key.pem" -Ddw.tls.client_cert="$dir/$svc-cert.pem" \
    -Ddw.tls.client_key="$dir/$svc-key.pem" "${extra[@]}" \
    "-Ddw.server.applicationConnectors[0].port=$app" "-Ddw.server.adminConnectors[0].port=$admin" \
    -Ddw.probes.port=$((admin + 10000)) \
    -Ddw.database.url="jdbc:h2:$work/data-$svc-$app-$RANDOM/$svc" -Ddw.logging.level=WARN "$@" \
    -jar "$svc/target/$svc.jar" server "config/$svc.yml" >>"$work/$svc-$app.log" 2>&1 &
  started_pid=$!
  pids+=("$started_pid")
  while (($(date +%s) - ${began%.*} < 180)); do  # a loaded machine can take a while
    if curl -sf -o /dev/null --cacert "$dir/ca-cert.pem" --cert "$dir/gateway-cert.pem" --key "$dir/gateway-key.pem" \
        "$scheme://localhost:$admin/healthcheck"; then
      started_in=$(calc "$(date +%s.%N) - $began")
      return 0
    fi
    kill -0 "$started_pid" 2>/dev/null || break
    sleep 0.05
  done
  tail -n 20 "$work/$svc-$app.log" >&2
  echo "bench.sh: $svc did not become healthy" >&2
  exit 1
}
rss_mb() { awk '/VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$1/status"; }

# load NAME ROUND URL-SCHEME ORDER-PORT AUTH-PORT PAYMENT-PORT CLIENTS [TLS-ARGS]: one load-generator
# run (each iteration an order placed and charged), recorded as NAME.<figure>.r<ROUND>
load() {
  local name=$1 round=$2 scheme=$3 order=$4 auth=$5 payment=$6 clients=$7; shift 7
  local out
  out=$(java -jar bench/target/bench.jar --order "$scheme://localhost:$order" --auth "$scheme://localhost:$auth" \
    --payment "$scheme://localhost:$payment" --clients "$clients" --warmup "$warmup" --seconds "$seconds" "$@")
  for f in throughput p50_ms p99_ms orders errors charges charge_p50_ms charge_p99_ms; do
    record "$name.$f.r$round" "$(sed -n "s/.*\"$f\":\\([0-9.]*\\).*/\\1/p" <<<"$out")"
  done
}
client_handshakes() { # ADMIN-PORT: the TLS handshakes of that service's clients so far
  curl -s --cacert "$ec/ca-cert.pem" --cert "$ec/ops-cert.pem" --key "$ec/ops-key.pem" \
    "https://localhost:$1/metrics" | sed -n 's/.*"tls.client.handshakes":{"count":\([0-9]*\).*/\1/p'
}

# handshakes PORT DIR WARMUP S_TIME-OPTIONS...: handshakes per second of one openssl s_time client,
# by wall clock, after WARMUP seconds of the same (the JVM's JIT needs them; openssl does not)
handshakes() {
  local port=$1 dir=$2 warm=$3; shift 3
  local client=(-connect "localhost:$port" -cert "$dir/gateway-cert.pem" -key "$dir/gateway-key.pem" -CAfile "$dir/ca-cert.pem")
  ((warm == 0)) || openssl s_time "${client[@]}" "$@" -time "$warm" >/dev/null 2>&1 || true
  local began count
  began=$(date +%s.%N)
  count=$(openssl s_time "${client[@]}" "$@" -time "$hs_seconds" 2>&1 | awk '/connections in .* real seconds/ { print $1; exit }')
  printf '%.0f' "$(calc "${count:-0} / ($(date +%s.%N) - $began)")"
}
# handshake_set NAME PORT DIR WARMUP: full TLS 1.3, full TLS 1.2 and resumed TLS 1.2 handshakes
handshake_set() {
  record "hs.$1.full13" "$(handshakes "$2" "$3" "$4" -new)"
  record "hs.$1.full12" "$(handshakes "$2" "$3" 0 -new -tls1_2)"
  record "hs.$1.resumed12" "$(handshakes "$2" "$3" 0 -reuse -tls1_2)"
}
# s_server PORT DIR: openssl s_server with auth's certificate, requiring a client certificate
s_server() {
  openssl s_server -accept "$1" -cert "$2/auth-cert.pem" -key "$2/auth-key.pem" -CAfile "$2/ca-cert.pem" \
    -Verify 2 -quiet -naccept 100000000 >/dev/null 2>&1 &
  openssl_pids+=($!)
  sleep 0.5
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
jdk_name() { "$1" -version 2>&1 | head -1 | cut -d'"' -f2; }
javas=(java)
! $quick && [[ -n $newer_java ]] && javas+=("$newer_java")
providers=(jsse accp conscrypt)
s_server 29443 "$ec"
s_server 29444 "$rsa"
uptime_before=$(uptime)

if part orders; then
  echo "== start both stacks: mTLS (8443, 9443, 7443, tls.provider default) and plain (8080, 9080, 7080)" >&2
  start auth "$ec" 8443 8444 -Ddw.logging.level=INFO  # INFO: its tls.provider auto line
  record auth.startup "$started_in"
  auth_pid=$started_pid
  start order "$ec" 9443 9444
  record order.startup "$started_in"
  order_pid=$started_pid
  start payment "$ec" 7443 7444
  record payment.startup "$started_in"
  payment_pid=$started_pid
  start auth "$ec" 8080 8081 -Ddw.tls.enabled=false
  start order "$ec" 9080 9081 -Ddw.tls.enabled=false -Ddw.auth.url=http://localhost:8080
  start payment "$ec" 7080 7081 -Ddw.tls.enabled=false -Ddw.auth.url=http://localhost:8080 -Ddw.order.url=http://localhost:9080
  sleep 2
  record auth.rss "$(rss_mb "$auth_pid")"
  record order.rss "$(rss_mb "$order_pid")"
  record payment.rss "$(rss_mb "$payment_pid")"
  auto_choice=$(sed -n 's/.*\(tls.provider auto: [a-z]*\).*/\1/p' "$work/auth-8443.log" | head -1)

  echo "== place and charge orders, mTLS and plain alternately" >&2
  handshakes_before=$(client_handshakes 9444)
  payment_handshakes_before=$(client_handshakes 7444)
  for round in $(seq 1 "$rounds"); do
    for clients in 1 16; do
      load "mtls.$clients" "$round" https 9443 8443 7443 "$clients" \
        --cert "$ec/gateway-cert.pem" --key "$ec/gateway-key.pem" --ca "$ec/ca-cert.pem"
      load "plain.$clients" "$round" http 9080 8080 7080 "$clients"
    done
  done
  mtls_orders=$(awk '$1 ~ /^mtls\..*\.orders\.r/ { s += $2 } END { print s }' "$results")
  if ((mtls_orders > 0)); then
    record reuse.per1000 "$(printf '%.2f' "$(calc "($(client_handshakes 9444) - $handshakes_before) * 1000 / $mtls_orders")")"
    record payment.reuse.per1000 \
      "$(printf '%.2f' "$(calc "($(client_handshakes 7444) - $payment_handshakes_before) * 1000 / $mtls_orders")")"
  else
    record reuse.per1000 "n/a"
    record payment.reuse.per1000 "n/a"
  fi
  handshake_set default 8443 "$ec" "$hs_warm"
  handshake_set openssl 29443 "$ec" 0
  stop_all
fi

if part handshakes; then
  echo "== full TLS 1.3 handshakes per provider, JDK and key, alternately with openssl s_server" >&2
  for j in "${!javas[@]}"; do
    for provider in "${providers[@]}"; do
      for key in ec rsa; do
        dir=$work/$key
        openssl_port=$([[ $key == ec ]] && echo 29443 || echo 29444)
        PATH="$(dirname "$(command -v "${javas[$j]}")"):$PATH" start auth "$dir" 8443 8444 -Ddw.tls.provider=$provider
        ((hs_warm == 0)) || openssl s_time -connect localhost:8443 -cert "$dir/gateway-cert.pem" -key "$dir/gateway-key.pem" \
          -CAfile "$dir/ca-cert.pem" -new -time "$hs_warm" >/dev/null 2>&1 || true
        cell=hs.j$j.$provider.$key
        for rep in $(seq 1 "$reps"); do
          service=$(handshakes 8443 "$dir" 0 -new)
          openssl=$(handshakes "$openssl_port" "$dir" 0 -new)
          record "$cell.service.r$rep" "$service"
          record "$cell.openssl.r$rep" "$openssl"
          record "$cell.ratio.r$rep" "$(ratio "$service" "$openssl")"
        done
        record "$cell.median" "$(awk -v k="$cell.ratio.r" 'index($1, k) == 1 { print $2 }' "$results" | median)"
        stop_all
      done
    done
  done
fi

if part storm; then
  echo "== reconnect storm: $storm_clients clients, CA rotation step 3 per provider" >&2
  next=$work/next
  scripts/generate_certs.sh --out "$next" --force >/dev/null
  for provider in "${providers[@]}"; do
    # auth after step 2: trusts the old and the new CA, serves a leaf of the new one
    dir=$work/storm-$provider
    mkdir -p "$dir"
    cat "$ec/ca-cert.pem" "$next/ca-cert.pem" >"$dir/ca-cert.pem"
    cp "$dir/ca-cert.pem" "$dir/both-cas.pem"
    cp "$next/auth-cert.pem" "$next/auth-key.pem" "$next/gateway-cert.pem" "$next/gateway-key.pem" "$ec/token-signing-key.pem" "$dir/"
    start auth "$dir" 8443 8444 -Ddw.tls.provider=$provider -Ddw.tls.reload_interval=1h
    out=$(java -cp bench/target/bench.jar com.tiktokmall.bench.ReconnectStorm --url https://localhost:8443 \
      --admin https://localhost:8444 --clients "$storm_clients" --provider "$provider" --retry "$storm_retry" \
      --ca "$dir/both-cas.pem" \
      --cert "$ec/gateway-cert.pem" --key "$ec/gateway-key.pem" \
      --next-cert "$next/gateway-cert.pem" --next-key "$next/gateway-key.pem" \
      --ops-cert "$next/ops-cert.pem" --ops-key "$next/ops-key.pem" --swap "$next/ca-cert.pem" --ca-file "$dir/ca-cert.pem")
    echo "  $provider: $out" >&2
    for f in all_served_ms served_again reload_ms calls failed_calls retried_calls; do
      record "storm.$provider.$f" "$(sed -n "s/.*\"$f\":\\([0-9a-z]*\\).*/\\1/p" <<<"$out")"
    done
    stop_all
  done
fi
uptime_after=$(uptime)

mkdir -p target/bench
{
  echo "# scripts/bench.sh$($quick && echo ' --quick')$([[ -z $only ]] || echo " --only $only") — $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%d", $2 / 1048576 }' /proc/meminfo) GiB;" \
    "$(java -version 2>&1 | head -1); $(openssl version | cut -d' ' -f1-2)."
  echo "Load average before: ${uptime_before##*load average: }; after: ${uptime_after##*load average: }."
  if part orders; then
    echo
    echo "Orders: $rounds round(s) of ${seconds}s per cell after ${warmup}s of warm-up, mTLS and plain alternately;" \
      "each iteration places an order and charges it at payment with a fresh Idempotency-Key;" \
      "mTLS with the default tls.provider (${auto_choice:-auto})."
    echo
    echo "| place and charge an order, keep-alive | mTLS orders/s | plain orders/s | mTLS / plain | mTLS p50 / p99 ms | plain p50 / p99 ms | charge alone: mTLS p50 / p99 ms | charge alone: plain p50 / p99 ms |"
    echo "|---|---|---|---|---|---|---|---|"
    for c in 1 16; do
      echo "| $c client$([[ $c == 1 ]] || echo s) | $(average "mtls.$c.throughput") | $(average "plain.$c.throughput") |" \
        "$(ratio "$(average "mtls.$c.throughput")" "$(average "plain.$c.throughput")") |" \
        "$(average "mtls.$c.p50_ms") / $(average "mtls.$c.p99_ms") | $(average "plain.$c.p50_ms") / $(average "plain.$c.p99_ms") |" \
        "$(average "mtls.$c.charge_p50_ms") / $(average "mtls.$c.charge_p99_ms") |" \
        "$(average "plain.$c.charge_p50_ms") / $(average "plain.$c.charge_p99_ms") |"
    done
    echo
    echo "Failed iterations (order or charge) under mTLS load: $(awk '$1 ~ /^mtls\..*\.errors\.r/ { s += $2 } END { print s + 0 }' "$results")." \
      "TLS handshakes per 1,000 orders: order -> auth **$(value reuse.per1000)**, payment -> auth and order" \
      "**$(value payment.reuse.per1000)** (client pools: 64 connections per route)."
    echo
    echo "| handshakes per second, one s_time client for ${hs_seconds}s | full TLS 1.3 | full TLS 1.2 | resumed TLS 1.2 |"
    echo "|---|---|---|---|"
    for k in default openssl; do
      echo "| $([[ $k == default ]] && echo "auth, default tls.provider" || echo "openssl s_server, same certificate") |" \
        "$(value "hs.$k.full13") | $(value "hs.$k.full12") | $(value "hs.$k.resumed12") |"
    done
    echo "| default / openssl | $(ratio "$(value hs.default.full13)" "$(value hs.openssl.full13)") |" \
      "$(ratio "$(value hs.default.full12)" "$(value hs.openssl.full12)") | $(ratio "$(value hs.default.resumed12)" "$(value hs.openssl.resumed12)") |"
    echo
    echo "| service | start to healthy | resident memory at rest |"
    echo "|---|---|---|"
    echo "| auth | $(printf '%.1f' "$(value auth.startup)") s | $(value auth.rss) MB |"
    echo "| order | $(printf '%.1f' "$(value order.startup)") s | $(value order.rss) MB |"
    echo "| payment | $(printf '%.1f' "$(value payment.startup)") s | $(value payment.rss) MB |"
  fi
  if part handshakes; then
    echo
    echo "Full TLS 1.3 mTLS handshakes per second of auth / of openssl s_server with the same certificate:" \
      "one s_time client, ${hs_warm}s of warm-up, then $reps × (${hs_seconds}s auth, ${hs_seconds}s openssl);" \
      "the median ratio, and the rates (auth / openssl) of each repetition."
    echo
    echo "| JDK | tls.provider | EC P-256: median ratio | EC P-256: handshakes/s | RSA-2048: median ratio | RSA-2048: handshakes/s |"
    echo "|---|---|---|---|---|---|"
    for j in "${!javas[@]}"; do
      for provider in "${providers[@]}"; do
        line="| $(jdk_name "$(command -v "${javas[$j]}")") | $provider"
        for key in ec rsa; do
          cell=hs.j$j.$provider.$key
          rates=$(for rep in $(seq 1 "$reps"); do printf '%s/%s ' "$(value "$cell.service.r$rep")" "$(value "$cell.openssl.r$rep")"; done)
          line+=" | **$(value "$cell.median")** | ${rates% }"
        done
        echo "$line |"
      done
    done
  fi
  if part storm; then
    echo
    echo "Reconnect storm: $storm_clients clients, each on its own keep-alive connection to auth, a request every 250 ms;" \
      "then step 3 of a CA rotation (auth's ca_cert becomes the new CA alone, reload-tls), which closes every connection:" \
      "idle ones at once, busy ones after their answer (Connection: close)." \
      "$($storm_retry && echo "A call whose connection was closed before any response is sent once more, on a new connection, as the services' clients do." \
        || echo "No call is sent again (--storm-no-retry).")"
    echo
    echo "| tls.provider (auth and clients) | every client served again, from the file swap | of which reload-tls (checks, swap, closing) | clients served again | calls from the swap until all served | failed calls | calls sent again |"
    echo "|---|---|---|---|---|---|---|"
    for provider in "${providers[@]}"; do
      echo "| $provider | $(value "storm.$provider.all_served_ms") ms | $(value "storm.$provider.reload_ms") ms |" \
        "$(value "storm.$provider.served_again") / $storm_clients | $(value "storm.$provider.calls") |" \
        "**$(value "storm.$provider.failed_calls")** | $(value "storm.$provider.retried_calls") |"
    done
  fi
} | tee target/bench/report.md
