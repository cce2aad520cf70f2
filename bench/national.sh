#!/usr/bin/env bash
# make bench-national: Viet Nam through the 2025 reorganisation (wardboard generate --national:
# 10,000 communes under 63 provinces until June 2025, 3,321 under 34 from July; 20 indicators,
# NATIONAL_FROM (2021-01) to October 2026). Each figure beside its baseline in the same run:
#   import of observations.csv        against psql \copy of the same file into a bare table
#   full rebuild (aggregate --once)   (target: 10 minutes); NATIONAL_REFERENCE=1 adds
#                                     REFRESH MATERIALIZED VIEW of bench/reference_aggregates.sql
#   one ward-month edit → visible     median of 15, against the same on the 1000-ward database
#                                     of bench-worker when it exists (target: ≤ 100 ms, no worse);
#                                     NATIONAL_DURING_REBUILD=1 adds the same while the worker's
#                                     full rebuild builds (and times that rebuild)
#   /compare of a province (~100 communes) and of the country (34 provinces), /series comparable
#   of a new commune across the merger, /completeness of a province: wrk 32 connections 15 s,
#   against pgbench of /compare's SQL (target: province ≥ 2,000 req/s, p99 ≤ 25 ms)
# NATIONAL_REUSE=1 keeps a loaded database and times only the edits and the reads.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?make bench-national sets DATABASE_URL}"
command -v wrk >/dev/null || WARDBOARD_DEPS_EXTRA=wrk scripts/deps
swift build -c release --product wardboard >/dev/null 2>&1
bin=.build/release/wardboard
from=${NATIONAL_FROM:-2021-01}
data=bench/out/national-$from
db=wardboard_bench_national
mkdir -p bench/out
url=$(python3 -c "import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p._replace(path='/$db').geturl())" "$DATABASE_URL")
log=bench/out/national-bench.log; : > "$log"
step() { "$@" >>"$log" 2>&1 || { echo "bench-national: failed: $*" >&2; tail -20 "$log" >&2; exit 1; }; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(psql -Atq "$DATABASE_URL" -c 'SHOW server_version')"
if [ ! -f "$data/facts.csv" ]; then
  s=$(date +%s%N); "$bin" generate --national --from "$from" --out "$data" 2>"$data.counts" >/dev/null || { cat "$data.counts"; exit 1; }; e=$(date +%s%N)
  echo "generate --national --from $from: $(ms "$s" "$e") ms"
fi
echo "dataset: $(tr '\n' ' ' < "$data.counts" 2>/dev/null)"

if [ "${NATIONAL_REUSE:-}" = 1 ] && psql -Atq "$url" -c "SELECT 1 FROM aggregates LIMIT 1" 2>/dev/null | grep -q 1; then
  echo "reusing $db (NATIONAL_REUSE=1)"
else
  psql -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
  DATABASE_URL=$url step "$bin" migrate
  s=$(date +%s%N); DATABASE_URL=$url step "$bin" import "$data"; e=$(date +%s%N)
  import_ms=$(ms "$s" "$e")
  grep -E "^[a-z_]+\.csv: " "$log" | sed 's/^/  /'
  step psql -q "$url" -c "CREATE TABLE bare_observations (area_code text, indicator_code text, month text, value numeric, reported_at timestamptz)"
  s=$(date +%s%N); step psql -q "$url" -c "\\copy bare_observations FROM '$data/observations.csv' WITH (FORMAT csv, HEADER true)"; e=$(date +%s%N)
  copy_ms=$(ms "$s" "$e")
  step psql -q "$url" -c "DROP TABLE bare_observations"
  obs_ms=$(grep -E "^observations\.csv: " "$log" | grep -oE '[0-9.]+ s,' | head -1 | tr -d ' s,')
  echo "import, every file: $import_ms ms; observations.csv $obs_ms s against psql \\copy into a bare table $copy_ms ms: $(awk -v a="$obs_ms" -v b="$copy_ms" 'BEGIN {printf "%.2f", a * 1000 / b}')x"
  step psql -q "$url" -c "VACUUM ANALYZE"
  s=$(date +%s%N); DATABASE_URL=$url step "$bin" aggregate --once; e=$(date +%s%N)
  rebuild_ms=$(ms "$s" "$e")
  echo "full rebuild: $rebuild_ms ms for $(psql -Atq "$url" -c "SELECT count(*) FROM aggregates") aggregate rows and $(psql -Atq "$url" -c "SELECT count(*) FROM comparable_series") comparable rows (target 600000 ms)"
  if [ "${NATIONAL_REFERENCE:-}" = 1 ]; then
    step psql -q "$url" -f bench/reference_aggregates.sql
    s=$(date +%s%N); step psql -q "$url" -c "REFRESH MATERIALIZED VIEW reference_aggregates"; e=$(date +%s%N)
    echo "REFRESH MATERIALIZED VIEW reference_aggregates: $(ms "$s" "$e") ms; rebuild / view = $(ratio "$rebuild_ms" "$(ms "$s" "$e")")x"
  fi
fi

# The places the reads and edits use.
province=$(psql -Atq "$url" -c "SELECT parent_code FROM areas WHERE valid_to IS NULL AND kind IN ('ward', 'commune', 'special_zone') GROUP BY parent_code ORDER BY abs(count(*) - 100), parent_code LIMIT 1")
communes=$(psql -Atq "$url" -c "SELECT count(*) FROM areas WHERE parent_code = '$province' AND valid_to IS NULL")
merged=$(psql -Atq "$url" -c "SELECT to_code FROM successions GROUP BY to_code HAVING count(*) >= 3 ORDER BY to_code LIMIT 1")
EDIT_AREAS=$(psql -Atq "$url" -c "SELECT string_agg(code, ' ') FROM (SELECT code FROM areas WHERE valid_to IS NULL AND kind IN ('ward', 'commune') ORDER BY md5(code) LIMIT 15) x")
export EDIT_AREAS
national_edit=$(DATABASE_URL=$DATABASE_URL bench/worker.sh edits "$db" | grep -oE '[0-9.]+ ms$' | tr -d ' ms')
# NATIONAL_DURING_REBUILD=1: the same edits while the worker's full rebuild builds beside the
# live tables (one more national rebuild, timed from its run record).
if [ "${NATIONAL_DURING_REBUILD:-}" = 1 ]; then
  during_edit=$(DATABASE_URL=$DATABASE_URL bench/worker.sh edits-during-rebuild "$db" | grep -oE '[0-9.]+ ms$' | tr -d ' ms')
  during_rebuild=$(psql -Atq "$url" -c "SELECT round(extract(epoch FROM finished_at - started_at)) FROM aggregate_runs WHERE kind = 'full' AND status = 'ok' ORDER BY id DESC LIMIT 1")
  echo "one edit → visible while the worker's full rebuild builds, median of 15: $during_edit ms (that rebuild: $during_rebuild s)"
fi
if psql -Atq "$DATABASE_URL" -c "SELECT 1 FROM pg_database WHERE datname = 'wardboard_bench_worker_60'" | grep -q 1; then
  w1000_edit=$(EDIT_AREAS= DATABASE_URL=$DATABASE_URL bench/worker.sh edits wardboard_bench_worker_60 | grep -oE '[0-9.]+ ms$' | tr -d ' ms')
  echo "one edit → visible, median of 15: national $national_edit ms, 1000 wards $w1000_edit ms (same run): $(ratio "$national_edit" "$w1000_edit")x (target ≤ 100 ms, no worse)"
else
  echo "one edit → visible, median of 15: national $national_edit ms (make bench-worker first for the 1000-ward figure beside it)"
fi

port=18995
DATABASE_URL=$url WARDBOARD_PUBLIC_READ=true WARDBOARD_PORT=$port WARDBOARD_LOG_LEVEL=warning "$bin" serve >/dev/null 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
month=$(psql -Atq "$url" -c "SELECT to_char(max(month), 'YYYY-MM') FROM aggregates")
declare -A paths=(
  [compare-province]="/api/v1/compare?indicator=thefts&month=$month&parent=$province"
  [compare-country]="/api/v1/compare?indicator=thefts&month=$month&parent=viet-nam"
  [series-merged]="/api/v1/series?indicator=budget_revenue&areas=$merged&from=2024-01&to=$month&lineage=comparable"
  [completeness-province]="/api/v1/completeness?month=$month&parent=$province"
)
echo "province $province ($communes communes), commune across the merger $merged, month $month"
for name in compare-province compare-country series-merged completeness-province; do
  curl -fs -o /dev/null "http://127.0.0.1:$port${paths[$name]}" || { echo "bench-national: ${paths[$name]} failed"; exit 1; }
  wrk -t2 -c32 -d15s --latency "http://127.0.0.1:$port${paths[$name]}" > "bench/out/wrk-national-$name.txt"
done
sed "s/'tp-07'/'$province'/g; s/'2026-10-01'/'$month-01'/g" bench/out/compare.sql > bench/out/compare-national.sql 2>/dev/null \
  || { echo "bench-national: run make bench-http once first (it writes bench/out/compare.sql)"; exit 1; }
pgbench -n -c32 -j2 -T15 -f bench/out/compare-national.sql "$url" 2>/dev/null > bench/out/pgbench-national.txt
python3 <<'PY'
import re, sys
sys.path.insert(0, "bench")
import wrk_figures
def figures(name):
    return wrk_figures.figures(f"bench/out/wrk-national-{name}.txt")
tps = float(re.search(r"tps = ([\d.]+)", open("bench/out/pgbench-national.txt").read()).group(1))
for name in ("compare-province", "compare-country", "series-merged", "completeness-province"):
    rps, p99, errors = figures(name)
    extra = f"  = {rps / tps:.2f}x pgbench of its SQL ({tps:.0f} tps)" if name == "compare-province" else ""
    print(f"{name:22} {rps:8.0f} req/s  p99 {p99:6.1f} ms  errors {errors}{extra}")
PY
