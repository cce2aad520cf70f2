#!/usr/bin/env bash
# make bench-http: wrk (32 connections, 15 s) against /compare, /series and the comparison page
# (/, the same 50-ward city) on the 1000-ward database of bench-worker, beside pgbench running
# /compare's own SQL with 32 clients (the database's ceiling). Prints requests/s, p50/p99
# latency, the page against /compare (its weight, requests/s and p99 ratios) and the server's
# memory afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?make bench-http sets DATABASE_URL}"
command -v wrk >/dev/null || WARDBOARD_DEPS_EXTRA=wrk scripts/deps
swift build -c release --product wardboard >/dev/null 2>&1
db=${BENCH_DB:-wardboard_bench_worker_60}
url=$(python3 -c "import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p._replace(path='/$db').geturl())" "$DATABASE_URL")
psql -Atq "$url" -c "SELECT 1 FROM aggregates LIMIT 1" | grep -q 1 || { echo "bench-http: run make bench-worker first (it builds $db)"; exit 1; }
port=18999
DATABASE_URL=$url WARDBOARD_PUBLIC_READ=true WARDBOARD_PORT=$port WARDBOARD_LOG_LEVEL=warning \
  .build/release/wardboard serve >/dev/null 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
compare="/api/v1/compare?indicator=thefts&month=2026-10&parent=tp-07"
series="/api/v1/series?indicator=budget_revenue&areas=tp-07-p-001,tp-07-p-002,tp-07-p-003&from=2025-11&to=2026-10"
page="/?indicator=thefts&month=2026-10&parent=tp-07"
mkdir -p bench/out
for path in "$compare" "$series" "$page"; do
  echo; echo "wrk -t2 -c32 -d15s --latency $path"
  wrk -t2 -c32 -d15s --latency "http://127.0.0.1:$port$path" | tee bench/out/wrk-last.txt | grep -E "Requests/sec|^ +50%|^ +99%|Non-2xx"
  name=$([ "$path" = "$compare" ] && echo compare || ([ "$path" = "$page" ] && echo page || echo series))
  cp bench/out/wrk-last.txt "bench/out/wrk-$name.txt"
done
python3 - "$(curl -s "http://127.0.0.1:$port$page" | wc -c)" <<'PY'
import sys
sys.path.insert(0, "bench")
import wrk_figures
def figures(name):
    return wrk_figures.figures(f"bench/out/wrk-{name}.txt")[:2]
(compare_rps, compare_p99), (page_rps, page_p99) = figures("compare"), figures("page")
print(f"\nthe comparison page: {int(sys.argv[1]) / 1024:.1f} KB; {page_rps:.0f} req/s = {page_rps / compare_rps:.2f}x /compare's, "
      f"p99 {page_p99:.1f} ms = {page_p99 / compare_p99:.2f}x /compare's (targets: at least 0.5x, at most 1.5x)")
PY
echo; echo "server resident memory after the runs: $(awk '/VmRSS/ {printf "%.1f MiB", $2/1024}' /proc/$server/status)"
cat > bench/out/compare.sql <<'SQL'
SELECT a.code = 'tp-07', a.code, a.name, g.value, g.previous, g.change, round(g.change_pct, 2), round(g.yoy_change_pct, 2),
       g.ytd, g.target, round(g.target_pct, 2), g.rank, round(g.share_pct, 2), g.worsened, g.reporting, g.expected,
       EXISTS (SELECT 1 FROM indicators WHERE code = 'thefts'),
       CASE WHEN a.code = 'tp-07' THEN (
         SELECT ARRAY[r.expected, r.reported, r.on_time, r.late,
                      CASE WHEN r.deadline <= wb_now() THEN r.expected - r.reported ELSE 0 END,
                      CASE WHEN r.deadline > wb_now() THEN r.expected - r.reported ELSE 0 END, r.revised]
         FROM review_counts r WHERE r.indicator_code = 'thefts' AND r.area_code = 'tp-07' AND r.month = '2026-10-01') END,
       g.outlier_score, wb_is_outlier(g.outlier_score)
FROM areas a
LEFT JOIN aggregates g ON g.indicator_code = 'thefts' AND g.area_code = a.code AND g.month = '2026-10-01'
WHERE (a.parent_code = 'tp-07' OR a.code = 'tp-07') AND wb_counts_in(a.valid_from, a.valid_to, '2026-10-01')
ORDER BY a.code = 'tp-07' DESC, g.rank NULLS LAST, g.value IS NULL, a.name, a.code;
SQL
echo; echo "pgbench -c32 -j2 -T15 (the /compare query alone)"
pgbench -n -c32 -j2 -T15 -f bench/out/compare.sql "$url" 2>/dev/null | grep -E "^tps|latency average"
