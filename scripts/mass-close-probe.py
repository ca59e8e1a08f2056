#!/usr/bin/env python3
"""Mass closes in a tunnel: what they cost the tunnel's other requests (scripts/profile-gateway.sh, MASS_CLOSE).

A probe sends one request through the gateway every 5 ms over one kept-alive connection, timing
each. Meanwhile, ROUNDS times: CONNECTIONS connections are opened straight to the node's forward
port (as a proxy's pool would hold them), each makes one request, they idle for 3 s and are closed
at once (as that pool's idle timeout closes them), then 4 s pass. Prints, as Markdown rows, the
probe's requests, worst and 99th percentile latency in its first 5 s (the baseline) and in the
second from the start of each opening and of each closing.

  mass-close-probe.py GATEWAY_PORT HOST FORWARD_PORT PATH CONNECTIONS ROUNDS
"""
import http.client
import socket
import sys
import threading
import time

gateway_port, host, forward_port, path = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
connections, rounds = int(sys.argv[5]), int(sys.argv[6])
start = time.perf_counter()
samples = []  # (seconds since start, latency ms)
stopping = threading.Event()


def probe():
    connection = http.client.HTTPConnection("127.0.0.1", gateway_port, timeout=30)
    while not stopping.is_set():
        sent = time.perf_counter()
        connection.request("GET", path, headers={"Host": host})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            sys.exit("probe: status %d" % response.status)
        samples.append((sent - start, (time.perf_counter() - sent) * 1000))
        time.sleep(0.005)


def open_kept_alive(count):
    request = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path).encode()
    sockets = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", forward_port), timeout=30)
        s.sendall(request)
        sockets.append(s)
    for s in sockets:
        seen = b""
        while b"\r\n\r\n" not in seen:
            chunk = s.recv(4096)
            if not chunk:
                sys.exit("probe: a connection to the forward closed before its answer")
            seen += chunk
    return sockets


def row(label, since, until):
    latencies = sorted(latency for at, latency in samples if since <= at < until)
    if not latencies:
        return "| %s | 0 | – | – |" % label
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return "| %s | %d | %.1f | %.1f |" % (label, len(latencies), latencies[-1], p99)


prober = threading.Thread(target=probe, daemon=True)
prober.start()
time.sleep(5)
events = []
for number in range(1, rounds + 1):
    events.append(("round %d: %d opening" % (number, connections), time.perf_counter() - start))
    kept = open_kept_alive(connections)
    time.sleep(3)
    events.append(("round %d: %d closed at once" % (number, connections), time.perf_counter() - start))
    for s in kept:
        s.close()
    time.sleep(4)
stopping.set()
prober.join(35)

print("| probe's second | requests | worst, ms | p99, ms |")
print("|---|---|---|---|")
print(row("baseline (first 5 s)", 0, 5))
for label, at in events:
    print(row(label, at, at + 1))
