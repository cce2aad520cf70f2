"""Reads on a replica while the primary rebuilds and swaps its tables (bench/replica.sh swap).

    python3 bench/replica_swap.py API_BASE PATH PRIMARY_URL REPLICA_URL PID LABEL

Two client threads read API_BASE + PATH one request after another (keep-alive) until process PID
(the rebuild) has exited; a third thread samples, every 0.2 s, the OID of `aggregates` on the
replica (it changes when the swap has been replayed there) and the replica's replay lag as the
primary sees it (pg_stat_replication). Prints the requests, their status codes, median, p99 and
slowest latency over the whole rebuild and in the two seconds either side of the swap, the
replica's largest lag, and when the swap was replayed on the replica.
"""
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

base, path, primary_url, replica_url, pid, label = sys.argv[1:6] + [sys.argv[6] if len(sys.argv) > 6 else "the API"]
pid = int(pid)
target = urllib.parse.urlparse(base)
done = threading.Event()
samples = []  # (start, seconds, status)
watch = []  # (time, aggregates oid on the replica, lag bytes, lag seconds)
lock = threading.Lock()


def alive(p):
    try:
        os.kill(p, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by the shell that started it) has finished too.
    try:
        with open(f"/proc/{p}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def client():
    conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
    while not done.is_set():
        start = time.monotonic()
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            status = type(error).__name__
            conn.close()
            conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        with lock:
            samples.append((start, time.monotonic() - start, status))


def sql(url, query):
    out = subprocess.run(["psql", "-Atq", url, "-c", query], capture_output=True, text=True, timeout=10)
    return out.stdout.strip()


def watcher():
    ended = None
    while not done.is_set():
        now = time.monotonic()
        oid = sql(replica_url, "SELECT 'public.aggregates'::regclass::oid")
        lag = sql(primary_url, "SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0) || '|' || "
                               "coalesce(extract(epoch FROM max(replay_lag)), 0) FROM pg_stat_replication")
        lag_bytes, lag_seconds = (float(x) for x in lag.split("|")) if "|" in lag else (0.0, 0.0)
        watch.append((now, oid, lag_bytes, lag_seconds))
        if ended is None and not alive(pid):
            ended = now
        # After the rebuild: until the replica has replayed the swap, or 60 s.
        if ended is not None and (oid != watch[0][1] or now - ended > 60):
            done.set()
        time.sleep(0.2)


threads = [threading.Thread(target=client) for _ in range(2)] + [threading.Thread(target=watcher)]
begin = time.monotonic()
for t in threads:
    t.start()
for t in threads:
    t.join()


def summary(rows):
    if not rows:
        return "no requests"
    ms = sorted(s[1] * 1000 for s in rows)
    bad = [s[2] for s in rows if s[2] != 200]
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    codes = {}
    for s in rows:
        codes[s[2]] = codes.get(s[2], 0) + 1
    return (f"{len(rows)} requests, statuses {codes}, median {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms, "
            f"slowest {ms[-1]:.1f} ms" + (f", {len(bad)} not 200" if bad else ""))


print(f"reads from {label} during the rebuild ({watch[-1][0] - begin:.0f} s): {summary(samples)}")
swaps = [w for a, w in zip(watch, watch[1:]) if a[1] != w[1]]
if swaps:
    at = swaps[0][0]
    near = [s for s in samples if at - 2 <= s[0] <= at + 2 or (s[0] < at - 2 and s[0] + s[1] > at - 2)]
    print(f"  the swap replayed on the replica {at - begin:.1f} s after the start; reads within 2 s of it: {summary(near)}")
    slow = sorted(samples, key=lambda s: -s[1])[:3]
    print("  slowest reads began at " + ", ".join(f"{s[0] - begin:.1f} s ({s[1] * 1000:.0f} ms)" for s in slow))
else:
    print("  the swap was not seen on the replica")
most = max(watch, key=lambda w: w[2])
print(f"  the replica's largest lag: {most[2] / 1e6:.1f} MB of WAL ({most[3]:.2f} s replay lag) at {most[0] - begin:.0f} s")
