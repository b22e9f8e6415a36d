#!/usr/bin/env bash
# TLS and HTTP/2: kong-java against nginx with the same certificates, ciphers and core pinning, side by side.
# Usage: benchmarks/tls.sh [-d SECONDS] [-c CONNECTIONS] [-w JIT_WARMUP_SECONDS] [-n ROUNDS] [--no-build]
# Results: benchmarks/results/<UTC timestamp>/ (summary.txt plus raw wrk/h2load output). See benchmarks/README.md.
set -euo pipefail

D=10; C=50; W=30; N=2; NB=""
while [ $# -gt 0 ]; do
  case "$1" in
    -d) D=$2; shift 2 ;;
    -c) C=$2; shift 2 ;;
    -w) W=$2; shift 2 ;;
    -n) N=$2; shift 2 ;;
    --no-build) NB=--no-build; shift ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) echo "Error: unknown option $1" >&2; exit 2 ;;
  esac
done
# run.sh's set-up (JDK, build, CPU pinning, results directory, cleanup) and functions (free_port, wait_port,
# start_nginx, bench), without its scenarios.
set -- -d "$D" -c "$C" -w "$W" $NB
KJ_BENCH_LIB=1
. "$(cd "$(dirname "$(readlink -f "$0")")" && pwd)/run.sh"

for tool in h2load openssl; do
  command -v "$tool" >/dev/null || { echo "Error: $tool is needed (Debian: apt-get install nghttp2-client openssl)" >&2; exit 1; }
done

# One RSA 2048 and one ECDSA P-256 certificate, served by both proxies as a dual certificate; the client's
# signature algorithms pick one (below), as a browser's would.
CERTS="$WORK/certs"; mkdir -p "$CERTS"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$CERTS/rsa.key" -out "$CERTS/rsa.crt" -days 90 \
  -subj /CN=bench.test -addext subjectAltName=DNS:bench.test 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$CERTS/ec.key" -out "$CERTS/ec.crt" \
  -days 90 -subj /CN=bench.test -addext subjectAltName=DNS:bench.test 2>/dev/null

# Client-side OpenSSL settings for wrk and h2load (OPENSSL_CONF): TLS 1.3 only, one cipher, and the signature
# algorithms that make the server present the RSA or the ECDSA certificate.
client_conf() { # name sigalgs
  cat > "$WORK/openssl-$1.cnf" <<CONF
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MinProtocol = TLSv1.3
Ciphersuites = TLS_AES_128_GCM_SHA256
SignatureAlgorithms = $2
CONF
}
client_conf ec ecdsa_secp256r1_sha256
client_conf rsa rsa_pss_rsae_sha256

# The origin, as in run.sh: a static 100-byte answer on the load CPU.
start_nginx origin "$LOAD_CPU" "server { listen 127.0.0.1:@PORT@; location / { default_type text/plain; return 200 '$BODY'; } }"
ORIGIN=$NGINX_PORT

# nginx: TLS + HTTP/2 reverse proxy with Kong's TLS defaults (intermediate suite, session cache and tickets).
start_nginx nginx-tls "$PROXY_CPU" "upstream origin { server 127.0.0.1:$ORIGIN; keepalive 512; }
  server { listen 127.0.0.1:@PORT@ ssl http2 reuseport backlog=16384;
    ssl_certificate $CERTS/rsa.crt; ssl_certificate_key $CERTS/rsa.key;
    ssl_certificate $CERTS/ec.crt; ssl_certificate_key $CERTS/ec.key;
    ssl_protocols TLSv1.2 TLSv1.3; ssl_prefer_server_ciphers off;
    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384;
    ssl_session_cache shared:SSL:10m; ssl_session_tickets on;
    location / {
      proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection \"keep-alive\";
      proxy_set_header Host \$http_host; proxy_set_header X-Real-IP \$remote_addr;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$host; proxy_set_header X-Forwarded-Port \$server_port;
      proxy_set_header X-Forwarded-Path \$request_uri;
    } }"
NGX=$NGINX_PORT

# kong-java: the same dual certificate on an "http2 ssl" address, pinned to the same core.
PREFIX="$WORK/kong-java"; mkdir -p "$PREFIX"
cat > "$WORK/kong.conf" <<CONF
proxy_listen = 127.0.0.1:0 http2 ssl reuseport backlog=16384
admin_listen = 127.0.0.1:0
status_listen = off
proxy_access_log = off
log_level = warn
ssl_cert = $CERTS/rsa.crt, $CERTS/ec.crt
ssl_cert_key = $CERTS/rsa.key, $CERTS/ec.key
nginx_http_keepalive_requests = 1000000
CONF
JAVA_OPTS="-Xms256m -Xmx256m -XX:+AlwaysPreTouch" taskset -c "$PROXY_CPU" \
  "$REPO/gateway-dist/src/main/dist/bin/kong-java" start -c "$WORK/kong.conf" -p "$PREFIX" > "$OUT/kong-java-console.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 600); do [ -f "$PREFIX/listeners.json" ] && break; sleep 0.05; done
[ -f "$PREFIX/listeners.json" ] || { echo "Error: kong-java did not start"; cat "$OUT/kong-java-console.log"; exit 1; } >&2
listener_port() { # key ssl(True|False)
  python3 -c "import json; print([l['port'] for l in json.load(open('$PREFIX/listeners.json')) if l['key']=='$1' and l['ssl']==$2][0])"
}
KJ=$(listener_port proxy_listen True)
ADMIN=$(listener_port admin_listen False)
curl -sf -o /dev/null -X POST "127.0.0.1:$ADMIN/services" -d name=origin -d "url=http://127.0.0.1:$ORIGIN"
curl -sf -o /dev/null -X POST "127.0.0.1:$ADMIN/services/origin/routes" -d name=bench -d 'paths[]=/bench' -d strip_path=false

# Both proxies answer over h2 and present the key type the client's signature algorithms ask for.
for port in "$NGX" "$KJ"; do
  [ "$(curl -sk --http2 -o /dev/null -w '%{http_version} %{http_code}' "https://127.0.0.1:$port/bench")" = "2 200" ] \
    || { echo "Error: https://127.0.0.1:$port/bench does not answer 200 over HTTP/2" >&2; exit 1; }
  for kind in ec rsa; do
    key=$(OPENSSL_CONF="$WORK/openssl-$kind.cnf" openssl s_client -connect "127.0.0.1:$port" </dev/null 2>/dev/null \
      | awk '/^Server public key is/ {print $5}')
    want=$([ "$kind" = ec ] && echo 256 || echo 2048)
    [ "$key" = "$want" ] || { echo "Error: port $port presented a $key-bit key to a $kind client (expected $want)" >&2; exit 1; }
  done
done

# Full handshakes: h2load --h1 in bursts of 500 clients, each one new connection and one request (h2load never
# resumes a session; wrk does, after SSL_clear, so a wrk "Connection: close" run measures mostly resumptions).
# One warm-up burst, then bursts for about half the run length. -> "handshakes/s" (requests / time of the bursts)
handshakes() { # label url kind
  local label=$1 url=$2 kind=$3 i bursts=$(( D > 2 ? D / 2 : 1 ))
  OPENSSL_CONF="$WORK/openssl-$kind.cnf" taskset -c "$LOAD_CPU" h2load --h1 -n 500 -c 500 "$url" >/dev/null
  : > "$OUT/$label.txt"
  for i in $(seq 1 "$bursts"); do
    OPENSSL_CONF="$WORK/openssl-$kind.cnf" taskset -c "$LOAD_CPU" h2load --h1 -n 500 -c 500 "$url" >> "$OUT/$label.txt"
  done
  awk '/^requests:/ && ($10 != 0 || $12 != 0) {print "Warning: '"$label"': " $0 > "/dev/stderr"}' "$OUT/$label.txt"
  awk '/^finished in/ { v = $3; sub(/,$/, "", v); if (v ~ /ms$/) { sub(/ms$/, "", v); v /= 1000 } else if (v ~ /us$/) { sub(/us$/, "", v); v /= 1e6 } else { sub(/s$/, "", v) }; t += v }
       /^requests:/ { n += $8 }
       END { if (t > 0) printf "%.2f\n", n / t; else print 0 }' "$OUT/$label.txt"
}

# h2load over one TLS connection per client, 10 streams each. -> "requests/s"
h2bench() { # label url
  local label=$1 url=$2
  OPENSSL_CONF="$WORK/openssl-ec.cnf" taskset -c "$LOAD_CPU" h2load -c 10 -m 10 -D "$D" --warm-up-time=5 "$url" > "$OUT/$label.txt"
  awk '/^requests:/ && ($10 != 0 || $12 != 0) {print "Warning: '"$label"': " $0 > "/dev/stderr"}' "$OUT/$label.txt"
  awk '/^finished in/ {print $4}' "$OUT/$label.txt"
}

echo "kong-java JIT warm-up (${W}s of TLS keep-alive, h2 and handshakes)..." >&2
if [ "$W" -gt 0 ]; then
  OPENSSL_CONF="$WORK/openssl-ec.cnf" taskset -c "$LOAD_CPU" wrk -t1 -c"$C" -d"$(( W / 3 + 1 ))s" "https://127.0.0.1:$KJ/bench" >/dev/null
  OPENSSL_CONF="$WORK/openssl-ec.cnf" taskset -c "$LOAD_CPU" h2load -c 10 -m 10 -D "$(( W / 3 + 1 ))" "https://127.0.0.1:$KJ/bench" >/dev/null
  for i in $(seq 1 "$(( W / 3 + 1 ))"); do
    OPENSSL_CONF="$WORK/openssl-rsa.cnf" taskset -c "$LOAD_CPU" h2load --h1 -n 500 -c 500 "https://127.0.0.1:$KJ/bench" >/dev/null
  done
fi

# Each scenario runs N rounds, nginx and kong-java alternating, and keeps each one's best round: on a shared
# machine a round can lose much of its CPU to other processes, and the best round is the least disturbed.
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 > b + 0) ? a : b }'; }
N_KA=0; K_KA=0; N_EC=0; K_EC=0; N_RSA=0; K_RSA=0; N_H2=0; K_H2=0
for r in $(seq 1 "$N"); do
  # 1. TLS keep-alive (ECDSA certificate; the key type does not matter once the connection is up).
  export OPENSSL_CONF="$WORK/openssl-ec.cnf"
  read -r x _ <<< "$(bench nginx-tls-keepalive-$r "https://127.0.0.1:$NGX/bench")"; N_KA=$(best "$N_KA" "$x")
  read -r x _ <<< "$(bench kong-java-tls-keepalive-$r "https://127.0.0.1:$KJ/bench")"; K_KA=$(best "$K_KA" "$x")
  unset OPENSSL_CONF
  # 2. New TLS 1.3 handshakes per second, ECDSA P-256 and RSA 2048.
  N_EC=$(best "$N_EC" "$(handshakes nginx-handshakes-ecdsa-$r "https://127.0.0.1:$NGX/bench" ec)")
  K_EC=$(best "$K_EC" "$(handshakes kong-java-handshakes-ecdsa-$r "https://127.0.0.1:$KJ/bench" ec)")
  N_RSA=$(best "$N_RSA" "$(handshakes nginx-handshakes-rsa-$r "https://127.0.0.1:$NGX/bench" rsa)")
  K_RSA=$(best "$K_RSA" "$(handshakes kong-java-handshakes-rsa-$r "https://127.0.0.1:$KJ/bench" rsa)")
  # 3. HTTP/2 requests per second.
  N_H2=$(best "$N_H2" "$(h2bench nginx-h2-$r "https://127.0.0.1:$NGX/bench")")
  K_H2=$(best "$K_H2" "$(h2bench kong-java-h2-$r "https://127.0.0.1:$KJ/bench")")
done

{
  echo "kong-java TLS / HTTP/2 benchmark, $STAMP"
  echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "java: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1); nginx: $(nginx -v 2>&1 | cut -d/ -f2); $(openssl version)"
  echo "proxies pinned to CPU $PROXY_CPU; clients and origin on CPU $LOAD_CPU; TLS 1.3, TLS_AES_128_GCM_SHA256, X25519"
  echo "best of $N rounds per scenario (raw output of every round in this directory)"
  echo
  printf '%-44s %12s %12s %8s\n' "scenario" "nginx" "kong-java" "ratio"
  printf '%-44s %12s %12s %8s\n' "TLS keep-alive requests/s (wrk -c$C)" "$N_KA" "$K_KA" "$(ratio "$K_KA" "$N_KA")"
  printf '%-44s %12s %12s %8s\n' "new TLS 1.3 handshakes/s, ECDSA P-256 (*)" "$N_EC" "$K_EC" "$(ratio "$K_EC" "$N_EC")"
  printf '%-44s %12s %12s %8s\n' "new TLS 1.3 handshakes/s, RSA 2048 (*)" "$N_RSA" "$K_RSA" "$(ratio "$K_RSA" "$N_RSA")"
  printf '%-44s %12s %12s %8s\n' "HTTP/2 requests/s (h2load -c10 -m10)" "$N_H2" "$K_H2" "$(ratio "$K_H2" "$N_H2")"
  echo "(*) h2load --h1 bursts of 500 new connections, one request each, no session resumption"
} | tee "$OUT/tls-summary.txt"
