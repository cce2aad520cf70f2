#!/usr/bin/env bash
# make bench-import: import the 1000-ward, 60-month dataset into a fresh database, per file, and
# compare facts.csv (median of 3 loads) with `psql \copy` of the same file into a bare table
# without constraints (median of 3).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?make bench-import sets DATABASE_URL}"
swift build -c release --product wardboard >/dev/null
bin=.build/release/wardboard
data=bench/out/bench-1000x60
if [ ! -f "$data/facts.csv" ]; then "$bin" generate --out "$data" --wards 1000 --months 60 >/dev/null 2>&1; fi
db="wardboard_bench_import"
url=$(python3 -c "import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p._replace(path='/$db').geturl())" "$DATABASE_URL")
psql -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
DATABASE_URL=$url "$bin" migrate >/dev/null 2>&1
printf '\nImport of %s (wardboard import, one transaction per file)\n' "$data"
DATABASE_URL=$url "$bin" import "$data" 2>/dev/null | tee bench/out/import.txt
facts_rows=$(($(wc -l < "$data/facts.csv") - 1))
# The load checks facts; the worker sums them into fact_sums afterwards (what the worker's first
# pass does after this import, timed alone).
s=$(date +%s%N); psql -Atq "$url" -c "SELECT wb_fold_fact_batches(16)" >/dev/null; e=$(date +%s%N)
fold_ms=$(( (e - s) / 1000000 ))
# psql \copy of the same file into a bare table, median of 3.
times=()
for _ in 1 2 3; do
  psql -q "$url" -c "DROP TABLE IF EXISTS bare_facts" -c "CREATE TABLE bare_facts (area_code text, indicator_code text, occurred_at timestamptz, amount numeric)" >/dev/null 2>&1
  s=$(date +%s%N); psql -q "$url" -c "\copy bare_facts FROM '$data/facts.csv' WITH (FORMAT csv, HEADER)" >/dev/null; e=$(date +%s%N)
  times+=($(( (e - s) / 1000000 )))
done
psql_ms=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
# Two more loads of facts.csv alone into emptied fact tables: the import's figure is the median of 3.
ours=($(grep '^facts.csv' bench/out/import.txt | sed -E 's/.* ([0-9.]+) s, .*/\1/'))
for _ in 2 3; do
  psql -q "$url" -c "TRUNCATE facts, fact_sums, aggregate_queue" -c "DELETE FROM fact_batches" >/dev/null
  ours+=($(DATABASE_URL=$url "$bin" import --file "$data/facts.csv" 2>/dev/null | grep '^facts.csv' | sed -E 's/.* ([0-9.]+) s, .*/\1/'))
done
echo "facts.csv alone, three loads: ${ours[*]} s"
ours_s=$(printf '%s\n' "${ours[@]}" | sort -n | sed -n 2p)
awk -v rows="$facts_rows" -v ours="$ours_s" -v psql_ms="$psql_ms" 'BEGIN {
  printf "\nfacts.csv: %d rows: wardboard import %.2f s (median of 3) (%d rows/s), psql \\copy into a bare table %.2f s (%d rows/s): ratio %.2fx\n",
    rows, ours, rows / ours, psql_ms / 1000, rows / (psql_ms / 1000), ours / (psql_ms / 1000) }'
awk -v rows="$facts_rows" -v ms="$fold_ms" 'BEGIN {
  printf "then summed into fact_sums by the worker (wb_fold_fact_batches, one transaction): %.2f s (%d rows/s)\n", ms / 1000, rows / (ms / 1000) }'
psql -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
