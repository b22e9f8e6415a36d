#!/usr/bin/env bash
# Cost of the PROXY protocol on a listener: keep-alive GETs through haproxy (tcp mode, the stand-in for an L4
# balancer) to the same gateway, once to a proxy_protocol listener (haproxy send-proxy-v2) and once to a plain one,
# in one run: both loaded at once (the headline ratio) and one after the other (ABBA); nginx the same way for
# comparison. Target: kong-java's ratio >= 0.97.
# Usage: [PP_ROUNDS=3] benchmarks/proxy-protocol.sh [-d SECONDS] [-c CONNECTIONS] [-w JIT_WARMUP_SECONDS] [--no-build]
# Results: benchmarks/results/<UTC timestamp>/ (summary.txt plus every raw wrk output).
set -euo pipefail
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
KJ_BENCH_LIB=1 . "$HERE/run.sh" "$@"   # options, build, CPUs, $OUT, $WORK, cleanup, free_port, wait_port, start_nginx, bench

command -v haproxy >/dev/null || { echo "Error: haproxy is needed (Debian: apt-get install haproxy)" >&2; exit 1; }
echo "Results in $OUT (proxies on CPU $PROXY_CPU; wrk, haproxy and the origin on CPU $LOAD_CPU; $CONNS connections, ${DURATION}s runs)" >&2

start_nginx origin "$LOAD_CPU" "server { listen 127.0.0.1:@PORT@; location / { default_type text/plain; return 200 '$BODY'; } }"
ORIGIN=$NGINX_PORT

# nginx with and without proxy_protocol on one server (two listen addresses), realip as Kong configures it.
NGX_PLAIN=$(free_port)
start_nginx nginx-proxy "$PROXY_CPU" "upstream origin { server 127.0.0.1:$ORIGIN; keepalive 512; }
  server { listen 127.0.0.1:@PORT@ proxy_protocol; listen 127.0.0.1:$NGX_PLAIN;
    set_real_ip_from 127.0.0.1; real_ip_header proxy_protocol;
    location / {
      proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection \"keep-alive\";
      proxy_set_header Host \$http_host; proxy_set_header X-Real-IP \$remote_addr;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$host; proxy_set_header X-Forwarded-Port \$server_port;
      proxy_set_header X-Forwarded-Path \$request_uri;
    } }"
NGX_PP=$NGINX_PORT

PREFIX="$WORK/kong-java"; mkdir -p "$PREFIX"
cat > "$WORK/kong.conf" <<CONF
proxy_listen = 127.0.0.1:0 proxy_protocol reuseport backlog=16384, 127.0.0.1:0 reuseport backlog=16384
admin_listen = 127.0.0.1:0
status_listen = off
proxy_access_log = off
log_level = warn
trusted_ips = 127.0.0.1
real_ip_header = proxy_protocol
CONF
JAVA_OPTS="-Xms256m -Xmx256m -XX:+AlwaysPreTouch" taskset -c "$PROXY_CPU" \
  "$REPO/gateway-dist/src/main/dist/bin/kong-java" start -c "$WORK/kong.conf" -p "$PREFIX" > "$OUT/kong-java-console.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 600); do [ -f "$PREFIX/listeners.json" ] && break; sleep 0.05; done
[ -f "$PREFIX/listeners.json" ] || { echo "Error: kong-java did not start"; cat "$OUT/kong-java-console.log"; exit 1; } >&2
nth_port() { python3 -c "import json; print([l['port'] for l in json.load(open('$PREFIX/listeners.json')) if l['key']=='$1'][$2])"; }
KJ_PP=$(nth_port proxy_listen 0)
KJ_PLAIN=$(nth_port proxy_listen 1)
ADMIN=$(nth_port admin_listen 0)
curl -sf -o /dev/null -X POST "127.0.0.1:$ADMIN/services" -d name=origin -d "url=http://127.0.0.1:$ORIGIN"
curl -sf -o /dev/null -X POST "127.0.0.1:$ADMIN/services/origin/routes" -d name=bench -d 'paths[]=/bench' -d strip_path=false

# haproxy in tcp mode: one client connection = one server connection, so the header is sent once per connection.
declare -A FE
CFG="$WORK/haproxy.cfg"
{
  printf 'global\n    maxconn 4000\n    nbthread 1\ndefaults\n    mode tcp\n    timeout connect 5s\n    timeout client 60s\n    timeout server 60s\n'
  for pair in kjpp:$KJ_PP:send-proxy-v2 kjplain:$KJ_PLAIN: ngxpp:$NGX_PP:send-proxy-v2 ngxplain:$NGX_PLAIN:; do
    IFS=: read -r name port opt <<< "$pair"
    FE[$name]=$(free_port)
    printf 'listen %s\n    bind 127.0.0.1:%s\n    server s 127.0.0.1:%s %s\n' "$name" "${FE[$name]}" "$port" "$opt"
  done
} > "$CFG"
taskset -c "$LOAD_CPU" haproxy -db -f "$CFG" > "$OUT/haproxy.log" 2>&1 &
PIDS+=($!)
for name in kjpp kjplain ngxpp ngxplain; do
  wait_port "${FE[$name]}"
  [ "$(curl -s "127.0.0.1:${FE[$name]}/bench")" = "$BODY" ] || { echo "Error: $name does not proxy /bench" >&2; exit 1; }
done

[ "$JIT_WARMUP" -gt 0 ] && taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${JIT_WARMUP}s" "http://127.0.0.1:${FE[kjpp]}/bench" >/dev/null
# Interleaved in ABBA order (pp, plain, plain, pp, ...) so that drift on a shared machine hits both sides alike;
# the cost is the median of the per-round ratios.
ROUNDS=${PP_ROUNDS:-2}
RATIOS=(); ROWS=()
for r in $(seq 1 "$ROUNDS"); do
  order="pp plain"; [ $((r % 2)) = 0 ] && order="plain pp"
  for side in $order; do
    fe=kjpp; [ "$side" = plain ] && fe=kjplain
    read -r rps p99 <<< "$(bench "kong-java-$side-$r" "http://127.0.0.1:${FE[$fe]}/bench")"
    eval "R_$side=\$rps"
    ROWS+=("$(printf '%-44s %12s %10s' "kong-java, $side listener (round $r)" "$rps" "$p99")")
  done
  RATIOS+=("$(awk -v a="$R_pp" -v b="$R_plain" 'BEGIN { printf "%.3f", a / b }')")
done
# Both listeners loaded at the same time by two wrk processes (CONNS/2 connections each): the single proxy core is
# shared between them, so each side's share of the requests is its relative per-request cost, and whatever else
# runs on the machine slows both sides alike. The headline figure on a shared machine.
concurrent() { # label: prints "pp_rps plain_rps"
  local half=$(( CONNS / 2 > 0 ? CONNS / 2 : 1 ))
  taskset -c "$LOAD_CPU" wrk -t1 -c"$half" -d"${DURATION}s" "http://127.0.0.1:${FE[kjpp]}/bench" > "$OUT/$1-pp.txt" &
  local a=$!
  taskset -c "$LOAD_CPU" wrk -t1 -c"$half" -d"${DURATION}s" "http://127.0.0.1:${FE[kjplain]}/bench" > "$OUT/$1-plain.txt"
  wait "$a"
  echo "$(awk '/^Requests\/sec:/ {print $2}' "$OUT/$1-pp.txt") $(awk '/^Requests\/sec:/ {print $2}' "$OUT/$1-plain.txt")"
}
concurrent concurrent-warmup >/dev/null
CONC=(); CROWS=()
for r in 1 2 3; do
  read -r cpp cplain <<< "$(concurrent "concurrent-$r")"
  CONC+=("$(awk -v a="$cpp" -v b="$cplain" 'BEGIN { printf "%.3f", a / b }')")
  CROWS+=("$(printf '%-44s %12s %12s' "kong-java, both at once (run $r)" "$cpp" "$cplain")")
done
CMEDIAN=$(printf '%s\n' "${CONC[@]}" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')

read -r NP NP_99 <<< "$(bench nginx-pp "http://127.0.0.1:${FE[ngxpp]}/bench")"
read -r NN NN_99 <<< "$(bench nginx-plain "http://127.0.0.1:${FE[ngxplain]}/bench")"
read -r NN2 NN2_99 <<< "$(bench nginx-plain-2 "http://127.0.0.1:${FE[ngxplain]}/bench")"
read -r NP2 NP2_99 <<< "$(bench nginx-pp-2 "http://127.0.0.1:${FE[ngxpp]}/bench")"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.3f", a / b }'; }
MEDIAN=$(printf '%s\n' "${RATIOS[@]}" | sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}')
{
  echo "kong-java PROXY protocol benchmark, $STAMP"
  echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "client -> haproxy $(haproxy -v | head -1 | awk '{print $3}') (tcp, send-proxy-v2 or nothing) -> proxy -> nginx origin; wrk -t1 -c$CONNS -d${DURATION}s keep-alive"
  echo
  printf '%-44s %12s %10s\n' "scenario (100-byte keep-alive GET)" "requests/s" "p99 ms"
  printf '%s\n' "${ROWS[@]}"
  printf '%-44s %12s %10s\n' "nginx, proxy_protocol listener (1)" "$NP" "$NP_99"
  printf '%-44s %12s %10s\n' "nginx, plain listener (1)" "$NN" "$NN_99"
  printf '%-44s %12s %10s\n' "nginx, plain listener (2)" "$NN2" "$NN2_99"
  printf '%-44s %12s %10s\n' "nginx, proxy_protocol listener (2)" "$NP2" "$NP2_99"
  echo
  printf '%-44s %12s %12s\n' "concurrent (${CONNS}/2 connections each)" "pp req/s" "plain req/s"
  printf '%s\n' "${CROWS[@]}"
  echo
  echo "kong-java proxy_protocol / plain, concurrent runs: ${CONC[*]}; median $CMEDIAN   (target >= 0.97)"
  echo "kong-java proxy_protocol / plain, sequential rounds: ${RATIOS[*]}; median $MEDIAN"
  echo "nginx     proxy_protocol / plain, per round: $(ratio "$NP" "$NN") $(ratio "$NP2" "$NN2")"
} | tee "$OUT/summary.txt"
