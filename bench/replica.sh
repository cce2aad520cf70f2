#!/usr/bin/env bash
# make bench-replica: one primary, one streaming replica (scripts/postgres replica), and an API
# process on each: wrk (15 s) against /compare of a 50-ward city on the 1000-ward database of
# bench-worker, read on the primary, then on the replica, then both processes at once (16
# connections each). Prints requests/s and p99 for each, the replica's against the primary's,
# and the replica's lag as /api/v1/status reports it afterwards. On one machine both servers
# share the same cores: this measures the cost of the indirection, not a gain in capacity.
# Then reads while the primary rebuilds (aggregate --full, two lanes) and swaps its tables in:
# two clients on each API, one request after another, until the replica has replayed the swap
# (bench/replica_swap.py): requests, failures, latencies overall and around the swap, the lag.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?make bench-replica sets DATABASE_URL}"
command -v wrk >/dev/null || WARDBOARD_DEPS_EXTRA=wrk scripts/deps
swift build -c release --product wardboard >/dev/null 2>&1
db=${BENCH_DB:-wardboard_bench_worker_60}
url=$(python3 -c "import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p._replace(path='/$db').geturl())" "$DATABASE_URL")
psql -Atq "$url" -c "SELECT 1 FROM aggregates LIMIT 1" | grep -q 1 || { echo "bench-replica: run make bench-worker first (it builds $db)"; exit 1; }
replica_server=$(env -u DATABASE_URL scripts/postgres replica start)
replica_url=$(python3 -c "import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p._replace(path='/$db').geturl())" "$replica_server")
for _ in $(seq 600); do
  [ "$(psql -Atq "$DATABASE_URL" -c "SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), -1) FROM pg_stat_replication")" = 0 ] && break
  sleep 0.5
done
psql -Atq "$replica_url" -c "SELECT 1 FROM aggregates LIMIT 1" | grep -q 1 || { echo "bench-replica: the replica does not have $db"; exit 1; }
pids=()
trap 'for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done' EXIT
serve() { # port [read url]
  DATABASE_URL=$url DATABASE_READ_URL=${2:-} WARDBOARD_PUBLIC_READ=true WARDBOARD_PORT=$1 WARDBOARD_LOG_LEVEL=warning \
    .build/release/wardboard serve >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$1/readyz" >/dev/null && return; sleep 0.2; done
  echo "bench-replica: the server on port $1 did not start"; exit 1
}
serve 18996
serve 18997 "$replica_url"
curl -fs "http://127.0.0.1:18997/readyz"
compare="/api/v1/compare?indicator=thefts&month=2026-10&parent=tp-07"
mkdir -p bench/out
run() { # name connections port
  wrk -t1 -c"$2" -d15s --latency "http://127.0.0.1:$3$compare" > "bench/out/wrk-replica-$1.txt"
}
echo "wrk -t1 -c32 -d15s --latency $compare"
run primary 32 18996
run replica 32 18997
run both-primary 16 18996 & both=$!
run both-replica 16 18997
wait $both
python3 <<'PY'
import re, sys
sys.path.insert(0, "bench")
import wrk_figures
def figures(name):
    return wrk_figures.figures(f"bench/out/wrk-replica-{name}.txt")
p, r, bp, br = (figures(n) for n in ("primary", "replica", "both-primary", "both-replica"))
print(f"reads on the primary:  {p[0]:8.0f} req/s  p99 {p[1]:5.1f} ms  errors {p[2]}")
print(f"reads on the replica:  {r[0]:8.0f} req/s  p99 {r[1]:5.1f} ms  errors {r[2]}  ({r[0] / p[0]:.2f}x the primary's req/s, p99 {r[1] / p[1]:.2f}x)")
print(f"both processes at once: {bp[0] + br[0]:7.0f} req/s  (primary {bp[0]:.0f}, p99 {bp[1]:.1f} ms; replica {br[0]:.0f}, p99 {br[1]:.1f} ms) = {(bp[0] + br[0]) / p[0]:.2f}x one process on the primary")
PY
echo "the replica's lag (/api/v1/status): $(curl -fs http://127.0.0.1:18997/api/v1/status | python3 -c 'import json,sys; print(json.load(sys.stdin).get("replica"))')"
echo "reads during a full rebuild on the primary (aggregate --full, 2 lanes) and its swap: two clients on each API"
(DATABASE_URL=$url WARDBOARD_REBUILD_LANES=2 .build/release/wardboard aggregate --full > bench/out/replica-rebuild.txt 2>&1) & rebuild=$!
python3 bench/replica_swap.py http://127.0.0.1:18996 "$compare" "$url" "$replica_url" $rebuild "the primary" > bench/out/replica-swap-primary.txt & sampler=$!
python3 bench/replica_swap.py http://127.0.0.1:18997 "$compare" "$url" "$replica_url" $rebuild "the replica" > bench/out/replica-swap-replica.txt
wait $sampler
wait $rebuild || { echo "bench-replica: the rebuild failed"; cat bench/out/replica-rebuild.txt; exit 1; }
cat bench/out/replica-swap-primary.txt bench/out/replica-swap-replica.txt
echo "the rebuild: $(tail -1 bench/out/replica-rebuild.txt)"
