#!/usr/bin/env bash
# make bench-pq: PQ against raw libpq in C (fetch) and psql \copy (COPY), same server, same data.
# Prints the median of RUNS runs of each and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
out=bench/out; mkdir -p "$out"
: "${DATABASE_URL:?set DATABASE_URL (make bench-pq does)}"

swift build -c release --product pq-bench >/dev/null
cc -O2 -o "$out/pq_fetch" bench/pq_fetch.c $(pkg-config --cflags --libs libpq)

psql -q "$DATABASE_URL" <<'SQL'
DROP TABLE IF EXISTS bench_rows, bench_copy;
CREATE TABLE bench_rows AS
  SELECT g::int8 AS id, (g % 1000)::int4 AS ward, 'phường ' || g AS label,
         (g * 1.25)::numeric(14,2) AS amount, DATE '2023-01-01' + (g % 1000) AS day
  FROM generate_series(1, 1000000) g;
CREATE TABLE bench_copy (id int8, ward int4, label text, amount numeric(14,2), day date);
VACUUM ANALYZE bench_rows;
SQL
psql -q "$DATABASE_URL" -c "\copy bench_rows TO '$out/rows.txt'"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
run() { for _ in $(seq "$RUNS"); do "$@" | awk '{print $1}'; done | median; }

c_stream=$(run "$out/pq_fetch" "$DATABASE_URL" stream)
s_stream=$(run .build/release/pq-bench fetch-stream)
c_buf=$(run "$out/pq_fetch" "$DATABASE_URL" buffered)
s_buf=$(run .build/release/pq-bench fetch-buffered)
rss_stream=$(.build/release/pq-bench fetch-stream | awk '{print $4}')
psql_copy=$(for _ in $(seq "$RUNS"); do
  psql -q "$DATABASE_URL" -c "TRUNCATE bench_copy" >/dev/null
  s=$(date +%s%N); psql -q "$DATABASE_URL" -c "\copy bench_copy FROM '$out/rows.txt'" >/dev/null; e=$(date +%s%N)
  echo $(( (e - s) / 1000000 ))
done | median)
s_copy=$(run .build/release/pq-bench copy)
check=$(psql -Atq "$DATABASE_URL" -c "SELECT count(*) FROM bench_copy")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
printf '\nPQ benchmark: 1,000,000 rows x (int8, int4, text, numeric, date); median of %s runs (ms)\n' "$RUNS"
printf '%-34s %10s %10s %8s\n' "what" "PQ" "baseline" "ratio"
printf '%-34s %10s %10s %8s\n' "fetch+decode, single-row stream" "$s_stream" "$c_stream" "$(ratio "$s_stream" "$c_stream")x  (C on libpq)"
printf '%-34s %10s %10s %8s\n' "fetch+decode, buffered" "$s_buf" "$c_buf" "$(ratio "$s_buf" "$c_buf")x  (C on libpq)"
printf '%-34s %10s %10s %8s\n' "COPY FROM STDIN (binary)" "$s_copy" "$psql_copy" "$(ratio "$s_copy" "$psql_copy")x  (psql \\copy, text)"
printf 'peak resident memory while streaming 1,000,000 rows: %s MiB\n' "$(awk -v k="$rss_stream" 'BEGIN {printf "%.1f", k / 1024}')"
printf 'rows copied by PQ: %s\n' "$check"
