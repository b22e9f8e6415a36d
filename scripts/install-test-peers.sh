#!/usr/bin/env bash
# Installs the real peer programs the integration tests run (from Debian's packages), when missing.
set -euo pipefail
need=()
command -v curl    >/dev/null || need+=(curl)
command -v openssl >/dev/null || need+=(openssl)
command -v nginx   >/dev/null || need+=(nginx-light)
command -v haproxy >/dev/null || need+=(haproxy)
command -v socat   >/dev/null || need+=(socat)
# nginx's stream module (dynamic in Debian's nginx): the stream proxy benchmark's reference (benchmarks/stream.sh).
ls /usr/lib/nginx/modules/ngx_stream_module.so >/dev/null 2>&1 || need+=(libnginx-mod-stream)
command -v wrk     >/dev/null || need+=(wrk)
command -v h2load  >/dev/null || need+=(nghttp2-client)
# Transparent proxying tests: iptables (the nft backend works here; iptables-legacy too) in network namespaces.
command -v iptables-restore >/dev/null || [ -x /usr/sbin/iptables-restore ] || need+=(iptables)
# PostgreSQL server binaries for the storage tests (started per test run in a temporary directory).
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "Test peers missing: ${need[*]}. Install them (Debian: apt-get install ${need[*]}) or run as root." >&2
  exit 0   # tests that need a missing peer are skipped locally, and fail when IT_REQUIRE_PEERS=true
fi
echo "Installing test peers: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
