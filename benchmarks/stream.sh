#!/usr/bin/env bash
# Benchmarks kong-java's stream proxy against nginx's stream module, each pinned to the same single core.
# Usage: benchmarks/stream.sh [-d SECONDS] [-w JIT_WARMUP_SECONDS] [--no-build]
# Scenarios (wrk drives HTTP through the TCP proxies; an nginx origin serves the bytes):
#   bulk      plain TCP, 8 keep-alive connections fetching a 1 MiB file: MB/s through the proxy
#   connect   plain TCP, 50 connections, "Connection: close": every request is a new proxied connection
#   tls       TLS terminated by the proxy (same certificate for both), 8 keep-alive connections, 1 MiB file
# Results: benchmarks/results/stream-<UTC timestamp>/ (summary.txt plus the raw wrk outputs).
set -euo pipefail

DURATION=10
JIT_WARMUP=30      # extra seconds of load on kong-java before its first measured run (C2 compiles on the pinned core)
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    -d) DURATION=$2; shift 2 ;;
    -w) JIT_WARMUP=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "Error: unknown option $1" >&2; exit 2 ;;
  esac
done

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
. "$REPO/scripts/java-env.sh"
kj_find_jdk || exit 1
. "$HERE/lib/common.sh"

for tool in nginx wrk taskset curl python3 openssl; do
  command -v "$tool" >/dev/null || { echo "Error: $tool is needed (Debian: apt-get install nginx-light wrk util-linux curl python3 openssl)" >&2; exit 1; }
done
STREAM_MOD=/usr/lib/nginx/modules/ngx_stream_module.so
if ! nginx -V 2>&1 | grep -q -- '--with-stream ' && [ ! -f "$STREAM_MOD" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing nginx's stream module (libnginx-mod-stream)..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libnginx-mod-stream >/dev/null
  else
    echo "Error: nginx has no stream module; install libnginx-mod-stream" >&2; exit 1
  fi
fi
LOAD_MODULE=""
[ -f "$STREAM_MOD" ] && LOAD_MODULE="load_module $STREAM_MOD;"

JAR="$REPO/gateway-dist/target/kong-java.jar"
if [ "$BUILD" = 1 ]; then
  stale=""
  [ -f "$JAR" ] && stale=$(find "$REPO" -path "$REPO/*/target" -prune -o \( -name '*.java' -o -name pom.xml \) -newer "$JAR" -print -quit)
  if [ ! -f "$JAR" ] || [ -n "$stale" ]; then
    echo "Building kong-java..." >&2
    (cd "$REPO" && MAVEN_OPTS=--sun-misc-unsafe-memory-access=allow mvn -B -q -DskipTests -pl gateway-dist -am package) >&2
  fi
fi

PROXY_CPU=0
LOAD_CPU=1
[ "$(nproc)" -lt 2 ] && { echo "Warning: one CPU; figures are not meaningful" >&2; LOAD_CPU=0; }
[ "$(nproc)" -gt 2 ] && LOAD_CPU="1-$(( $(nproc) - 1 ))"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$HERE/results/stream-$STAMP"
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/kong-java-stream-bench.XXXXXX)
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# One certificate for both proxies' TLS.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/tls.key" -out "$WORK/tls.crt" -days 2 \
  -subj /CN=bench.test >/dev/null 2>&1
head -c 1048576 /dev/urandom > "$WORK/big.bin"

nginx_conf() { # dir body
  cat > "$1/nginx.conf" <<CONF
$LOAD_MODULE
$( [ "$(id -u)" = 0 ] && echo "user root;" )
daemon off;
worker_processes 1;
worker_rlimit_nofile 65536;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 16384; }
$2
CONF
}

# 1. Origin (HTTP, on the load CPU): /big = 1 MiB, /small = 100 bytes.
mkdir -p "$WORK/origin/tmp" "$WORK/origin/www"; cp "$WORK/big.bin" "$WORK/origin/www/big"
printf 'x%.0s' $(seq 1 100) > "$WORK/origin/www/small"
ORIGIN=$(free_port)
nginx_conf "$WORK/origin" "http { access_log off; sendfile on; keepalive_requests 1000000;
  client_body_temp_path $WORK/origin/tmp/b; proxy_temp_path $WORK/origin/tmp/p; fastcgi_temp_path $WORK/origin/tmp/f;
  uwsgi_temp_path $WORK/origin/tmp/u; scgi_temp_path $WORK/origin/tmp/s;
  server { listen 127.0.0.1:$ORIGIN backlog=16384; root $WORK/origin/www; } }"
taskset -c "$LOAD_CPU" nginx -p "$WORK/origin" -c "$WORK/origin/nginx.conf" -e "$WORK/origin/error.log" >/dev/null 2>&1 &
PIDS+=($!)
wait_port "$ORIGIN"

# 2. nginx stream proxy (pinned like kong-java): plain and ssl ports to the origin.
mkdir -p "$WORK/ngx"
NGX_PLAIN=$(free_port); NGX_TLS=$(free_port)
nginx_conf "$WORK/ngx" "stream { upstream origin { server 127.0.0.1:$ORIGIN; }
  server { listen 127.0.0.1:$NGX_PLAIN reuseport backlog=16384; proxy_pass origin; }
  server { listen 127.0.0.1:$NGX_TLS ssl reuseport backlog=16384; ssl_certificate $WORK/tls.crt;
           ssl_certificate_key $WORK/tls.key; proxy_pass origin; } }"
taskset -c "$PROXY_CPU" nginx -p "$WORK/ngx" -c "$WORK/ngx/nginx.conf" -e "$WORK/ngx/error.log" >/dev/null 2>&1 &
PIDS+=($!)
wait_port "$NGX_PLAIN"

# 3. kong-java, same core, fixed heap, no access log lines.
PREFIX="$WORK/kong-java"; mkdir -p "$PREFIX"
cat > "$WORK/kong.conf" <<CONF
proxy_listen = off
admin_listen = 127.0.0.1:0
status_listen = off
stream_listen = 127.0.0.1:0 reuseport backlog=16384, 127.0.0.1:0 ssl reuseport backlog=16384
ssl_cert = $WORK/tls.crt
ssl_cert_key = $WORK/tls.key
log_level = warn
CONF
JAVA_OPTS="-Xms256m -Xmx256m -XX:+AlwaysPreTouch" taskset -c "$PROXY_CPU" \
  "$REPO/gateway-dist/src/main/dist/bin/kong-java" start -c "$WORK/kong.conf" -p "$PREFIX" > "$OUT/kong-java-console.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 600); do [ -f "$PREFIX/listeners.json" ] && break; sleep 0.05; done
[ -f "$PREFIX/listeners.json" ] || { echo "Error: kong-java did not start"; cat "$OUT/kong-java-console.log"; exit 1; } >&2
port_of() { python3 -c "import json; print([l['port'] for l in json.load(open('$PREFIX/listeners.json')) if l['key']=='$1' and l['ssl']==$2][0])"; }
KJ_PLAIN=$(port_of stream_listen False)
KJ_TLS=$(port_of stream_listen True)
ADMIN=$(port_of admin_listen False)
curl -sf -o /dev/null -X POST "127.0.0.1:$ADMIN/services" -H 'content-type: application/json' \
  -d "{\"name\":\"origin\",\"protocol\":\"tcp\",\"host\":\"127.0.0.1\",\"port\":$ORIGIN}"
curl -sf -o /dev/null -X POST "127.0.0.1:$ADMIN/services/origin/routes" -H 'content-type: application/json' \
  -d "{\"name\":\"plain\",\"protocols\":[\"tcp\"],\"destinations\":[{\"port\":$KJ_PLAIN}]}"
curl -sf -o /dev/null -X POST "127.0.0.1:$ADMIN/services/origin/routes" -H 'content-type: application/json' \
  -d "{\"name\":\"tls\",\"protocols\":[\"tls\"],\"destinations\":[{\"port\":$KJ_TLS}]}"
for p in "$KJ_PLAIN" "$NGX_PLAIN"; do
  [ "$(curl -s "http://127.0.0.1:$p/small" | wc -c)" = 100 ] || { echo "Error: port $p does not proxy" >&2; exit 1; }
done
for p in "$KJ_TLS" "$NGX_TLS"; do
  [ "$(curl -sk "https://127.0.0.1:$p/small" | wc -c)" = 100 ] || { echo "Error: TLS port $p does not proxy" >&2; exit 1; }
done

# wrk helpers: raw output in $OUT/<label>.txt; prints requests/s and MB/s.
run_wrk() { # label conns url [extra wrk args...]
  local label=$1 conns=$2 url=$3; shift 3
  taskset -c "$LOAD_CPU" wrk -t1 -c"$conns" -d"$DURATION"s "$@" "$url" >/dev/null   # warm-up (JIT, pools)
  taskset -c "$LOAD_CPU" wrk -t1 -c"$conns" -d"$DURATION"s "$@" "$url" > "$OUT/$label.txt"
  awk '/^Requests\/sec:/ {r=$2} /^Transfer\/sec:/ {t=$2; if (t ~ /GB$/) {sub(/GB$/,"",t); t=t*1024} else if (t ~ /MB$/) {sub(/MB$/,"",t)} else if (t ~ /KB$/) {sub(/KB$/,"",t); t=t/1024}} END {printf "%s %.1f\n", r, t}' "$OUT/$label.txt"
  grep -q "Socket errors\|Non-2xx" "$OUT/$label.txt" && echo "Warning: $label: $(grep 'Socket errors\|Non-2xx' "$OUT/$label.txt")" >&2 || true
}

echo "Results in $OUT (proxies on CPU $PROXY_CPU; wrk and origin on CPU $LOAD_CPU; ${DURATION}s runs)" >&2
if [ "$JIT_WARMUP" -gt 0 ]; then   # both kinds of load, so C2 has compiled the connect and the relay paths
  taskset -c "$LOAD_CPU" wrk -t1 -c50 -d"$(( JIT_WARMUP / 2 ))s" -H 'Connection: close' "http://127.0.0.1:$KJ_PLAIN/small" >/dev/null
  taskset -c "$LOAD_CPU" wrk -t1 -c8 -d"$(( JIT_WARMUP / 2 ))s" "https://127.0.0.1:$KJ_TLS/big" >/dev/null
fi
read -r _ N_BULK <<< "$(run_wrk nginx-bulk 8 "http://127.0.0.1:$NGX_PLAIN/big")"
read -r _ K_BULK <<< "$(run_wrk kong-java-bulk 8 "http://127.0.0.1:$KJ_PLAIN/big")"
read -r N_CONN _ <<< "$(run_wrk nginx-connect 50 "http://127.0.0.1:$NGX_PLAIN/small" -H 'Connection: close')"
read -r K_CONN _ <<< "$(run_wrk kong-java-connect 50 "http://127.0.0.1:$KJ_PLAIN/small" -H 'Connection: close')"
read -r _ N_TLS <<< "$(run_wrk nginx-tls 8 "https://127.0.0.1:$NGX_TLS/big")"
read -r _ K_TLS <<< "$(run_wrk kong-java-tls 8 "https://127.0.0.1:$KJ_TLS/big")"

{
  echo "kong-java stream proxy vs nginx stream, $STAMP"
  echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(uname -sr)"
  echo "java: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1); nginx: $(nginx -v 2>&1 | cut -d/ -f2); wrk -t1 -d${DURATION}s"
  echo "proxies pinned to CPU $PROXY_CPU (1 nginx worker; kong-java -Xmx256m); wrk and the nginx origin on CPU $LOAD_CPU"
  echo
  printf '%-52s %12s %12s %8s\n' scenario nginx kong-java ratio
  printf '%-52s %12s %12s %8s\n' "bulk: 1 MiB GETs, 8 keep-alive conns (MB/s)" "$N_BULK" "$K_BULK" "$(ratio "$K_BULK" "$N_BULK")"
  printf '%-52s %12s %12s %8s\n' "new connections: 100 B, Connection: close (conn/s)" "$N_CONN" "$K_CONN" "$(ratio "$K_CONN" "$N_CONN")"
  printf '%-52s %12s %12s %8s\n' "TLS terminated: 1 MiB GETs, 8 conns (MB/s)" "$N_TLS" "$K_TLS" "$(ratio "$K_TLS" "$N_TLS")"
} | tee "$OUT/summary.txt"
