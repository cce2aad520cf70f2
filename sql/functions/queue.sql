-- The worker's queue: writers add stale keys (their triggers), workers claim them with
-- FOR UPDATE SKIP LOCKED and recompute what depends on them, one transaction per batch.
--
-- Locks: a full rebuild holds wb_rebuild_lock() exclusively while it prepares and while it swaps
-- its tables in (rebuild.sql), batches and fact folding hold it shared; a batch then takes a
-- transaction-scoped advisory lock per indicator it touches, in code order, because roll-ups of
-- one indicator read every ward's value: two batches of the same indicator run one after the
-- other and the second sees the first's commit.
--
-- Reads and writes: aggregate_queue, aggregate_rebuild_requests, rebuild_replay,
-- comparable_series; through values.sql, outliers.sql, review.sql and aggregates.sql,
-- area_values, outlier_scores, review_counts and aggregates. Output of wb_claim_queue:
-- pg_temp.wb_dirty.

-- The advisory lock of full rebuilds ("WARDREBU").
CREATE OR REPLACE FUNCTION wb_rebuild_lock() RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT 6287397008177447509::bigint $$;

-- Indicators changed: every roll-up of theirs may move, so ask for a full rebuild, unless what
-- the aggregates read of them is the same (names, units, categories: wb_rebuild_needed). Changes
-- of areas and successions are applied key by key (structure.sql).
CREATE OR REPLACE FUNCTION wb_structure_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO aggregate_rebuild_requests (reason, if_fingerprint_moved) VALUES (TG_TABLE_NAME || ' changed', true);
  PERFORM pg_notify('wardboard_dirty', TG_TABLE_NAME);
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER indicators_changed AFTER UPDATE OR DELETE ON indicators FOR EACH STATEMENT EXECUTE FUNCTION wb_structure_changed();

-- The keys a batch recomputes (wb_process_claimed), made empty; structural: the key's area moved
-- in the tree or the lineage (structure.sql).
CREATE OR REPLACE FUNCTION wb_dirty_reset() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS wb_dirty (indicator_code text COLLATE "C", area_code text COLLATE "C", month date, structural boolean) ON COMMIT DROP;
  TRUNCATE pg_temp.wb_dirty;
END $$;

-- Claims up to p_limit queued keys, oldest first, into pg_temp.wb_dirty; returns how many.
-- Keys of edits come first; structural keys (structure.sql) only when none wait, and then those
-- of one indicator: a batch holds the lock of every indicator it touches, and a national
-- re-parent's 720 keys of 20 indicators in one batch took 13 s, during which an edit of any
-- indicator waited.
-- The keys are picked in a WITH query, which PostgreSQL evaluates once. As a subquery of the
-- DELETE it may be run again for each row of a nested loop; each run skips the rows the DELETE
-- has just removed and locks the next ones, so the batch grows past its limit and another worker
-- finds nothing (PostgreSQL bug report #15715; only WITH guarantees a single evaluation).
CREATE OR REPLACE FUNCTION wb_claim_queue(p_limit int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
  v_indicator text;
BEGIN
  PERFORM wb_dirty_reset();
  n := wb_claim_keys(p_limit, false, NULL);
  IF n = 0 THEN
    SELECT indicator_code INTO v_indicator FROM aggregate_queue WHERE structural
      ORDER BY enqueued_at LIMIT 1 FOR UPDATE SKIP LOCKED;
    IF v_indicator IS NOT NULL THEN n := wb_claim_keys(p_limit, true, v_indicator); END IF;
  END IF;
  RETURN n;
END $$;

-- Moves up to p_limit queued keys (structural or not; of p_indicator when given), oldest first,
-- into pg_temp.wb_dirty; returns how many.
CREATE OR REPLACE FUNCTION wb_claim_keys(p_limit int, p_structural boolean, p_indicator text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  WITH picked AS MATERIALIZED (
    SELECT indicator_code, area_code, month FROM aggregate_queue
    WHERE structural = p_structural AND (p_indicator IS NULL OR indicator_code = p_indicator)
    ORDER BY enqueued_at LIMIT p_limit FOR UPDATE SKIP LOCKED),
  claimed AS (
    DELETE FROM aggregate_queue q USING picked c
    WHERE (q.indicator_code, q.area_code, q.month) = (c.indicator_code, c.area_code, c.month)
    RETURNING q.indicator_code, q.area_code, q.month, q.structural)
  INSERT INTO pg_temp.wb_dirty SELECT * FROM claimed;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;

-- One incremental batch: claims up to p_limit keys and recomputes what depends on them
-- (wb_process_claimed). Returns the keys claimed and the aggregate rows written.
-- While a rebuild builds beside the live tables (rebuild.sql), the claimed keys are also logged
-- for it to apply again after its swap.
CREATE OR REPLACE FUNCTION wb_process_queue(p_limit int, OUT keys bigint, OUT rows bigint) LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(wb_rebuild_lock());
  keys := wb_claim_queue(p_limit);
  -- After the claim: a rebuild that takes the lock after this batch sees the claimed changes.
  IF keys > 0 AND NOT pg_try_advisory_xact_lock_shared(wb_build_lock()) THEN
    INSERT INTO rebuild_replay SELECT * FROM pg_temp.wb_dirty;
  END IF;
  rows := CASE WHEN keys > 0 THEN wb_process_claimed() ELSE 0 END;
END $$;

-- Recomputes exactly what depends on the keys in pg_temp.wb_dirty: the values of each key and of
-- every ancestor that month (and of ratios built on the indicator); then, for every value that
-- changed, the aggregates of that month, the next month (change), the same month a year later
-- (YoY), the rest of that year (YTD, plan attainment), the same for the areas that succeeded it,
-- and the ranks and shares of its siblings and children. Returns the aggregate rows written.
CREATE OR REPLACE FUNCTION wb_process_claimed() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  -- One lock per indicator, in code order ("WD" space).
  PERFORM pg_advisory_xact_lock(22340, hashtext(code))
  FROM (SELECT DISTINCT d.indicator_code AS code FROM pg_temp.wb_dirty d
        UNION SELECT r.code FROM indicators r JOIN pg_temp.wb_dirty d
          ON r.kind = 'ratio' AND d.indicator_code IN (r.numerator_code, r.denominator_code)
        ORDER BY 1) s;

  PERFORM wb_value_keys_reset();
  -- Its statistics: estimated at 840 rows, an edit's key walked up the tree by hashing all 14,000
  -- national areas.
  ANALYZE pg_temp.wb_dirty;
  INSERT INTO pg_temp.wb_value_keys
  WITH RECURSIVE keyed AS (
    SELECT indicator_code, area_code, month FROM pg_temp.wb_dirty
    UNION
    SELECT r.code, d.area_code, d.month FROM pg_temp.wb_dirty d
    JOIN indicators r ON r.kind = 'ratio' AND d.indicator_code IN (r.numerator_code, r.denominator_code)
  ),
  up(indicator_code, area_code, month) AS (
    SELECT * FROM keyed
    UNION
    SELECT u.indicator_code, a.parent_code, u.month
    FROM up u JOIN areas a ON a.code = u.area_code AND wb_counts_in(a.valid_from, a.valid_to, u.month)
    WHERE a.parent_code IS NOT NULL
  )
  SELECT * FROM up;

  PERFORM wb_refresh_values();
  -- A structural key moved in the tree or the lineage: what depends on it follows as if its value
  -- had changed, and its comparable series rows are computed again for the epochs it has now.
  IF EXISTS (SELECT 1 FROM pg_temp.wb_dirty WHERE structural) THEN
    INSERT INTO pg_temp.wb_changed
    SELECT indicator_code, area_code, month FROM pg_temp.wb_dirty WHERE structural
    EXCEPT SELECT indicator_code, area_code, month FROM pg_temp.wb_changed;
    ANALYZE pg_temp.wb_changed;
    DELETE FROM comparable_series s USING pg_temp.wb_dirty d
      WHERE d.structural AND (s.indicator_code, s.area_code, s.month) = (d.indicator_code, d.area_code, d.month);
  END IF;
  -- Outlier scores (outliers.sql): each changed value, and the 24 months whose windows hold it.
  PERFORM wb_score_keys_reset();
  INSERT INTO pg_temp.wb_score_keys
    SELECT c.indicator_code, c.area_code, (c.month + make_interval(months => k))::date
    FROM pg_temp.wb_changed c CROSS JOIN generate_series(0, 24) k;
  PERFORM wb_refresh_scores();
  -- Who reported, for the same keys (review.sql).
  PERFORM wb_review_keys_reset();
  INSERT INTO pg_temp.wb_review_keys SELECT * FROM pg_temp.wb_value_keys;
  PERFORM wb_refresh_review();

  PERFORM wb_aggregate_keys_reset();
  -- What moved: the keys whose value changed, and the claimed keys themselves (a target's key
  -- moves plan attainment without moving a value).
  IF to_regclass('pg_temp.wb_moved') IS NOT NULL THEN DROP TABLE pg_temp.wb_moved; END IF;
  CREATE TEMP TABLE wb_moved ON COMMIT DROP AS
    SELECT c.indicator_code, c.area_code, c.month, l.area_code AS reader, l.pred_code = l.area_code AS own, l.last_eff, m.month AS read_at
    FROM (SELECT * FROM pg_temp.wb_changed
          UNION SELECT indicator_code, area_code, month FROM pg_temp.wb_value_keys
                WHERE (indicator_code, area_code, month) IN (SELECT indicator_code, area_code, month FROM pg_temp.wb_dirty)) c
    -- The areas that read its value (itself, and those that succeeded it), at the months that
    -- read it: its own month, the next (change), a year later (YoY), the rest of its year (YTD).
    JOIN area_lineage l ON l.pred_code = c.area_code
    CROSS JOIN LATERAL (
      SELECT generate_series(c.month, make_date(extract(year FROM c.month)::int, 12, 1), interval '1 month')::date
      UNION SELECT (c.month + interval '1 month')::date
      UNION SELECT (c.month + interval '12 months')::date
    ) m(month);
  ANALYZE pg_temp.wb_moved;
  -- Comparable series rows of every epoch that counts the value, before the epoch.
  INSERT INTO pg_temp.wb_series_keys
    SELECT DISTINCT m.indicator_code, m.reader, m.read_at, e.as_of
    FROM pg_temp.wb_moved m JOIN area_epochs e ON e.area_code = m.reader AND (m.own OR e.as_of >= m.last_eff)
    WHERE m.read_at < e.as_of;
  -- (A parent whose children reporting changed, its sum or not, changed with them: values.sql.)
  INSERT INTO pg_temp.wb_aggregate_keys
  SELECT indicator_code, reader, read_at FROM pg_temp.wb_moved WHERE read_at >= last_eff OR own;
  -- Siblings (rank, share) and children (share) of every area whose value changed: only those
  -- two figures of theirs move.
  INSERT INTO pg_temp.wb_place_keys
  SELECT DISTINCT c.indicator_code, s.code, c.month
  FROM pg_temp.wb_changed c
  JOIN areas a ON a.code = c.area_code AND wb_counts_in(a.valid_from, a.valid_to, c.month)
  JOIN areas s ON (s.parent_code = a.parent_code OR s.parent_code = c.area_code)
              AND wb_counts_in(s.valid_from, s.valid_to, c.month);

  RETURN wb_compute_aggregates();
END $$;
