#!/usr/bin/env bash
# Upstream TLS: keep-alive requests/s through kong-java to an https origin (verified, per-service CA) against nginx
# as the same proxy (proxy_pass https:// with upstream keepalive, proxy_ssl_session_reuse on, proxy_ssl_verify on).
# Usage: benchmarks/upstream-tls.sh [-d SECONDS] [-c CONNECTIONS] [-w JIT_WARMUP_SECONDS] [--no-build]
# Options, build, CPU pinning, start_nginx and bench come from run.sh. Results: benchmarks/results/<stamp>/.
set -euo pipefail
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
KJ_BENCH_LIB=1
. "$HERE/run.sh"
OUT="$OUT-upstream-tls"; mkdir -p "$OUT"

command -v openssl >/dev/null || { echo "Error: openssl is needed" >&2; exit 1; }
# A test CA and the origin's certificate for origin.test and 127.0.0.1 (generated per run, never kept).
CERTS="$WORK/certs"; mkdir -p "$CERTS"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=Bench CA" \
  -addext "basicConstraints=critical,CA:TRUE" -keyout "$CERTS/ca.key" -out "$CERTS/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=origin.test" \
  -keyout "$CERTS/origin.key" -out "$CERTS/origin.csr" 2>/dev/null
printf 'subjectAltName=DNS:origin.test,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' > "$CERTS/ext.cnf"
openssl x509 -req -in "$CERTS/origin.csr" -CA "$CERTS/ca.pem" -CAkey "$CERTS/ca.key" -CAcreateserial -days 2 \
  -extfile "$CERTS/ext.cnf" -out "$CERTS/origin.pem" 2>/dev/null

echo "Results in $OUT (proxy on CPU $PROXY_CPU, wrk and origin on CPU $LOAD_CPU, $CONNS connections, ${DURATION}s runs)" >&2

# 1. Origin: https, a static 100-byte answer, TLS session cache for resumption.
start_nginx tls-origin "$LOAD_CPU" "server { listen 127.0.0.1:@PORT@ ssl; ssl_certificate $CERTS/origin.pem;
    ssl_certificate_key $CERTS/origin.key; ssl_session_cache shared:S:10m;
    location / { default_type text/plain; return 200 '$BODY'; } }"
ORIGIN=$NGINX_PORT
# The same origin in plain HTTP: the reference pair below (how the two proxies compare without upstream TLS).
start_nginx plain-origin "$LOAD_CPU" "server { listen 127.0.0.1:@PORT@; location / { default_type text/plain; return 200 '$BODY'; } }"
PLAIN_ORIGIN=$NGINX_PORT

# 2. nginx as the equivalent TLS reverse proxy: verified, SNI, session reuse, upstream keepalive.
start_nginx nginx-tls-proxy "$PROXY_CPU" "upstream origin { server 127.0.0.1:$ORIGIN; keepalive 512; }
  server { listen 127.0.0.1:@PORT@ reuseport backlog=16384;
    location / {
      proxy_pass https://origin; proxy_http_version 1.1; proxy_set_header Connection \"keep-alive\";
      proxy_ssl_session_reuse on; proxy_ssl_server_name on; proxy_ssl_name origin.test;
      proxy_ssl_verify on; proxy_ssl_verify_depth 1; proxy_ssl_trusted_certificate $CERTS/ca.pem;
      proxy_set_header Host \$http_host; proxy_set_header X-Real-IP \$remote_addr;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$host; proxy_set_header X-Forwarded-Port \$server_port;
      proxy_set_header X-Forwarded-Path \$request_uri;
    } }"
NGX=$NGINX_PORT
start_nginx nginx-plain-proxy "$PROXY_CPU" "upstream origin { server 127.0.0.1:$PLAIN_ORIGIN; keepalive 512; }
  server { listen 127.0.0.1:@PORT@ reuseport backlog=16384;
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection \"keep-alive\";
      proxy_set_header Host \$http_host; proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for; } }"
NGX_PLAIN=$NGINX_PORT

# 3. kong-java on the same core: a service https://127.0.0.1:<origin> verifying with the CA as a CA Certificate entity.
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
CA_ID=$(python3 -c "import json,sys; print(json.dumps({'cert': open('$CERTS/ca.pem').read()}))" \
  | curl -sf -X POST "127.0.0.1:$ADMIN/ca_certificates" -H 'Content-Type: application/json' -d @- \
  | python3 -c "import json,sys; print(json.load(sys.stdin)['id'])")
curl -sf -o /dev/null -X POST "127.0.0.1:$ADMIN/services" -H 'Content-Type: application/json' \
  -d "{\"name\":\"origin\",\"url\":\"https://127.0.0.1:$ORIGIN\",\"tls_verify\":true,\"tls_verify_depth\":1,\"ca_certificates\":[\"$CA_ID\"]}"
curl -sf -o /dev/null -X POST "127.0.0.1:$ADMIN/services/origin/routes" -d name=bench -d 'paths[]=/bench' -d strip_path=false
curl -sf -o /dev/null -X POST "127.0.0.1:$ADMIN/services" -d name=plain -d "url=http://127.0.0.1:$PLAIN_ORIGIN"
curl -sf -o /dev/null -X POST "127.0.0.1:$ADMIN/services/plain/routes" -d name=plain -d 'paths[]=/plain' -d strip_path=false
[ "$(curl -s "127.0.0.1:$KJ/bench")" = "$BODY" ] || { echo "Error: kong-java does not proxy /bench over TLS" >&2; exit 1; }
[ "$(curl -s "127.0.0.1:$NGX/bench")" = "$BODY" ] || { echo "Error: nginx does not proxy /bench over TLS" >&2; exit 1; }

read -r N_RPS N_P99 <<< "$(bench nginx-tls-proxy "http://127.0.0.1:$NGX/bench")"
[ "$JIT_WARMUP" -gt 0 ] && taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${JIT_WARMUP}s" "http://127.0.0.1:$KJ/bench" >/dev/null
read -r K_RPS K_P99 <<< "$(bench kong-java-tls-upstream "http://127.0.0.1:$KJ/bench")"
read -r NP_RPS NP_P99 <<< "$(bench nginx-plain-proxy "http://127.0.0.1:$NGX_PLAIN/plain")"
read -r KP_RPS KP_P99 <<< "$(bench kong-java-plain-upstream "http://127.0.0.1:$KJ/plain")"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'; }
{
  echo "kong-java upstream TLS benchmark, $STAMP"
  echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(uname -sr)"
  echo "java: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1); nginx: $(nginx -v 2>&1 | cut -d/ -f2); wrk -t1 -c$CONNS -d${DURATION}s"
  echo "proxies pinned to CPU $PROXY_CPU; wrk and the https origin on CPU $LOAD_CPU; upstream TLS verified (CA, depth 1)"
  echo
  printf '%-44s %12s %10s\n' "scenario (100-byte keep-alive GET, https upstream)" "requests/s" "p99 ms"
  printf '%-44s %12s %10s\n' "nginx proxy_pass https:// (keepalive, reuse)" "$N_RPS" "$N_P99"
  printf '%-44s %12s %10s\n' "kong-java, https service, tls_verify" "$K_RPS" "$K_P99"
  printf '%-44s %12s %10s\n' "reference: nginx proxy_pass http://" "$NP_RPS" "$NP_P99"
  printf '%-44s %12s %10s\n' "reference: kong-java, http service" "$KP_RPS" "$KP_P99"
  echo
  echo "throughput kong-java / nginx, https upstream:  $(ratio "$K_RPS" "$N_RPS")"
  echo "p99 kong-java / nginx, https upstream:         $(ratio "$K_P99" "$N_P99")"
  echo "throughput kong-java / nginx, http upstream:   $(ratio "$KP_RPS" "$NP_RPS")  (reference, same run)"
  echo "cost of upstream TLS, kong-java:               $(ratio "$K_RPS" "$KP_RPS") of its http throughput"
  echo "cost of upstream TLS, nginx:                   $(ratio "$N_RPS" "$NP_RPS") of its http throughput"
} | tee "$OUT/summary.txt"
