#!/usr/bin/env python3
"""Creates N routes through the Admin API over one keep-alive connection: a mix of host, prefix and regex
routes, like a large real configuration. Usage: load_routes.py ADMIN_PORT SERVICE_NAME COUNT"""
import http.client
import json
import sys
import time

port, service, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
t0 = time.time()
for i in range(count):
    kind = i % 4
    if kind == 0:    # exact host
        body = {"hosts": [f"h{i}.bench.test"]}
    elif kind == 1:  # prefix
        body = {"paths": [f"/p{i}/items"]}
    elif kind == 2:  # regex, anchored at the start by the router
        body = {"paths": [f"~/r{i}/\\d+$"]}
    else:            # wildcard host + prefix + method
        body = {"hosts": [f"*.w{i}.bench.test"], "paths": [f"/w{i}"], "methods": ["GET", "POST"]}
    body["name"] = f"bench-{i}"
    conn.request("POST", f"/services/{service}/routes", json.dumps(body), {"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    if r.status != 201:
        sys.exit(f"route {i}: {r.status} {data[:300]!r}")
print(f"{count} routes created in {time.time() - t0:.1f} s")
