#!/usr/bin/env bash
# make bench-worker: on the 1000-ward dataset, (a) a full rebuild, (b) the time from one ward-month
# edit's commit until its new aggregates are visible, with a worker running, for 60 and for 12
# months of history (the ratio says whether an edit's cost grows with history), and at 60 months
# the same while the worker's full rebuild builds beside the live tables.
# Do not run it beside `make test`: that restarts the private cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?make bench-worker sets DATABASE_URL}"
swift build -c release --product wardboard >/dev/null
bin=.build/release/wardboard
EDITS=${EDITS:-15}
log=bench/out/worker-bench.log; mkdir -p bench/out; : > "$log"
# Steps log to bench/out/worker-bench.log; a failing step stops the benchmark and shows its log.
step() { "$@" >>"$log" 2>&1 || { echo "bench-worker: failed: $*" >&2; tail -20 "$log" >&2; exit 1; }; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# (b) EDITS single ward-month edits with a worker running; prints the median commit-to-visible ms.
# With a second argument `during-rebuild`, the worker is first asked for a full rebuild, and the
# edits start once it is building beside the live tables (and must end before it does).
# With `move AREAS PARENT`, the areas (comma-separated, under one parent: their current rows) are
# first moved under PARENT in one statement: their keys are applied by structural batches while
# the edits are made (and they are moved back afterwards).
edits() {
  local url=$1 during=${2:-} area=${3:-} parent=${4:-} before=""
  [ "$during" != during-rebuild ] || psql -Atq "$url" -c "INSERT INTO aggregate_rebuild_requests (reason) VALUES ('bench: edits during a rebuild')" >/dev/null
  DATABASE_URL=$url WARDBOARD_REBUILD_AT=off "$bin" worker >/dev/null 2>&1 &
  local worker=$!
  sleep 2
  if [ "$during" = move ]; then
    before=$(psql -Atq "$url" -c "SELECT min(parent_code) FROM areas WHERE code = ANY (string_to_array('$area', ',')) AND valid_to IS NULL")
    psql -Atq "$url" -c "UPDATE areas SET parent_code = '$parent' WHERE code = ANY (string_to_array('$area', ',')) AND valid_to IS NULL" >/dev/null
    for _ in $(seq 100); do [ "$(psql -Atq "$url" -c "SELECT count(*) FROM aggregate_queue WHERE structural")" -gt 0 ] && break; sleep 0.1; done
  elif [ -n "$during" ]; then
    for _ in $(seq 600); do [ "$(psql -Atq "$url" -c "SELECT wb_rebuild_building()")" = t ] && break; sleep 0.5; done
    # Past the prepare step: the build's snapshot is taken (its lanes' statements are running).
    for _ in $(seq 600); do
      [ "$(psql -Atq "$url" -c "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SELECT wb_rebuild_build%'")" -ge 1 ] && break; sleep 0.5
    done
  fi
  local latencies=()
  for i in $(seq "$EDITS"); do
    # EDIT_AREAS (space-separated codes) picks the wards on another dataset (bench-national).
    local ward
    if [ -n "${EDIT_AREAS:-}" ]; then read -ra pool <<<"$EDIT_AREAS"; ward=${pool[$(( (i - 1) % ${#pool[@]} ))]}
    else ward=$(printf 'tp-%02d-p-%03d' $(( (i % 20) + 1 )) $(( (i * 7 % 50) + 1 ))); fi
    # The edit and the wait in one session: the time is the commit's, not a second psql's start-up.
    # The month is looked up before the edit: each look of the wait loop below must cost well
    # under a millisecond (a primary-key lookup), or the observer's own queries become the figure.
    local m; m=$(psql -Atq "$url" -c "SELECT max(month) FROM observations WHERE area_code = '$ward' AND indicator_code = 'public_disorder'")
    latencies+=("$(psql -Atq "$url" 2>&1 <<SQL | grep -oE '[0-9]+$'

UPDATE observations SET value = value + 1, updated_at = clock_timestamp() WHERE area_code = '$ward' AND indicator_code = 'public_disorder' AND month = '$m';
DO \$\$
DECLARE t0 timestamptz; want numeric; seen boolean := false; started timestamptz := clock_timestamp();
BEGIN
  SELECT updated_at, value INTO t0, want FROM observations WHERE area_code = '$ward' AND indicator_code = 'public_disorder' AND month = '$m';
  WHILE NOT seen AND clock_timestamp() - started < interval '10 seconds' LOOP
    SELECT EXISTS (SELECT 1 FROM aggregates WHERE indicator_code = 'public_disorder' AND month = '$m' AND area_code = '$ward'
                     AND value = want AND computed_at >= t0) INTO seen;
    IF NOT seen THEN PERFORM pg_sleep(0.001); END IF;
  END LOOP;
  RAISE NOTICE '%', round(extract(epoch FROM clock_timestamp() - t0) * 1000);
END \$\$;
SQL
    )")
  done
  if [ "$during" = move ]; then
    echo "structural keys still queued after the last edit: $(psql -Atq "$url" -c "SELECT count(*) FROM aggregate_queue WHERE structural")" >&2
    psql -Atq "$url" -c "UPDATE areas SET parent_code = '$before' WHERE code = ANY (string_to_array('$area', ',')) AND valid_to IS NULL" >/dev/null
    while [ "$(psql -Atq "$url" -c "SELECT count(*) FROM aggregate_queue")" -gt 0 ]; do sleep 1; done
  elif [ -n "$during" ]; then
    echo "the rebuild was still building after the last edit: $(psql -Atq "$url" -c "SELECT CASE WHEN wb_rebuild_building() THEN 'yes' ELSE 'NO' END")" >&2
    # Let it finish (the worker would roll it back on SIGTERM and run it again at its next start).
    while [ "$(psql -Atq "$url" -c "SELECT wb_rebuild_building()")" = t ]; do sleep 1; done
  fi
  kill -TERM $worker; wait $worker || true
  echo "edits${during:+ ($during)}, ms: ${latencies[*]}" >&2
  printf '%s\n' "${latencies[@]}" | median
}

run() {
  local months=$1 reference=${2:-} data=bench/out/bench-1000x$1 db=wardboard_bench_worker_$1
  [ -f "$data/facts.csv" ] || step "$bin" generate --out "$data" --wards 1000 --months "$months"
  local url; url=$(python3 -c "import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p._replace(path='/$db').geturl())" "$DATABASE_URL")
  psql -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
  DATABASE_URL=$url step "$bin" migrate
  DATABASE_URL=$url step "$bin" import "$data"
  # Both the rebuild and the reference start from settled tables (hint bits set, statistics
  # gathered), not from whatever autovacuum has reached right after the import.
  step psql -q "$url" -c "VACUUM ANALYZE"
  local s e; s=$(date +%s%N)
  DATABASE_URL=$url step "$bin" aggregate --once   # the import asked for a full rebuild
  e=$(date +%s%N)
  local rows; rows=$(psql -Atq "$url" -c "SELECT count(*) FROM aggregates")
  local rebuild_ms=$(( (e - s) / 1000000 ))
  echo "$months months: full rebuild $rebuild_ms ms for $rows aggregate rows" >&2
  # (a) The reference: the same aggregates as one materialized view, refreshed in this script
  # (on the 60-month dataset only: at 12 months PostgreSQL picks a plan that ran over 4 minutes).
  if [ -n "$reference" ]; then
  step psql -q "$url" -f bench/reference_aggregates.sql
  s=$(date +%s%N); step psql -q "$url" -c "REFRESH MATERIALIZED VIEW reference_aggregates"; e=$(date +%s%N)
  local view_ms=$(( (e - s) / 1000000 ))
  local cols="indicator_code, area_code, month, value, previous, change, change_pct, yoy_value, yoy_change_pct, ytd, target, target_pct, rank, share_pct, worsened, reporting, expected"
  local differing; differing=$(psql -Atq "$url" -c "SELECT (SELECT count(*) FROM (SELECT $cols FROM aggregates EXCEPT SELECT $cols FROM reference_aggregates) a) + (SELECT count(*) FROM (SELECT $cols FROM reference_aggregates EXCEPT SELECT $cols FROM aggregates) b)")
  echo "$months months: REFRESH MATERIALIZED VIEW $view_ms ms; full rebuild / view = $(awk -v a="$rebuild_ms" -v b="$view_ms" 'BEGIN {printf "%.2f", a / b}')x; rows that differ between them: $differing" >&2
  fi
  local during=""
  [ -z "$reference" ] || during=$(edits "$url" during-rebuild)
  echo "$months months: one edit while a full rebuild builds, median of $EDITS: ${during:-not run} ms" >&2
  edits "$url"
}


# `bench/worker.sh edits DB` times the edits alone on an existing benchmark database.
if [ "${1:-}" = edits ]; then
  url=$(python3 -c "import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p._replace(path='/'+sys.argv[2]).geturl())" "$DATABASE_URL" "$2")
  echo "one edit on $2, commit to visible aggregates (median of $EDITS): $(edits "$url") ms"
  exit 0
fi
# `bench/worker.sh edits-during-rebuild DB`: the same while the worker's full rebuild builds.
if [ "${1:-}" = edits-during-rebuild ]; then
  url=$(python3 -c "import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p._replace(path='/'+sys.argv[2]).geturl())" "$DATABASE_URL" "$2")
  echo "one edit on $2 while a full rebuild builds, commit to visible aggregates (median of $EDITS): $(edits "$url" during-rebuild) ms"
  exit 0
fi
# `bench/worker.sh edits-during-move DB AREAS PARENT`: the same while the structural batches of
# the AREAS' move under PARENT run (communes moved to another province, say).
if [ "${1:-}" = edits-during-move ]; then
  url=$(python3 -c "import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p._replace(path='/'+sys.argv[2]).geturl())" "$DATABASE_URL" "$2")
  echo "one edit on $2 while $3 moves under $4, commit to visible aggregates (median of $EDITS): $(edits "$url" move "$3" "$4") ms"
  exit 0
fi
# `bench/worker.sh run MONTHS` loads and times one history length alone.
if [ "${1:-}" = run ]; then echo "one edit, commit to visible aggregates (median of $EDITS): $(run "$2") ms"; exit 0; fi
l60=$(run 60 reference)
l12=$(run 12)
printf '\none edit, commit to visible aggregates (median of %s): 60 months %s ms, 12 months %s ms, ratio %s\n' \
  "$EDITS" "$l60" "$l12" "$(awk -v a="$l60" -v b="$l12" 'BEGIN {printf "%.2f", a / b}')"
