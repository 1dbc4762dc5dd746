#!/usr/bin/env bash
# Measures what mTLS costs on this machine, side by side with plain HTTP and with openssl.
# See --help; BENCHMARKS.md explains the figures.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'HELP'
Usage: scripts/bench.sh [--quick]

Starts auth and order from their jars twice, with tls.enabled true (ports 8443/9443) and false
(ports 8080/9080), same config otherwise, and measures, printing a Markdown report and saving it
to target/bench/report.md:
  1. place-order throughput and p50/p99 latency (gateway -> order -> auth verify) on keep-alive
     connections at 1 and 16 concurrent clients, mTLS vs plain, measured alternately;
  2. TLS handshakes order -> auth per 1,000 orders (order's tls.client.handshakes metric);
  3. mTLS handshakes per second of auth vs openssl s_server with the same certificate and the
     same client (openssl s_time), for tls.provider jsse and conscrypt (and JSSE on a newer JDK
     when /usr/lib/jvm has one);
  4. resumed vs full handshakes;
  5. EC P-256 vs RSA-2048 certificates;
  and start-up to healthy and resident memory at rest of each service.

  --quick    short runs (under 2 minutes; no Conscrypt RSA, no newer JDK): a smoke test of the
             set-up, not figures to quote; the default takes about 8 minutes
HELP
}
quick=false
case "${1:-}" in
  --quick) quick=true ;;
  -h|--help) usage; exit 0 ;;
  "") ;;
  *) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
esac
if $quick; then warmup=2 seconds=4 rounds=1 hs_seconds=2; else warmup=10 seconds=20 rounds=2 hs_seconds=10; fi
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
trap 'stop_all; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
for port in 8080 8081 8443 8444 9080 9081 9443 9444 19443; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "bench.sh: port $port is in use" >&2; exit 1; fi
done

[[ -f auth/target/auth.jar && -f order/target/order.jar && -f bench/target/bench.jar ]] || mvn -B -q -DskipTests package
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
    -Ddw.database.url="jdbc:h2:$work/data-$svc-$app-$RANDOM/$svc" -Ddw.logging.level=WARN "$@" \
    -jar "$svc/target/$svc.jar" server "config/$svc.yml" >>"$work/$svc-$app.log" 2>&1 &
  started_pid=$!
  pids+=("$started_pid")
  for _ in $(seq 1 600); do
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

# load NAME ROUND URL-SCHEME ORDER-PORT AUTH-PORT CLIENTS [TLS-ARGS]: one load-generator run,
# recorded as NAME.<figure>.r<ROUND>
load() {
  local name=$1 round=$2 scheme=$3 order=$4 auth=$5 clients=$6; shift 6
  local out
  out=$(java -jar bench/target/bench.jar --order "$scheme://localhost:$order" --auth "$scheme://localhost:$auth" \
    --clients "$clients" --warmup "$warmup" --seconds "$seconds" "$@")
  for f in throughput p50_ms p99_ms orders errors; do
    record "$name.$f.r$round" "$(sed -n "s/.*\"$f\":\\([0-9.]*\\).*/\\1/p" <<<"$out")"
  done
}
client_handshakes() {
  curl -s --cacert "$ec/ca-cert.pem" --cert "$ec/gateway-cert.pem" --key "$ec/gateway-key.pem" \
    https://localhost:9444/metrics | sed -n 's/.*"tls.client.handshakes":{"count":\([0-9]*\).*/\1/p'
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
s_server() {
  openssl s_server -accept 19443 -cert "$1/auth-cert.pem" -key "$1/auth-key.pem" -CAfile "$1/ca-cert.pem" \
    -Verify 2 -quiet -naccept 100000000 >/dev/null 2>&1 &
  pids+=($!)
  sleep 0.5
}

echo "== start both stacks: mTLS (8443, 9443) and plain (8080, 9080)" >&2
start auth "$ec" 8443 8444
record auth.startup "$started_in"
auth_pid=$started_pid
start order "$ec" 9443 9444
record order.startup "$started_in"
order_pid=$started_pid
start auth "$ec" 8080 8081 -Ddw.tls.enabled=false
start order "$ec" 9080 9081 -Ddw.tls.enabled=false -Ddw.auth.url=http://localhost:8080
sleep 2
record auth.rss "$(rss_mb "$auth_pid")"
record order.rss "$(rss_mb "$order_pid")"

echo "== place orders, mTLS and plain alternately" >&2
handshakes_before=$(client_handshakes)
for round in $(seq 1 "$rounds"); do
  for clients in 1 16; do
    load "mtls.$clients" "$round" https 9443 8443 "$clients" \
      --cert "$ec/gateway-cert.pem" --key "$ec/gateway-key.pem" --ca "$ec/ca-cert.pem"
    load "plain.$clients" "$round" http 9080 8080 "$clients"
  done
done
mtls_orders=$(awk '$1 ~ /^mtls\..*\.orders\.r/ { s += $2 } END { print s }' "$results")
if ((mtls_orders > 0)); then
  record reuse.per1000 "$(printf '%.2f' "$(calc "($(client_handshakes) - $handshakes_before) * 1000 / $mtls_orders")")"
else
  record reuse.per1000 "n/a"
fi
handshake_set jsse 8443 "$ec" "$hs_seconds"
stop_all

echo "== handshakes: openssl s_server, tls.provider conscrypt, RSA-2048" >&2
s_server "$ec"
handshake_set openssl 19443 "$ec" 0
stop_all
start auth "$ec" 8443 8444 -Ddw.tls.provider=conscrypt
handshake_set conscrypt 8443 "$ec" "$hs_seconds"
stop_all
if ! $quick && [[ -n $newer_java ]]; then
  PATH="$(dirname "$newer_java"):$PATH" start auth "$ec" 8443 8444
  handshake_set newer 8443 "$ec" "$hs_seconds"
  stop_all
fi
s_server "$rsa"
record hs.openssl.rsa "$(handshakes 19443 "$rsa" 0 -new)"
stop_all
for provider in jsse $($quick || echo conscrypt); do
  start auth "$rsa" 8443 8444 -Ddw.tls.provider=$provider
  record "hs.$provider.rsa" "$(handshakes 8443 "$rsa" "$hs_seconds" -new)"
  stop_all
done

mkdir -p target/bench
{
  echo "# scripts/bench.sh$($quick && echo ' --quick') — $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%d", $2 / 1048576 }' /proc/meminfo) GiB;" \
    "$(java -version 2>&1 | head -1); $(openssl version | cut -d' ' -f1-2)."
  echo "Load: $rounds round(s) of ${seconds}s per cell after ${warmup}s of warm-up, mTLS and plain alternately;" \
    "handshakes: one openssl s_time client for ${hs_seconds}s."
  echo
  echo "| place order, keep-alive | mTLS orders/s | plain orders/s | mTLS / plain | mTLS p50 / p99 ms | plain p50 / p99 ms |"
  echo "|---|---|---|---|---|---|"
  for c in 1 16; do
    echo "| $c client$([[ $c == 1 ]] || echo s) | $(average "mtls.$c.throughput") | $(average "plain.$c.throughput") |" \
      "$(ratio "$(average "mtls.$c.throughput")" "$(average "plain.$c.throughput")") |" \
      "$(average "mtls.$c.p50_ms") / $(average "mtls.$c.p99_ms") | $(average "plain.$c.p50_ms") / $(average "plain.$c.p99_ms") |"
  done
  echo
  echo "Failed calls under mTLS load: $(awk '$1 ~ /^mtls\..*\.errors\.r/ { s += $2 } END { print s + 0 }' "$results")." \
    "TLS handshakes order -> auth per 1,000 orders: **$(value reuse.per1000)** (client pool: 64 connections per route)."
  echo
  echo "| handshakes per second, one s_time client | full TLS 1.3 | full TLS 1.2 | resumed TLS 1.2 | full TLS 1.3, RSA-2048 |"
  echo "|---|---|---|---|---|"
  row() { echo "| $1 | $(value "hs.$2.full13") | $(value "hs.$2.full12") | $(value "hs.$2.resumed12") | $(value "hs.$2.rsa") |"; }
  row "auth, tls.provider jsse (default)" jsse
  row "auth, tls.provider conscrypt" conscrypt
  [[ -z $(value hs.newer.full13) ]] || row "auth, jsse on $("$newer_java" -version 2>&1 | head -1 | cut -d'"' -f2)" newer
  row "openssl s_server, same certificate" openssl
  vs() {
    local cells="| $1 / openssl"
    for k in full13 full12 resumed12 rsa; do
      if [[ -n $(value "hs.$2.$k") ]]; then cells+=" | $(ratio "$(value "hs.$2.$k")" "$(value "hs.openssl.$k")")"; else cells+=" | "; fi
    done
    echo "$cells |"
  }
  vs jsse jsse
  vs conscrypt conscrypt
  [[ -z $(value hs.newer.full13) ]] || vs "jsse on a newer JDK" newer
  echo
  echo "| service | start to healthy | resident memory at rest |"
  echo "|---|---|---|"
  echo "| auth | $(printf '%.1f' "$(value auth.startup)") s | $(value auth.rss) MB |"
  echo "| order | $(printf '%.1f' "$(value order.startup)") s | $(value order.rss) MB |"
} | tee target/bench/report.md
