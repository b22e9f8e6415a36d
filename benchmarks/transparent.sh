#!/usr/bin/env bash
# Throughput of a transparent listener vs the same listener without the flag, inside a network namespace:
#   plain       wrk -> 127.0.0.1:15007                 (proxy_listen without 'transparent')
#   transparent wrk -> 127.0.0.1:15006                 (the same listener with 'transparent', not captured)
#   captured    wrk -> 198.18.0.10:80 --REDIRECT--> 15006 (iptables capture; the gateway reads SO_ORIGINAL_DST)
# nginx as the same reverse proxy, direct and captured by the same REDIRECT, side by side.
# Usage (root): benchmarks/transparent.sh [-d SECONDS] [-c CONNECTIONS] [-r ROUNDS] [--no-build]
# Results: benchmarks/results/transparent-<UTC timestamp>/summary.txt (and raw wrk output).
set -euo pipefail

DURATION=10
CONNS=50
ROUNDS=2          # the scenarios alternate this many times; figures are the means (shared machines drift)
JIT_WARMUP=20
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    -d) DURATION=$2; shift 2 ;;
    -c) CONNS=$2; shift 2 ;;
    -r) ROUNDS=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "Error: unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "Error: needs root (network namespace and iptables)" >&2; exit 1; }
for tool in ip iptables nginx wrk taskset curl; do
  command -v "$tool" >/dev/null || { echo "Error: $tool is needed (Debian: apt-get install iproute2 iptables nginx-light wrk util-linux curl)" >&2; exit 1; }
done

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
. "$REPO/scripts/java-env.sh"
kj_find_jdk || exit 1
JAR="$REPO/gateway-dist/target/kong-java.jar"
if [ "$BUILD" = 1 ] && [ ! -f "$JAR" ]; then
  (cd "$REPO" && MAVEN_OPTS=--sun-misc-unsafe-memory-access=allow mvn -B -q -DskipTests -pl gateway-dist -am package) >&2
fi
[ -f "$JAR" ] || { echo "Error: $JAR missing; build with mvn -DskipTests -pl gateway-dist -am package" >&2; exit 1; }

PROXY_CPU=0; LOAD_CPU=1
[ "$(nproc)" -lt 2 ] && LOAD_CPU=0
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$HERE/results/transparent-$STAMP"; mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/kong-java-tbench.XXXXXX)
NS="kjbench-$$"
PIDS=()
cleanup() {
  local p f
  # $! of a backgrounded in_ns call is a subshell, not the server: stop the servers by their pid files first.
  for f in "$WORK"/*/nginx.pid "$WORK/prefix/pids/kong-java.pid"; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
in_ns() { ip netns exec "$NS" "$@"; }

ip netns add "$NS"
in_ns ip link set lo up
in_ns ip addr add 198.18.0.10/32 dev lo
wait_port() { local i; for i in $(seq 1 400); do in_ns bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null && return 0; sleep 0.05; done; echo "Error: nothing on $1" >&2; return 1; }

BODY=$(printf 'x%.0s' $(seq 1 100))
start_nginx() { # name cpu server-blocks: one single-worker nginx in the namespace, pinned to cpu
  local name=$1 cpu=$2 block=$3 dir="$WORK/$1"
  mkdir -p "$dir/tmp"
  cat > "$dir/nginx.conf" <<CONF
user root;
daemon off;
worker_processes 1;
worker_rlimit_nofile 65536;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path $dir/tmp/body; proxy_temp_path $dir/tmp/proxy;
  keepalive_requests 1000000;
  $block
}
CONF
  in_ns taskset -c "$cpu" nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" > "$dir/console.log" 2>&1 &
  PIDS+=($!)
}
# The origin shares the load generator's CPU; each proxy has CPU 0 to itself while it is measured.
start_nginx origin "$LOAD_CPU" "server { listen 127.0.0.1:9000; location / { default_type text/plain; return 200 '$BODY'; } }"
start_nginx nginx-proxy "$PROXY_CPU" "upstream origin { server 127.0.0.1:9000; keepalive 512; }
  server { listen 0.0.0.0:15008;
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection \"keep-alive\";
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Host \$host; } }"
wait_port 9000; wait_port 15008

cat > "$WORK/kong.yml" <<YML
_format_version: "3.0"
services:
- name: origin
  url: http://127.0.0.1:9000
  routes:
  - name: bench
    paths: ["/bench"]
    strip_path: false
YML
cat > "$WORK/kong.conf" <<CONF
proxy_listen = 0.0.0.0:15006 transparent, 0.0.0.0:15007
admin_listen = off
status_listen = off
database = off
declarative_config = $WORK/kong.yml
log_level = warn
CONF
mkdir -p "$WORK/prefix"
JAVA_OPTS="-Xms256m -Xmx256m -XX:+AlwaysPreTouch" in_ns taskset -c "$PROXY_CPU" \
  "$REPO/gateway-dist/src/main/dist/bin/kong-java" start -c "$WORK/kong.conf" -p "$WORK/prefix" > "$OUT/kong-java-console.log" 2>&1 &
PIDS+=($!)
wait_port 15006; wait_port 15007

# Capture: 198.18.0.10:80 -> the transparent listener, 198.18.0.10:81 -> nginx (wrk runs in the namespace: OUTPUT).
in_ns iptables -t nat -A OUTPUT -p tcp -d 198.18.0.10 --dport 80 -j REDIRECT --to-ports 15006
in_ns iptables -t nat -A OUTPUT -p tcp -d 198.18.0.10 --dport 81 -j REDIRECT --to-ports 15008
for u in http://127.0.0.1:15007/bench http://127.0.0.1:15006/bench http://198.18.0.10/bench http://198.18.0.10:81/bench; do
  [ "$(in_ns curl -s "$u")" = "$BODY" ] || { echo "Error: $u does not answer the origin's body" >&2; exit 1; }
done

bench() { # label url -> requests/s
  local label=$1 url=$2
  in_ns taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "$url" > "$OUT/$label.txt"
  awk '/^Requests\/sec:/ {print $2}' "$OUT/$label.txt"
}
echo "JIT warm-up ${JIT_WARMUP}s..." >&2
in_ns taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${JIT_WARMUP}s" http://127.0.0.1:15007/bench >/dev/null
in_ns taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${JIT_WARMUP}s" http://198.18.0.10/bench >/dev/null

declare -A SUM RPS
SCENARIOS=(plain:http://127.0.0.1:15007/bench transparent:http://127.0.0.1:15006/bench
           captured:http://198.18.0.10/bench nginx-direct:http://127.0.0.1:15008/bench
           nginx-captured:http://198.18.0.10:81/bench)
for r in $(seq 1 "$ROUNDS"); do
  for i in "${!SCENARIOS[@]}"; do
    s=${SCENARIOS[$(( (i + r - 1) % ${#SCENARIOS[@]} ))]}   # each round starts one scenario later: no position bias
    label=${s%%:*}; url=${s#*:}
    rps=$(bench "$label-$r" "$url")
    echo "round $r $label: $rps req/s" >&2
    SUM[$label]=$(awk -v a="${SUM[$label]:-0}" -v b="$rps" 'BEGIN {print a + b}')
    RPS[$label-$r]=$rps
  done
done
mean() { awk -v s="${SUM[$1]}" -v n="$ROUNDS" 'BEGIN {printf "%.0f", s / n}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.3f", a / b }'; }
# Median over rounds of the ratio within a round: pairs runs made close together, which a drifting load favours.
paired() { # numerator denominator
  local r vals=()
  for r in $(seq 1 "$ROUNDS"); do vals+=("$(awk -v a="${RPS[$1-$r]}" -v b="${RPS[$2-$r]}" 'BEGIN {printf "%.3f", a / b}')"); done
  printf '%s\n' "${vals[@]}" | sort -n | awk '{v[NR]=$1} END {if (NR % 2) print v[(NR+1)/2]; else printf "%.3f\n", (v[NR/2]+v[NR/2+1])/2}'
}
P=$(mean plain); T=$(mean transparent); C=$(mean captured); ND=$(mean nginx-direct); NC=$(mean nginx-captured)
{
  echo "kong-java transparent listener benchmark, $STAMP ($(nproc) CPUs, $(uname -sr))"
  echo "wrk -t1 -c$CONNS -d${DURATION}s keep-alive GET of a 100-byte body, $ROUNDS alternating rounds (means);"
  echo "kong-java and the nginx proxy pinned to CPU $PROXY_CPU (-Xmx256m); wrk and the origin (nginx) on CPU $LOAD_CPU"
  echo
  printf '%-58s %12s\n' "scenario" "requests/s"
  printf '%-58s %12s\n' "kong-java, listener without 'transparent' (direct)" "$P"
  printf '%-58s %12s\n' "kong-java, same listener with 'transparent' (direct)" "$T"
  printf '%-58s %12s\n' "kong-java, 'transparent' listener, captured by REDIRECT" "$C"
  printf '%-58s %12s\n' "nginx reverse proxy (direct)" "$ND"
  printf '%-58s %12s\n' "nginx reverse proxy, captured by REDIRECT" "$NC"
  echo
  echo "transparent / plain (flag only):                 $(ratio "$T" "$P")"
  echo "captured / plain (flag + REDIRECT + SO_ORIGINAL_DST): $(ratio "$C" "$P")"
  echo "nginx captured / nginx direct (REDIRECT cost):   $(ratio "$NC" "$ND")"
  echo "kong-java captured / nginx captured:             $(ratio "$C" "$NC")"
  echo "median of per-round ratios: transparent/plain $(paired transparent plain), captured/plain $(paired captured plain)," \
       "nginx captured/direct $(paired nginx-captured nginx-direct)"
} | tee "$OUT/summary.txt"
