#!/usr/bin/env bash
# Benchmarks kong-java against nginx as the same reverse proxy, on one pinned core each.
# Usage: benchmarks/run.sh [-d SECONDS] [-c CONNECTIONS] [-r ROUTES] [-w JIT_WARMUP_SECONDS] [--no-build]
# Results: benchmarks/results/<UTC timestamp>/ (summary.txt plus every raw wrk output). See benchmarks/README.md.
set -euo pipefail

DURATION=10        # measured seconds per run, each after a warm-up of max(DURATION, 10) s (JIT, pools)
CONNS=50
ROUTES=10000
IDLE=1000
JIT_WARMUP=30      # extra seconds of load on kong-java before its first measured run (C2 compiles on the pinned core)
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    -d) DURATION=$2; shift 2 ;;
    -c) CONNS=$2; shift 2 ;;
    -r) ROUTES=$2; shift 2 ;;
    -w) JIT_WARMUP=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) echo "Error: unknown option $1" >&2; exit 2 ;;
  esac
done

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
. "$REPO/scripts/java-env.sh"
kj_find_jdk || exit 1

for tool in nginx wrk taskset curl python3; do
  command -v "$tool" >/dev/null || { echo "Error: $tool is needed (Debian: apt-get install nginx-light wrk util-linux curl python3)" >&2; exit 1; }
done

JAR="$REPO/gateway-dist/target/kong-java.jar"
if [ "$BUILD" = 1 ]; then
  stale=""
  [ -f "$JAR" ] && stale=$(find "$REPO" -path "$REPO/*/target" -prune -o \( -name '*.java' -o -name pom.xml \) -newer "$JAR" -print -quit)
  if [ ! -f "$JAR" ] || [ -n "$stale" ]; then
    echo "Building kong-java..." >&2
    (cd "$REPO" && MAVEN_OPTS=--sun-misc-unsafe-memory-access=allow mvn -B -q -DskipTests -pl gateway-dist -am package) >&2
  fi
fi
[ -f "$JAR" ] || { echo "Error: $JAR missing; build with mvn -DskipTests -pl gateway-dist -am package" >&2; exit 1; }

NCPU=$(nproc)
PROXY_CPU=0
LOAD_CPU=1
if [ "$NCPU" -lt 2 ]; then
  echo "Warning: only $NCPU CPU; proxy and load generator share it, figures are not meaningful" >&2
  LOAD_CPU=0
elif [ "$NCPU" -gt 2 ]; then
  LOAD_CPU="1-$((NCPU - 1))"
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$HERE/results/$STAMP"
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/kong-java-bench.XXXXXX)
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib/common.sh" # free_port, wait_port, ratio

BODY=$(printf 'x%.0s' $(seq 1 100))   # 100-byte response body

start_nginx() { # name cpu server-block: starts nginx pinned to cpu; sets NGINX_PORT
  local name=$1 cpu=$2 block=$3 port dir
  dir="$WORK/$name"; mkdir -p "$dir/tmp"
  port=$(free_port)
  cat > "$dir/nginx.conf" <<CONF
$( [ "$(id -u)" = 0 ] && echo "user root;" )
daemon off;
worker_processes 1;
worker_rlimit_nofile 65536;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path $dir/tmp/body; proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fcgi; uwsgi_temp_path $dir/tmp/uwsgi; scgi_temp_path $dir/tmp/scgi;
  keepalive_requests 1000000;
  $(printf '%s' "$block" | sed "s/@PORT@/$port/g")
}
CONF
  taskset -c "$cpu" nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/console.log" 2>&1 &
  PIDS+=($!)
  wait_port "$port"
  NGINX_PORT=$port
}

# wrk -> "requests/s p99(ms)"; raw output kept in $OUT/<label>.txt
bench() { # label url
  local label=$1 url=$2
  taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"$(( DURATION > 10 ? DURATION : 10 ))s" "$url" >/dev/null   # warm-up
  taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "$url" > "$OUT/$label.txt"
  local rps p99 errors
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$OUT/$label.txt")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; print v}' "$OUT/$label.txt")
  errors=$(awk '/Non-2xx or 3xx responses:/ {print $5} /Socket errors:/ {print}' "$OUT/$label.txt" | tr '\n' ' ')
  [ -n "$errors" ] && echo "Warning: $label: $errors" >&2
  echo "$rps $p99"
}

# Sourced by another benchmark (KJ_BENCH_LIB=1 . run.sh [options]): stop here with the helpers above defined.
if [ "${KJ_BENCH_LIB:-0}" = 1 ]; then return 0; fi

echo "Results in $OUT (proxy on CPU $PROXY_CPU, wrk and origin on CPU $LOAD_CPU, $CONNS connections, ${DURATION}s runs)" >&2

# 1. Origin: a static 100-byte answer.
start_nginx origin "$LOAD_CPU" "server { listen 127.0.0.1:@PORT@; location / { default_type text/plain; return 200 '$BODY'; } }"
ORIGIN=$NGINX_PORT

# 2. nginx as the equivalent reverse proxy (upstream keepalive, Kong-like forwarding headers).
start_nginx nginx-proxy "$PROXY_CPU" "upstream origin { server 127.0.0.1:$ORIGIN; keepalive 512; }
  server { listen 127.0.0.1:@PORT@ reuseport backlog=16384;
    location / {
      proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection \"keep-alive\";
      proxy_set_header Host \$http_host; proxy_set_header X-Real-IP \$remote_addr;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$host; proxy_set_header X-Forwarded-Port \$server_port;
      proxy_set_header X-Forwarded-Path \$request_uri;
    } }"
NGX=$NGINX_PORT

# 3. kong-java, pinned to the same single core, fixed heap.
PREFIX="$WORK/kong-java"; mkdir -p "$PREFIX"
cat > "$WORK/kong.conf" <<CONF
proxy_listen = 127.0.0.1:0 reuseport backlog=16384
admin_listen = 127.0.0.1:0
status_listen = off
proxy_access_log = off
log_level = warn
CONF
JAVA_OPTS="-Xms256m -Xmx256m -XX:+AlwaysPreTouch" taskset -c "$PROXY_CPU" \
  "$REPO/gateway-dist/src/main/dist/bin/kong-java" start -c "$WORK/kong.conf" -p "$PREFIX" > "$OUT/kong-java-console.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 600); do [ -f "$PREFIX/listeners.json" ] && break; sleep 0.05; done
[ -f "$PREFIX/listeners.json" ] || { echo "Error: kong-java did not start"; cat "$OUT/kong-java-console.log"; exit 1; } >&2
port_of() { python3 -c "import json,sys; print([l['port'] for l in json.load(open('$PREFIX/listeners.json')) if l['key']=='$1' and not l['ssl']][0])"; }
KJ=$(port_of proxy_listen)
ADMIN=$(port_of admin_listen)
KJ_PID=$(cat "$PREFIX/pids/kong-java.pid")
curl -sf -o /dev/null -X POST "127.0.0.1:$ADMIN/services" -d name=origin -d "url=http://127.0.0.1:$ORIGIN"
curl -sf -o /dev/null -X POST "127.0.0.1:$ADMIN/services/origin/routes" -d name=bench -d 'paths[]=/bench' -d strip_path=false
[ "$(curl -s "127.0.0.1:$KJ/bench")" = "$BODY" ] || { echo "Error: kong-java does not proxy /bench" >&2; exit 1; }

read -r O_RPS O_P99 <<< "$(bench origin-direct "http://127.0.0.1:$ORIGIN/bench")"
read -r N_RPS N_P99 <<< "$(bench nginx-proxy "http://127.0.0.1:$NGX/bench")"
[ "$JIT_WARMUP" -gt 0 ] && taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${JIT_WARMUP}s" "http://127.0.0.1:$KJ/bench" >/dev/null
read -r K_RPS K_P99 <<< "$(bench kong-java-1-route "http://127.0.0.1:$KJ/bench")"

# 4. The same with ROUTES more routes loaded through the Admin API.
LOAD_LOG=$(python3 "$HERE/lib/load_routes.py" "$ADMIN" origin "$ROUTES")
REGEX_I=$(( (ROUTES - 1) / 4 * 4 + 2 ))   # the last regex route: worst case for a router that scans regexes
[ "$REGEX_I" -ge "$ROUTES" ] && REGEX_I=$((REGEX_I - 4))
[ "$(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$KJ/r$REGEX_I/42")" = 200 ] || { echo "Error: regex route r$REGEX_I not served" >&2; exit 1; }
read -r K10_RPS K10_P99 <<< "$(bench kong-java-${ROUTES}-routes "http://127.0.0.1:$KJ/bench")"
read -r KR_RPS KR_P99 <<< "$(bench kong-java-${ROUTES}-routes-last-regex "http://127.0.0.1:$KJ/r$REGEX_I/42")"

# 5. Heap with IDLE open idle client connections (after a full GC, before and after opening them).
JCMD="$JAVA_HOME/bin/jcmd"; JSTAT="$JAVA_HOME/bin/jstat"
heap_used_kb() {
  "$JCMD" "$KJ_PID" GC.run >/dev/null
  "$JSTAT" -gc "$KJ_PID" | awk 'NR==1 {for (i=1;i<=NF;i++) h[$i]=i} NR==2 {printf "%.0f\n", $h["S0U"]+$h["S1U"]+$h["EU"]+$h["OU"]}'
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$KJ_PID/status"; }
HEAP0=$(heap_used_kb); RSS0=$(rss_kb)
exec {IDLE_IN}> >(python3 "$HERE/lib/idle_conns.py" "$KJ" "$IDLE" /bench > "$WORK/idle.out" 2>&1)
for i in $(seq 1 600); do grep -q ready "$WORK/idle.out" 2>/dev/null && break; sleep 0.05; done
grep -q "ready $IDLE" "$WORK/idle.out" || { echo "Error: could not open $IDLE connections: $(cat "$WORK/idle.out")" >&2; exit 1; }
HEAP1=$(heap_used_kb); RSS1=$(rss_kb)
exec {IDLE_IN}>&-

{
  echo "kong-java benchmark, $STAMP"
  echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(uname -sr)"
  echo "java: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1); nginx: $(nginx -v 2>&1 | cut -d/ -f2); wrk -t1 -c$CONNS -d${DURATION}s"
  echo "proxies pinned to CPU $PROXY_CPU; wrk and the origin on CPU $LOAD_CPU; kong-java JAVA_OPTS=-Xms256m -Xmx256m"
  echo
  printf '%-40s %12s %10s\n' "scenario (100-byte keep-alive GET)" "requests/s" "p99 ms"
  printf '%-40s %12s %10s\n' "origin direct (no proxy; ceiling)" "$O_RPS" "$O_P99"
  printf '%-40s %12s %10s\n' "nginx reverse proxy" "$N_RPS" "$N_P99"
  printf '%-40s %12s %10s\n' "kong-java, 1 route" "$K_RPS" "$K_P99"
  printf '%-40s %12s %10s\n' "kong-java, $ROUTES routes" "$K10_RPS" "$K10_P99"
  printf '%-40s %12s %10s\n' "kong-java, $ROUTES routes, last regex" "$KR_RPS" "$KR_P99"
  echo
  echo "throughput kong-java / nginx:            $(ratio "$K_RPS" "$N_RPS")"
  echo "p99 kong-java / nginx:                   $(ratio "$K_P99" "$N_P99")"
  echo "throughput $ROUTES routes / 1 route:      $(ratio "$K10_RPS" "$K_RPS")"
  echo "throughput last regex / 1 route:         $(ratio "$KR_RPS" "$K_RPS")"
  echo "$LOAD_LOG"
  echo
  echo "heap used after full GC: $((HEAP0 / 1024)) MB idle, $((HEAP1 / 1024)) MB with $IDLE idle keep-alive connections" \
       "($(( (HEAP1 - HEAP0) * 1024 / IDLE )) bytes per connection)"
  echo "RSS: $((RSS0 / 1024)) MB -> $((RSS1 / 1024)) MB"
} | tee "$OUT/summary.txt"
