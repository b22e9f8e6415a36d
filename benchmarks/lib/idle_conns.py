#!/usr/bin/env python3
"""Opens N keep-alive connections to 127.0.0.1:PORT, sends one request on each (so each is a real HTTP
connection), then keeps them idle until stdin closes. Prints 'ready N' once all are open.
Usage: idle_conns.py PORT N PATH"""
import socket
import sys

port, n, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: idle.test\r\n\r\n".encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            sys.exit(f"connection {i} closed before a response")
        buf += chunk
    socks.append(s)
print(f"ready {len(socks)}", flush=True)
sys.stdin.read()
for s in socks:
    s.close()
