#!/usr/bin/env bash
# Measures what mTLS costs on this machine, side by side with plain HTTP and with openssl.
# See --help; BENCHMARKS.md explains the figures.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'HELP'
Usage: scripts/bench.sh [--quick] [--only orders|handshakes|storm] [--reps N] [--storm-clients N] [--storm-no-retry]
                       [--java PATH] [--rsa]

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
  handshakes  mTLS handshakes per second of auth with EC P-256 certificates, one client at a time,
              for each option side by side (tls.provider auto, conscrypt, accp and jsse on the
              services' JDK; auto, accp and jsse on the build's JDK 17 as well), each cell measured
              alternately with openssl s_server serving the same certificate (the median of N
              ratios, and the server CPU per handshake of each): full TLS 1.3 with an X25519 key
              share (openssl s_time), full TLS 1.3 from a client offering P-256 first, full TLS
              1.2, resumed TLS 1.2 (s_time -reuse) and resumed TLS 1.3 (scripts/bench/
              tls13_resume.c, built with cc and libssl-dev; n/a without them)
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
  --java PATH        the java that runs the services (default: the newest JDK of 21 or later
                     under /usr/lib/jvm, as the image runs JDK 25; else java on the PATH)
  --rsa              handshakes: also full TLS 1.3 with RSA-2048 certificates
HELP
}
quick=false only="" reps="" storm_clients=200 storm_retry=true service_java="" with_rsa=false
while (($#)); do
  case "$1" in
    --quick) quick=true; shift ;;
    --only) only=${2:?--only needs orders, handshakes or storm}; shift 2 ;;
    --reps) reps=${2:?--reps needs a number}; shift 2 ;;
    --storm-clients) storm_clients=${2:?--storm-clients needs a number}; shift 2 ;;
    --storm-no-retry) storm_retry=false; shift ;;
    --java) service_java=${2:?--java needs the path of a java}; shift 2 ;;
    --rsa) with_rsa=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$only" in ""|orders|handshakes|storm) ;; *) echo "bench.sh: --only orders, handshakes or storm, not $only" >&2; exit 2 ;; esac
[[ -z $reps || $reps =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: --reps must be a positive number" >&2; exit 2; }
[[ $storm_clients =~ ^[1-9][0-9]*$ ]] && ((storm_clients <= 1000)) || { echo "bench.sh: --storm-clients must be 1 to 1000" >&2; exit 2; }
part() { [[ -z $only || $only == "$1" ]]; }
if $quick; then warmup=2 seconds=4 rounds=1 hs_seconds=2 hs_warm=2 hs_kind_warm=1; else warmup=10 seconds=20 rounds=2 hs_seconds=5 hs_warm=10 hs_kind_warm=2; fi
: "${reps:=$($quick && echo 1 || echo 3)}"
java_major() { "$1" -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p'; }
if [[ -z $service_java ]]; then  # the newest JDK of 21 or later: the image runs JDK 25
  newest=0
  for candidate in /usr/lib/jvm/*/bin/java; do
    version=$(java_major "$candidate")
    if [[ -n $version ]] && ((version >= 21 && version > newest)); then service_java=$candidate newest=$version; fi
  done
  : "${service_java:=$(command -v java)}"
fi
[[ -x $service_java ]] || { echo "bench.sh: --java $service_java is not an executable" >&2; exit 2; }
build_java=$(command -v java)  # the JDK the build and the tests run on (17)

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
  "${java_bin:-$service_java}" -Ddw.tls.ca_cert="$dir/ca-cert.pem" -Ddw.tls.server_cert="$dir/$svc-cert.pem" \
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
# The handshake part's clients, one connection at a time, the same for auth and for openssl s_server.
# hs_client KIND PORT DIR SECONDS: prints the client's output
hs_client() {
  local kind=$1 port=$2 dir=$3 secs=$4
  local client=(-connect "localhost:$port" -cert "$dir/gateway-cert.pem" -key "$dir/gateway-key.pem" -CAfile "$dir/ca-cert.pem")
  case $kind in
    full13|rsa13) openssl s_time "${client[@]}" -new -time "$secs" ;;      # an X25519 key share only
    full13p256) OPENSSL_CONF=$work/p256-first.cnf openssl s_time "${client[@]}" -new -time "$secs" ;;
    full12) openssl s_time "${client[@]}" -new -tls1_2 -time "$secs" ;;
    resumed12) openssl s_time "${client[@]}" -reuse -tls1_2 -time "$secs" ;;
    resumed13) "$tls13_resume" localhost "$port" "$dir/gateway-cert.pem" "$dir/gateway-key.pem" "$dir/ca-cert.pem" "$secs" ;;
  esac
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }  # user + system time of a process
clock_ticks=$(getconf CLK_TCK)
# hs_measure KIND PORT DIR PID: "<handshakes/s> <server CPU ms per handshake> <% resumed>" of one
# client run of hs_seconds, PID being the server's process
hs_measure() {
  local kind=$1 port=$2 dir=$3 pid=$4 began cpu out count resumed=""
  cpu=$(cpu_ticks "$pid")
  began=$(date +%s.%N)
  out=$(hs_client "$kind" "$port" "$dir" "$hs_seconds" 2>&1) || true
  local elapsed; elapsed=$(calc "$(date +%s.%N) - $began")
  cpu=$(($(cpu_ticks "$pid") - cpu))
  if [[ $kind == resumed13 ]]; then
    read -r count resumed _ <<<"$(tail -n 1 <<<"$out")"
  else
    count=$(awk '/connections in .* real seconds/ { print $1; exit }' <<<"$out")
    # s_time marks each connection: r resumed, * (or t, 3) not
    [[ $kind == resumed12 ]] && resumed=$(grep -E '^[rt3*]+$' <<<"$out" | tr -cd r | wc -c)
  fi
  [[ $count =~ ^[0-9]+$ ]] || count=0
  [[ $resumed =~ ^[0-9]+$ ]] || resumed=$count
  awk -v n="$count" -v t="$elapsed" -v c="$cpu" -v hz="$clock_ticks" -v r="$resumed" 'BEGIN {
    if (n > 0) printf "%.0f %.3f %.0f", n / t, c * 1000 / hz / n, r * 100 / n; else printf "0 n/a 0" }'
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
providers=(jsse accp conscrypt)
# The handshake part's options, "JAVA|tls.provider", side by side: every provider on the services'
# JDK, and (not with --quick) the default and the JSSE options on the build's JDK 17 too.
hs_rows=()
for provider in auto conscrypt accp jsse; do hs_rows+=("$service_java|$provider"); done
if ! $quick && [[ $(java_major "$service_java") != $(java_major "$build_java") ]]; then
  for provider in auto accp jsse; do hs_rows+=("$build_java|$provider"); done
fi
hs_kinds=(full13 full13p256 full12 resumed12 resumed13)
declare -A hs_title=([full13]="full TLS 1.3" [full13p256]="full TLS 1.3, P-256 client" [full12]="full TLS 1.2"
  [resumed12]="resumed TLS 1.2" [resumed13]="resumed TLS 1.3" [rsa13]="full TLS 1.3, RSA-2048")
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
  echo "== handshakes per option, alternately with openssl s_server" >&2
  # a client that offers P-256 first (a key share for P-256 only), as the services' clients could
  printf '%s\n' 'openssl_conf = init' '[init]' 'ssl_conf = ssl' '[ssl]' 'system_default = tls' '[tls]' \
    'Groups = P-256:X25519' >"$work/p256-first.cnf"
  tls13_resume=""
  if cc -O2 -o "$work/tls13_resume" scripts/bench/tls13_resume.c -lssl -lcrypto 2>"$work/cc.log"; then
    tls13_resume=$work/tls13_resume
  else
    echo "bench.sh: resumed TLS 1.3 is not measured: scripts/bench/tls13_resume.c needs cc and libssl-dev" >&2
    hs_kinds=("${hs_kinds[@]/resumed13}")
  fi
  $with_rsa && hs_kinds+=(rsa13)
  for row in "${!hs_rows[@]}"; do
    IFS='|' read -r row_java provider <<<"${hs_rows[$row]}"
    record "hs.row$row.jdk" "$(jdk_name "$row_java")"
    for key in ec rsa; do
      kinds=()
      for kind in "${hs_kinds[@]}"; do
        [[ -z $kind ]] && continue
        if [[ $kind == rsa13 ]]; then [[ $key == rsa ]] && kinds+=("$kind"); else [[ $key == ec ]] && kinds+=("$kind"); fi
      done
      ((${#kinds[@]})) || continue
      dir=$work/$key
      openssl_port=$([[ $key == ec ]] && echo 29443 || echo 29444)
      openssl_pid=${openssl_pids[$([[ $key == ec ]] && echo 0 || echo 1)]}
      java_bin=$row_java start auth "$dir" 8443 8444 -Ddw.tls.provider="$provider" -Ddw.logging.level=INFO
      service_pid=$started_pid
      if [[ $provider == auto ]]; then
        record "hs.row$row.chosen" "$(sed -n 's/.*tls.provider auto: \([a-z]*\).*/\1/p' "$work/auth-8443.log" | tail -n 1)"
      fi
      ((hs_warm == 0)) || hs_client full13 8443 "$dir" "$hs_warm" >/dev/null 2>&1 || true
      for kind in "${kinds[@]}"; do
        cell=hs.row$row.$kind
        hs_client "$kind" 8443 "$dir" "$hs_kind_warm" >/dev/null 2>&1 || true  # this path's JIT
        for rep in $(seq 1 "$reps"); do
          read -r service service_cpu service_resumed <<<"$(hs_measure "$kind" 8443 "$dir" "$service_pid")"
          read -r openssl openssl_cpu openssl_resumed <<<"$(hs_measure "$kind" "$openssl_port" "$dir" "$openssl_pid")"
          record "$cell.service.r$rep" "$service"
          record "$cell.openssl.r$rep" "$openssl"
          record "$cell.ratio.r$rep" "$(ratio "$service" "$openssl")"
          record "$cell.cpu.r$rep" "$service_cpu/$openssl_cpu"
          record "$cell.cpuratio.r$rep" "$(ratio "$openssl_cpu" "$service_cpu")"
          record "$cell.resumed.r$rep" "$service_resumed/$openssl_resumed"
        done
        record "$cell.median" "$(awk -v k="$cell.ratio.r" 'index($1, k) == 1 { print $2 }' "$results" | median)"
        record "$cell.cpumedian" "$(awk -v k="$cell.cpuratio.r" 'index($1, k) == 1 { print $2 }' "$results" | median)"
      done
      stop_all
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
    "$(java -version 2>&1 | head -1) (the services: $(jdk_name "$service_java")); $(openssl version | cut -d' ' -f1-2)."
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
    echo "mTLS handshakes per second of auth / of openssl s_server serving the same certificate (EC P-256)" \
      "and requiring the same client certificate, one client connection at a time: ${hs_warm}s of warm-up," \
      "then per cell $reps × (${hs_seconds}s auth, ${hs_seconds}s openssl); the median ratio. Clients:" \
      "openssl s_time (an X25519 key share; with a P-256 key share first through OPENSSL_CONF; -reuse for" \
      "TLS 1.2) and scripts/bench/tls13_resume.c for resumed TLS 1.3. Services on $(jdk_name "$service_java")."
    echo
    header="| JDK | tls.provider |" rule="|---|---|"
    for kind in "${hs_kinds[@]}"; do [[ -n $kind ]] && header+=" ${hs_title[$kind]} |" rule+="---|"; done
    hs_table() { # FIELD: one row per option
      echo "$header"
      echo "$rule"
      for row in "${!hs_rows[@]}"; do
        IFS='|' read -r _ provider <<<"${hs_rows[$row]}"
        local chosen; chosen=$(value "hs.row$row.chosen")
        local line="| $(value "hs.row$row.jdk") | $provider${chosen:+ ($chosen)}"
        for kind in "${hs_kinds[@]}"; do
          [[ -n $kind ]] || continue
          local cell=hs.row$row.$kind note=""
          # a resumption column whose connections were not resumed says so
          if [[ $kind == resumed* ]] && awk -v k="$cell.resumed.r" 'index($1, k) == 1 { split($2, p, "/"); if (p[1] < 90 || p[2] < 90) bad = 1 } END { exit !bad }' "$results"; then
            note=" (not resumed: $(awk -v k="$cell.resumed.r" 'index($1, k) == 1 { printf "%s%% ", $2 }' "$results"))"
          fi
          line+=" | **$(value "$cell.$1")**$note"
        done
        echo "$line |"
      done
    }
    hs_table median
    echo
    echo "Server CPU time per handshake, openssl s_server's / auth's (above 1: auth spends less), the median of the same runs:"
    echo
    hs_table cpumedian
    echo
    echo "Each repetition: handshakes/s of auth / of openssl, and server CPU ms per handshake (auth / openssl):"
    echo
    for row in "${!hs_rows[@]}"; do
      IFS='|' read -r _ provider <<<"${hs_rows[$row]}"
      line="- $(value "hs.row$row.jdk") $provider:"
      for kind in "${hs_kinds[@]}"; do
        [[ -n $kind ]] || continue
        cell=hs.row$row.$kind
        line+=" ${hs_title[$kind]}"
        for rep in $(seq 1 "$reps"); do
          line+=" $(value "$cell.service.r$rep")/$(value "$cell.openssl.r$rep") ($(value "$cell.cpu.r$rep") ms)"
        done
        line+=";"
      done
      echo "${line%;}."
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
