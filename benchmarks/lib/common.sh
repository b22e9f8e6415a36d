# Shared helpers for the benchmark scripts (sourced by run.sh, stream.sh, and through run.sh by the others).
# free_port: prints a free loopback port. wait_port PORT: waits up to 20 s for a listener.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {
  local i
  for i in $(seq 1 400); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "Error: nothing listens on $1" >&2; return 1
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'; }
