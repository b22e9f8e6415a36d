#!/usr/bin/env python3
"""Creates N routes through the Admin API over C concurrent keep-alive connections (the gateway may
commit concurrent writes together): a mix of host, prefix and regex routes, like a large real
configuration. Usage: load_routes.py ADMIN_PORT SERVICE_NAME COUNT [CONNECTIONS]"""
import http.client
import json
import sys
import threading
import time

port, service, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
conns = int(sys.argv[4]) if len(sys.argv) > 4 else 8
errors = []


def body(i):
    kind = i % 4
    if kind == 0:    # exact host
        b = {"hosts": [f"h{i}.bench.test"]}
    elif kind == 1:  # prefix
        b = {"paths": [f"/p{i}/items"]}
    elif kind == 2:  # regex, anchored at the start by the router
        b = {"paths": [f"~/r{i}/\\d+$"]}
    else:            # wildcard host + prefix + methods
        b = {"hosts": [f"*.w{i}.bench.test"], "paths": [f"/w{i}"], "methods": ["GET", "POST"]}
    b["name"] = f"bench-{i}"
    return b


def worker(start):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for i in range(start, count, conns):
        if errors:
            return
        conn.request("POST", f"/services/{service}/routes", json.dumps(body(i)),
                     {"Content-Type": "application/json"})
        r = conn.getresponse()
        data = r.read()
        if r.status != 201:
            errors.append(f"route {i}: {r.status} {data[:300]!r}")


t0 = time.time()
threads = [threading.Thread(target=worker, args=(k,)) for k in range(conns)]
for t in threads:
    t.start()
for t in threads:
    t.join()
if errors:
    sys.exit(errors[0])
print(f"{count} routes created through the Admin API in {time.time() - t0:.1f} s ({conns} concurrent clients)")
