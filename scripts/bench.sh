#!/usr/bin/env bash
# Measures what mTLS costs on this machine, side by side with plain HTTP and with openssl.
# See --help; BENCHMARKS.md explains the figures.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'HELP'
Usage: scripts/bench.sh [--quick]

Starts auth and order from their jars (with tls.enabled true, then false; same config otherwise)
and measures, printing a Markdown report and saving it to target/bench/report.md:
  1. place-order throughput and p50/p99 latency (gateway -> order -> auth verify) on keep-alive
     connections at 1 and 16 concurrent clients, mTLS vs plain;
  2. TLS handshakes order -> auth per 1,000 orders (order's tls.client.handshakes metric);
  3. full mTLS handshakes per second of the service vs openssl s_server with the same
     certificate and client (openssl s_time -new), for tls.provider jsse and conscrypt;
  4. resumed vs full handshakes (openssl s_time -reuse);
  5. EC P-256 vs RSA-2048 certificates;
  and start-up to healthy and resident memory at rest of each service.

  --quick    short runs (under 2 minutes); the default takes about 6 minutes
HELP
}
quick=false
case "${1:-}" in
  --quick) quick=true ;;
  -h|--help) usage; exit 0 ;;
  "") ;;
  *) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
esac
if $quick; then warmup=2 seconds=4 hs_seconds=2; else warmup=10 seconds=30 hs_seconds=10; fi
java25=$(ls -d /usr/lib/jvm/temurin-2[1-9]*/bin/java /usr/lib/jvm/*-2[1-9]-*/bin/java 2>/dev/null | head -1 || true)

work=$(mktemp -d "${TMPDIR:-/tmp}/tiktokmall-bench.XXXXXX")
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap 'stop_all; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
for port in 8443 8444 9443 9444 18443; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "bench.sh: port $port is in use" >&2; exit 1; fi
done

[[ -f auth/target/auth.jar && -f order/target/order.jar && -f bench/target/bench.jar ]] || mvn -B -q -DskipTests package
scripts/generate_certs.sh --out "$work/ec" >/dev/null
scripts/generate_certs.sh --out "$work/rsa" --rsa auth gateway >/dev/null
results="$work/results"
: >"$results"
record() { echo "$1 $2" >>"$results"; echo "  $1 = $2" >&2; }
value() { awk -v k="$1" '$1 == k { print $2 }' "$results"; }

# start SERVICE CERT-DIR SETTINGS...: starts a service on its usual ports; $started_in: seconds to healthy
start() {
  local svc=$1 dir=$2; shift 2
  local admin; admin=$([[ $svc == auth ]] && echo 8444 || echo 9444)
  local extra=(); [[ $svc == auth ]] && extra=(-Ddw.tokens.signing_key="$dir/token-signing-key.pem")
  local began; began=$(date +%s.%N)
  java -Ddw.tls.ca_cert="$dir/ca-cert.pem" -Ddw.tls.server_cert="$dir/$svc-cert.pem" \
    -Ddw.tls.server_key="$dir/$svc-key.pem" -Ddw.tls.client_cert="$dir/$svc-cert.pem" \
    -Ddw.tls.client_key="$dir/$svc-key.pem" "${extra[@]}" \
    -Ddw.database.url="jdbc:h2:$work/data-$RANDOM/$svc" -Ddw.logging.level=WARN "$@" \
    -jar "$svc/target/$svc.jar" server "config/$svc.yml" >>"$work/$svc.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  local scheme=https; [[ " $* " == *"tls.enabled=false"* ]] && scheme=http
  for _ in $(seq 1 600); do
    if curl -sf -o /dev/null --cacert "$dir/ca-cert.pem" --cert "$dir/gateway-cert.pem" --key "$dir/gateway-key.pem" \
        "$scheme://localhost:$admin/healthcheck"; then
      started_in=$(echo "$(date +%s.%N) - $began" | bc -l)
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  tail -n 20 "$work/$svc.log" >&2
  echo "bench.sh: $svc did not become healthy" >&2
  exit 1
}

rss_mb() { echo "$(awk '/VmRSS/ { print $2 }' "/proc/$1/status") / 1024" | bc; }

# load SCHEME CLIENTS [TLS-ARGS]: one load-generator run, JSON on stdout
load() {
  local scheme=$1 clients=$2; shift 2
  java -jar bench/target/bench.jar --order "$scheme://localhost:9443" --auth "$scheme://localhost:8443" \
    --clients "$clients" --warmup "$warmup" --seconds "$seconds" "$@"
}
field() { sed -n "s/.*\"$1\":\\([0-9.]*\\).*/\\1/p"; }
client_handshakes() {
  curl -s --cacert "$1/ca-cert.pem" --cert "$1/gateway-cert.pem" --key "$1/gateway-key.pem" \
    https://localhost:9444/metrics | sed -n 's/.*"tls.client.handshakes":{"count":\([0-9]*\).*/\1/p'
}

# handshakes PORT DIR MODE [WARMUP]: handshakes per second of openssl s_time (MODE -new or -reuse),
# by wall clock, after WARMUP seconds of the same (the JVM's JIT needs them; openssl does not)
handshakes() {
  local port=$1 dir=$2 mode=$3 warm=${4:-0}
  if ((warm > 0)); then
    openssl s_time -connect "localhost:$port" "$mode" -cert "$dir/gateway-cert.pem" -key "$dir/gateway-key.pem" \
      -CAfile "$dir/ca-cert.pem" -time "$warm" >/dev/null 2>&1 || true
  fi
  local began count
  began=$(date +%s.%N)
  count=$(openssl s_time -connect "localhost:$port" "$mode" -cert "$dir/gateway-cert.pem" -key "$dir/gateway-key.pem" \
    -CAfile "$dir/ca-cert.pem" -time "$hs_seconds" 2>&1 | awk '/connections in .* real seconds/ { print $1; exit }')
  printf '%.0f' "$(echo "${count:-0} / ($(date +%s.%N) - $began)" | bc -l)"
}
s_server() {
  openssl s_server -accept 18443 -cert "$1/auth-cert.pem" -key "$1/auth-key.pem" -CAfile "$1/ca-cert.pem" \
    -Verify 2 -quiet -naccept 100000000 >/dev/null 2>&1 &
  pids+=($!)
  sleep 0.5
}

ec=$work/ec
tls=(--cert "$ec/gateway-cert.pem" --key "$ec/gateway-key.pem" --ca "$ec/ca-cert.pem")

echo "== mTLS (tls.provider jsse)" >&2
start auth "$ec"
record auth.startup "$started_in"
start order "$ec"
record order.startup "$started_in"
sleep 2
record auth.rss "$(rss_mb "${pids[0]}")"
record order.rss "$(rss_mb "${pids[1]}")"
before=$(client_handshakes "$ec")
for clients in 1 16; do
  out=$(load https "$clients" "${tls[@]}")
  record "mtls.$clients.throughput" "$(field throughput <<<"$out")"
  record "mtls.$clients.p50" "$(field p50_ms <<<"$out")"
  record "mtls.$clients.p99" "$(field p99_ms <<<"$out")"
  record "mtls.$clients.orders" "$(field orders <<<"$out")"
  record "mtls.$clients.errors" "$(field errors <<<"$out")"
done
orders=$(( $(value mtls.1.orders) + $(value mtls.16.orders) ))
record reuse.per1000 "$(echo "($(client_handshakes "$ec") - $before) * 1000 / $orders" | bc -l | xargs printf '%.1f')"
record hs.jsse.full "$(handshakes 8443 "$ec" -new "$hs_seconds")"
record hs.jsse.resumed "$(handshakes 8443 "$ec" -reuse "$hs_seconds")"
stop_all

echo "== openssl s_server, EC and RSA" >&2
s_server "$ec"
record hs.openssl.full "$(handshakes 18443 "$ec" -new)"
record hs.openssl.resumed "$(handshakes 18443 "$ec" -reuse)"
stop_all
s_server "$work/rsa"
record hs.openssl.rsa "$(handshakes 18443 "$work/rsa" -new)"
stop_all

echo "== auth alone: tls.provider conscrypt, then RSA-2048 certificates" >&2
start auth "$ec" -Ddw.tls.provider=conscrypt
record hs.conscrypt.full "$(handshakes 8443 "$ec" -new "$hs_seconds")"
record hs.conscrypt.resumed "$(handshakes 8443 "$ec" -reuse "$hs_seconds")"
stop_all
start auth "$work/rsa"
record hs.jsse.rsa "$(handshakes 8443 "$work/rsa" -new "$hs_seconds")"
stop_all
start auth "$work/rsa" -Ddw.tls.provider=conscrypt
record hs.conscrypt.rsa "$(handshakes 8443 "$work/rsa" -new "$hs_seconds")"
stop_all

if ! $quick && [[ -n $java25 ]]; then
  echo "== auth on $java25, tls.provider jsse" >&2
  PATH="$(dirname "$java25"):$PATH" start auth "$ec"
  record hs.jdk25.full "$(handshakes 8443 "$ec" -new "$hs_seconds")"
  record hs.jdk25.resumed "$(handshakes 8443 "$ec" -reuse "$hs_seconds")"
  stop_all
fi

echo "== plain HTTP (tls.enabled false)" >&2
start auth "$ec" -Ddw.tls.enabled=false
start order "$ec" -Ddw.tls.enabled=false -Ddw.auth.url=http://localhost:8443
for clients in 1 16; do
  out=$(load http "$clients")
  record "plain.$clients.throughput" "$(field throughput <<<"$out")"
  record "plain.$clients.p50" "$(field p50_ms <<<"$out")"
  record "plain.$clients.p99" "$(field p99_ms <<<"$out")"
done
stop_all

ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }
mkdir -p target/bench
{
  echo "# scripts/bench.sh$($quick && echo ' --quick') — $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ { print $2 }') GiB, $(java -version 2>&1 | head -1), $(openssl version)."
  echo "Load: ${seconds}s per run after ${warmup}s of warm-up; handshakes: openssl s_time for ${hs_seconds}s."
  echo
  echo "| place order, keep-alive | mTLS orders/s | plain orders/s | mTLS / plain | mTLS p50 / p99 ms | plain p50 / p99 ms |"
  echo "|---|---|---|---|---|---|"
  for c in 1 16; do
    echo "| $c client$([[ $c == 1 ]] || echo s) | $(value mtls.$c.throughput) | $(value plain.$c.throughput) |" \
      "$(ratio "$(value mtls.$c.throughput)" "$(value plain.$c.throughput)") |" \
      "$(value mtls.$c.p50) / $(value mtls.$c.p99) | $(value plain.$c.p50) / $(value plain.$c.p99) |"
  done
  echo
  echo "Errors during mTLS load: $(( $(value mtls.1.errors) + $(value mtls.16.errors) ))." \
    "TLS handshakes order -> auth per 1,000 orders: **$(value reuse.per1000)** (client pool: 64 per route)."
  echo
  echo "| handshakes per second (one openssl s_time client) | full | resumed | RSA-2048 full |"
  echo "|---|---|---|---|"
  echo "| auth, tls.provider jsse (default) | $(value hs.jsse.full) | $(value hs.jsse.resumed) | $(value hs.jsse.rsa) |"
  echo "| auth, tls.provider conscrypt | $(value hs.conscrypt.full) | $(value hs.conscrypt.resumed) | $(value hs.conscrypt.rsa) |"
  if [[ -n $(value hs.jdk25.full) ]]; then
    echo "| auth, jsse on $("$java25" -version 2>&1 | head -1 | cut -d'"' -f2) | $(value hs.jdk25.full) | $(value hs.jdk25.resumed) | |"
  fi
  echo "| openssl s_server, same certificate | $(value hs.openssl.full) | $(value hs.openssl.resumed) | $(value hs.openssl.rsa) |"
  echo "| jsse / openssl | $(ratio "$(value hs.jsse.full)" "$(value hs.openssl.full)") |" \
    "$(ratio "$(value hs.jsse.resumed)" "$(value hs.openssl.resumed)") | $(ratio "$(value hs.jsse.rsa)" "$(value hs.openssl.rsa)") |"
  echo "| conscrypt / openssl | $(ratio "$(value hs.conscrypt.full)" "$(value hs.openssl.full)") |" \
    "$(ratio "$(value hs.conscrypt.resumed)" "$(value hs.openssl.resumed)") | $(ratio "$(value hs.conscrypt.rsa)" "$(value hs.openssl.rsa)") |"
  if [[ -n $(value hs.jdk25.full) ]]; then
    echo "| jsse on JDK $("$java25" -version 2>&1 | head -1 | cut -d'"' -f2 | cut -d. -f1) / openssl |" \
      "$(ratio "$(value hs.jdk25.full)" "$(value hs.openssl.full)") | $(ratio "$(value hs.jdk25.resumed)" "$(value hs.openssl.resumed)") | |"
  fi
  echo
  echo "| service | start to healthy | resident memory at rest |"
  echo "|---|---|---|"
  echo "| auth | $(printf '%.1f' "$(value auth.startup)") s | $(value auth.rss) MB |"
  echo "| order | $(printf '%.1f' "$(value order.startup)") s | $(value order.rss) MB |"
} | tee target/bench/report.md
