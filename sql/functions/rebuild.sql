-- The full rebuild: lineage, fact_sums, area_values and aggregates recomputed from what was
-- reported, by the same steps as an incremental batch (values.sql, aggregates.sql), so a
-- rebuild and a sequence of batches produce the same rows by construction. The structure it was
-- built from is kept as a fingerprint, so that a change of names only needs none
-- (wb_rebuild_needed, below).
--
-- Reads: successions, facts, fact_batches, observations, areas, indicators, targets, settings,
-- key_arrivals. Writes: rebuild_basis, area_lineage, fact_batches (every batch it can see is summed by it),
-- fact_batch_sums, fact_sums, area_values, outlier_scores, aggregates, comparable_series, indicator_first_months,
-- review_counts, review_extent, aggregate_queue and aggregate_rebuild_requests (emptied).

-- Rebuilds everything from p_from (NULL: every month); returns the aggregate rows written.
-- Holds wb_rebuild_lock() exclusively: batches wait, and the queue's keys it covers are dropped.
-- A full rebuild reads every row: hash and merge joins are always right for it. Left to its
-- estimates (temporary tables of a million keys, freshly analysed), the planner sometimes chose
-- a million index lookups instead: the same step took 3 s in one run and 70 s in the next.
-- One rebuild runs at a time (the lock below): it may sort and hash in memory (work_mem 256MB);
-- with the default 4MB a national rebuild wrote 32 GB of temporary files in one step.
CREATE OR REPLACE FUNCTION wb_rebuild(p_from date) RETURNS bigint LANGUAGE plpgsql
SET enable_nestloop = off SET work_mem = '256MB' AS $$
DECLARE n bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(wb_rebuild_lock());
  DELETE FROM aggregate_rebuild_requests;
  IF p_from IS NULL THEN
    INSERT INTO rebuild_basis (fingerprint) VALUES (wb_structure_fingerprint())
      ON CONFLICT (only_row) DO UPDATE SET fingerprint = excluded.fingerprint, rebuilt_at = now();
  END IF;
  DELETE FROM aggregate_queue WHERE p_from IS NULL OR month >= p_from;
  PERFORM wb_rebuild_lineage();
  ANALYZE area_lineage;
  -- Facts' periods depend on settings and cut-off days: recount them, from the facts of summed
  -- batches only (a load committing meanwhile waits for the next fold).
  UPDATE fact_batches SET summed = true WHERE NOT summed;
  DELETE FROM fact_batch_sums WHERE batch_id IN (SELECT id FROM fact_batches WHERE summed);
  DELETE FROM fact_sums;
  INSERT INTO fact_sums
    SELECT f.indicator_code, f.area_code,
           wb_period(f.occurred_at, coalesce(i.cutoff_day, wb_setting('cutoff_day')::int), wb_setting('timezone')),
           sum(f.amount), count(*)
    FROM facts f JOIN indicators i ON i.code = f.indicator_code
    WHERE f.batch_id IN (SELECT id FROM fact_batches WHERE summed)
    GROUP BY 1, 2, 3;
  ANALYZE fact_sums;

  PERFORM wb_value_keys_reset();
  PERFORM wb_aggregate_keys_reset();
  DELETE FROM area_values WHERE p_from IS NULL OR month >= p_from;
  DELETE FROM aggregates WHERE p_from IS NULL OR month >= p_from;
  DELETE FROM comparable_series WHERE p_from IS NULL OR month >= p_from;

  -- Every area and indicator, in every month from the first month with data to the last.
  INSERT INTO pg_temp.wb_value_keys
  SELECT i.code, a.code, m.month::date
  FROM (SELECT min(month) AS lo, max(month) AS hi FROM leaf_values) r
  CROSS JOIN LATERAL generate_series(greatest(r.lo, coalesce(p_from, r.lo)), r.hi, interval '1 month') m(month)
  JOIN areas a ON wb_counts_in(a.valid_from, a.valid_to, m.month::date)
  CROSS JOIN indicators i;
  PERFORM wb_refresh_values(p_emptied => true);
  ANALYZE area_values;

  -- Outlier scores of every leaf value (outliers.sql).
  DELETE FROM outlier_scores WHERE p_from IS NULL OR month >= p_from;
  PERFORM wb_score_keys_reset();
  INSERT INTO pg_temp.wb_score_keys SELECT indicator_code, area_code, month FROM area_values
    WHERE value IS NOT NULL AND (p_from IS NULL OR month >= p_from);
  PERFORM wb_refresh_scores(false);

  -- Who reported: every area, indicator and month from the first month any indicator is
  -- expected to the last with data or the current period, whichever is later (review.sql).
  DELETE FROM indicator_first_months;
  INSERT INTO indicator_first_months SELECT indicator_code, min(month) FROM leaf_values GROUP BY 1;
  PERFORM wb_review_keys_reset();
  DELETE FROM review_counts WHERE p_from IS NULL OR month >= p_from;
  INSERT INTO pg_temp.wb_review_keys
  SELECT i.code, a.code, m.month::date
  FROM (SELECT min(least(f.first_month, coalesce(i.expected_from, f.first_month))) AS lo, (SELECT max(month) FROM leaf_values) AS hi
        FROM indicator_first_months f JOIN indicators i ON i.code = f.indicator_code) r
  CROSS JOIN LATERAL generate_series(greatest(r.lo, coalesce(p_from, r.lo)), greatest(r.hi, wb_review_horizon()), interval '1 month') m(month)
  JOIN areas a ON wb_counts_in(a.valid_from, a.valid_to, m.month::date)
  CROSS JOIN indicators i
  WHERE i.kind <> 'ratio';
  PERFORM wb_refresh_review();
  UPDATE review_extent SET last_month = (SELECT max(month) FROM pg_temp.wb_review_keys);

  INSERT INTO pg_temp.wb_aggregate_keys SELECT indicator_code, area_code, month FROM area_values
    WHERE p_from IS NULL OR month >= p_from;
  -- Every epoch's comparable series: each indicator, every month with data before the epoch.
  INSERT INTO pg_temp.wb_series_keys
  SELECT i.code, e.area_code, m.month::date, e.as_of
  FROM (SELECT min(month) AS lo FROM area_values) r
  CROSS JOIN area_epochs e
  CROSS JOIN LATERAL generate_series(greatest(r.lo, coalesce(p_from, r.lo)), (e.as_of - interval '1 month')::date, interval '1 month') m(month)
  CROSS JOIN indicators i;
  n := wb_compute_aggregates();
  RETURN n;
END $$;

-- What the aggregates read from areas, successions, indicators and settings, as an md5: every
-- column but names, units and categories (feeds join those when they are read).
CREATE OR REPLACE FUNCTION wb_structure_fingerprint() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT md5(concat_ws(E'\n',
    (SELECT string_agg(ROW(code, kind, parent_code, valid_from, valid_to)::text, ';' ORDER BY code, valid_from) FROM areas),
    (SELECT string_agg(ROW(from_code, to_code, effective_month, share)::text, ';' ORDER BY from_code, to_code) FROM successions),
    (SELECT string_agg(ROW(code, kind, direction, numerator_code, denominator_code, cutoff_day, due_days, required, expected_from)::text,
                       ';' ORDER BY code) FROM indicators),
    (SELECT string_agg(ROW(key, value)::text, ';' ORDER BY key) FROM settings WHERE key = ANY (wb_rebuild_settings()))))
$$;

-- Whether a full rebuild is due: some request asks for one, and either it is not about the
-- structure (a migration's) or the structure's fingerprint differs from the last rebuild's.
-- Requests about a structure that is as it was are dropped: a renamed area changes names only.
-- One statement, one snapshot: a change committed meanwhile keeps its request for the next pass
-- (the DELETE in WITH runs whether or not the query reads it).
CREATE OR REPLACE FUNCTION wb_rebuild_needed() RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE v_needed boolean;
BEGIN
  WITH seen AS (SELECT id, reason FROM aggregate_rebuild_requests),
  decision AS (
    SELECT EXISTS (SELECT 1 FROM seen)
       AND (EXISTS (SELECT 1 FROM seen WHERE reason NOT IN ('areas changed', 'successions changed', 'indicators changed', 'settings changed'))
            OR wb_structure_fingerprint() IS DISTINCT FROM (SELECT fingerprint FROM rebuild_basis)) AS needed
  ),
  dropped AS (
    DELETE FROM aggregate_rebuild_requests r USING seen s, decision d WHERE r.id = s.id AND NOT d.needed RETURNING r.id
  )
  SELECT d.needed INTO v_needed FROM decision d;
  RETURN v_needed;
END $$;
