-- Facts are summed by the worker, not by the load. Loading 1.3 million facts took 9 s against
-- 1.9 s for `psql \copy` of the same file into a bare table: 2.4 s was the COPY itself, the
-- rest the statement trigger grouping every fact by its reporting period (a time-zone
-- conversion per fact, then a sort or hash of 1.3 million rows) to add to fact_sums and to queue
-- 120,000 keys. Aggregates are the worker's business already; now so are fact_sums.
--
-- * The load still checks every rule of DATA.md before it commits, on the new facts grouped by
--   area, indicator and batch (a few thousand groups, no per-fact period): indicator, area and
--   batch exist, the indicator takes facts, no negative count, nothing in the future, and the
--   area exists and reports (is a leaf) in every period from the group's first fact to its last.
--   That last check is made over a superset of the group's periods; when it finds something, the
--   exact periods of the new facts are computed and checked again, so a file is refused exactly
--   when it was refused before, with the same message.
-- * Every fact belongs to a batch (`fact_batches`); a batch is `summed` once the worker has added
--   its facts to fact_sums and queued their keys (`wb_fold_fact_batches`, one transaction per
--   call, batches claimed with FOR UPDATE SKIP LOCKED so several workers can run). Facts
--   inserted without a batch get one per transaction (`wb_transaction_batch`). A summed batch
--   takes no more facts (its sums are final); deleting facts of a summed batch takes them off
--   fact_sums at once, deleting facts of a batch not yet summed has nothing to take off.
-- * A batch records the time of its first and last fact, so the worker finds its facts through
--   the BRIN index on occurred_at (an index on batch_id cost the load 0.5 s of 3). When the
--   table's blocks each hold every month (a history loaded area by area, as the benchmark's 1.3
--   million facts are) that index narrows nothing, and summing a one-fact batch read all the facts
--   (0.2 s there, growing with the table). So a statement of at most 10,000 facts also writes its
--   own per-period sums beside its batch (fact_batch_sums), which costs little at that size; the
--   worker adds those, and reads the facts only for batches that took a larger statement (a bulk
--   load, where the scan is the work anyway) or lost facts before being summed (stale sums).
-- * The full rebuild recounts fact_sums from the facts of summed batches, after marking every
--   batch it can see as summed (their own sums are then dropped).

ALTER TABLE fact_batches ADD COLUMN summed boolean NOT NULL DEFAULT false,
  ADD COLUMN first_at timestamptz, ADD COLUMN last_at timestamptz,
  ADD COLUMN sums_complete boolean NOT NULL DEFAULT true;

CREATE TABLE fact_batch_sums (
  batch_id bigint NOT NULL REFERENCES fact_batches ON DELETE CASCADE,
  indicator_code text COLLATE "C" NOT NULL,
  area_code text COLLATE "C" NOT NULL,
  month date NOT NULL,
  amount numeric NOT NULL,
  facts bigint NOT NULL
);
CREATE INDEX fact_batch_sums_by_batch ON fact_batch_sums (batch_id);
-- Everything loaded before this migration is in fact_sums already.
UPDATE fact_batches SET summed = true;

-- The batch of a transaction's facts that name none: created on first use, one per transaction
-- (a transaction-local setting remembers it; a rolled-back savepoint forgets it with its batch).
CREATE FUNCTION wb_transaction_batch() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE v text := nullif(current_setting('wardboard.transaction_batch', true), '');
BEGIN
  IF v IS NULL THEN
    INSERT INTO fact_batches (sha256, source, rows) VALUES ('transaction ' || gen_random_uuid(), 'facts inserted without a batch', 0)
      RETURNING id::text INTO v;
    PERFORM set_config('wardboard.transaction_batch', v, true);
  END IF;
  RETURN v::bigint;
END $$;

DO $$
DECLARE v_batch bigint;
BEGIN
  IF EXISTS (SELECT 1 FROM facts WHERE batch_id IS NULL) THEN
    INSERT INTO fact_batches (sha256, source, rows, summed)
      SELECT 'facts without a batch before migration 0007', 'migration 0007', count(*), true FROM facts WHERE batch_id IS NULL
      RETURNING id INTO v_batch;
    ALTER TABLE facts DISABLE TRIGGER facts_no_update;
    UPDATE facts SET batch_id = v_batch WHERE batch_id IS NULL;
    ALTER TABLE facts ENABLE TRIGGER facts_no_update;
  END IF;
END $$;
ALTER TABLE facts ALTER COLUMN batch_id SET DEFAULT wb_transaction_batch(), ALTER COLUMN batch_id SET NOT NULL;

CREATE OR REPLACE FUNCTION wb_facts_changed() RETURNS trigger LANGUAGE plpgsql
SET work_mem = '64MB' SET jit = off AS $$
DECLARE
  message text;
  v_tz text := coalesce(wb_setting('timezone'), 'Asia/Ho_Chi_Minh');
  v_cutoff int := coalesce(wb_setting('cutoff_day')::int, 1);
  v_this_month date := date_trunc('month', now() AT TIME ZONE v_tz)::date;
  v_facts bigint;
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF to_regclass('pg_temp.wb_deleted_open_batches') IS NULL THEN
      CREATE TEMP TABLE wb_deleted_open_batches (id bigint) ON COMMIT DROP;
    END IF;
    -- Wait for a worker summing these batches, then take off what it added (the facts of summed
    -- batches; a batch deleted in this statement tells through wb_deleted_open_batches).
    PERFORM 1 FROM fact_batches WHERE id IN (SELECT DISTINCT batch_id FROM old_rows) FOR SHARE;
    -- A batch not yet summed that loses facts: its own sums are stale, the worker reads its facts.
    UPDATE fact_batches SET sums_complete = false
      WHERE id IN (SELECT DISTINCT batch_id FROM old_rows) AND NOT summed AND sums_complete;
    CREATE TEMP TABLE IF NOT EXISTS wb_fact_removed (area_code text COLLATE "C", indicator_code text COLLATE "C", month date,
      amount numeric, facts bigint) ON COMMIT DROP;
    TRUNCATE pg_temp.wb_fact_removed;
    INSERT INTO pg_temp.wb_fact_removed
      SELECT f.area_code, f.indicator_code, wb_period(f.occurred_at, coalesce(i.cutoff_day, v_cutoff), v_tz), sum(f.amount), count(*)
      FROM old_rows f JOIN indicators i ON i.code = f.indicator_code
      WHERE NOT EXISTS (SELECT 1 FROM fact_batches b WHERE b.id = f.batch_id AND NOT b.summed)
        AND f.batch_id NOT IN (SELECT id FROM pg_temp.wb_deleted_open_batches)
      GROUP BY 1, 2, 3;
    UPDATE fact_sums s SET amount = s.amount - g.amount, facts = s.facts - g.facts
      FROM pg_temp.wb_fact_removed g
      WHERE (s.indicator_code, s.area_code, s.month) = (g.indicator_code, g.area_code, g.month);
    DELETE FROM fact_sums WHERE facts <= 0;
    INSERT INTO aggregate_queue (indicator_code, area_code, month)
      SELECT DISTINCT indicator_code, area_code, month FROM pg_temp.wb_fact_removed ON CONFLICT DO NOTHING;
    PERFORM pg_notify('wardboard_dirty', TG_TABLE_NAME);
    RETURN NULL;
  END IF;

  -- One pass over the new facts, grouped by area, indicator and batch.
  CREATE TEMP TABLE IF NOT EXISTS wb_fact_spans (area_code text COLLATE "C", indicator_code text COLLATE "C", batch_id bigint,
    first_at timestamptz, last_at timestamptz, least_amount numeric, cutoff int, indicator_known boolean) ON COMMIT DROP;
  CREATE TEMP TABLE IF NOT EXISTS wb_new_reports (area_code text COLLATE "C", indicator_code text COLLATE "C", month date, value numeric) ON COMMIT DROP;
  TRUNCATE pg_temp.wb_fact_spans, pg_temp.wb_new_reports;
  INSERT INTO pg_temp.wb_fact_spans
    SELECT f.area_code, f.indicator_code, f.batch_id, min(f.occurred_at), max(f.occurred_at), min(f.amount), NULL, NULL
    FROM new_rows f GROUP BY 1, 2, 3;
  UPDATE pg_temp.wb_fact_spans g SET indicator_known = i.code IS NOT NULL, cutoff = coalesce(i.cutoff_day, v_cutoff)
    FROM (SELECT DISTINCT indicator_code FROM pg_temp.wb_fact_spans) s LEFT JOIN indicators i ON i.code = s.indicator_code
    WHERE g.indicator_code = s.indicator_code;

  -- What the foreign keys checked, once per group instead of once per row.
  SELECT format('fact for area %s: indicator %s does not exist', area_code, indicator_code) INTO message
    FROM pg_temp.wb_fact_spans WHERE NOT indicator_known LIMIT 1;
  IF message IS NOT NULL THEN
    RAISE EXCEPTION '%', message USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'facts_indicator_code_fkey';
  END IF;
  SELECT format('fact for area %s: area code %s does not exist', g.area_code, g.area_code) INTO message
    FROM pg_temp.wb_fact_spans g WHERE NOT EXISTS (SELECT 1 FROM area_codes c WHERE c.code = g.area_code) LIMIT 1;
  IF message IS NOT NULL THEN
    RAISE EXCEPTION '%', message USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'facts_area_code_fkey';
  END IF;
  -- A worker summing one of these batches finishes first; then the batch is seen as summed.
  PERFORM 1 FROM fact_batches WHERE id IN (SELECT DISTINCT batch_id FROM pg_temp.wb_fact_spans) FOR SHARE;
  SELECT CASE WHEN b.id IS NULL THEN format('facts of import batch %s: the batch does not exist', g.batch_id)
              ELSE format('facts of import batch %s: the batch is summed already and takes no more facts', g.batch_id) END
    INTO message
    FROM (SELECT DISTINCT batch_id FROM pg_temp.wb_fact_spans) g LEFT JOIN fact_batches b ON b.id = g.batch_id
    WHERE b.id IS NULL OR b.summed LIMIT 1;
  IF message IS NOT NULL THEN
    RAISE EXCEPTION '%', message USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'facts_batch_id_fkey';
  END IF;
  UPDATE fact_batches b SET first_at = least(b.first_at, g.first_at), last_at = greatest(b.last_at, g.last_at)
    FROM (SELECT batch_id, min(first_at) AS first_at, max(last_at) AS last_at FROM pg_temp.wb_fact_spans GROUP BY 1) g
    WHERE b.id = g.batch_id;

  -- DATA.md's rules (kind, sign, future, area valid and a leaf in the period). A group passes at
  -- a glance when its indicator takes facts, its least amount is allowed, its last period is not
  -- in the future and one row of its area, a leaf, counts in its first and its last period (a
  -- row's validity is one range: it counts in every period between). The other groups go through
  -- the rules period by period, over every period from their first fact to their last, a
  -- superset of their facts' own periods; when that finds something, the facts' own periods decide.
  INSERT INTO pg_temp.wb_new_reports
    SELECT g.area_code, g.indicator_code, m.month::date, g.least_amount
    FROM pg_temp.wb_fact_spans g
    JOIN indicators i ON i.code = g.indicator_code
    CROSS JOIN LATERAL (SELECT wb_period(g.first_at, g.cutoff, v_tz) AS first_period, wb_period(g.last_at, g.cutoff, v_tz) AS last_period) p
    CROSS JOIN LATERAL generate_series(p.first_period, p.last_period, interval '1 month') m(month)
    WHERE i.kind NOT IN ('count', 'amount') OR (i.kind = 'count' AND g.least_amount < 0) OR p.last_period > v_this_month
       OR NOT EXISTS (SELECT 1 FROM areas a WHERE a.code = g.area_code AND wb_is_leaf_kind(a.kind)
                      AND wb_counts_in(a.valid_from, a.valid_to, p.first_period) AND wb_counts_in(a.valid_from, a.valid_to, p.last_period));
  IF FOUND THEN
    message := wb_first_bad_report('fact');
    IF message IS NOT NULL THEN
      TRUNCATE pg_temp.wb_new_reports;
      INSERT INTO pg_temp.wb_new_reports
        SELECT f.area_code, f.indicator_code, wb_period(f.occurred_at, coalesce(i.cutoff_day, v_cutoff), v_tz), min(f.amount)
        FROM new_rows f JOIN indicators i ON i.code = f.indicator_code
        GROUP BY 1, 2, 3;
      message := wb_first_bad_report('fact');
      IF message IS NOT NULL THEN
        RAISE EXCEPTION '%', message USING ERRCODE = 'check_violation', CONSTRAINT = 'facts_rules';
      END IF;
    END IF;
  END IF;

  -- A small statement sums itself beside its batch; a large one leaves its batch to be read.
  SELECT count(*) INTO v_facts FROM (SELECT 1 FROM new_rows LIMIT 10001) s;
  IF v_facts <= 10000 THEN
    INSERT INTO fact_batch_sums (batch_id, indicator_code, area_code, month, amount, facts)
      SELECT f.batch_id, f.indicator_code, f.area_code, wb_period(f.occurred_at, coalesce(i.cutoff_day, v_cutoff), v_tz), sum(f.amount), count(*)
      FROM new_rows f JOIN indicators i ON i.code = f.indicator_code
      GROUP BY 1, 2, 3, 4;
  ELSE
    UPDATE fact_batches SET sums_complete = false
      WHERE id IN (SELECT DISTINCT batch_id FROM pg_temp.wb_fact_spans) AND sums_complete;
  END IF;
  PERFORM pg_notify('wardboard_dirty', TG_TABLE_NAME);
  RETURN NULL;
END $$;

-- Deleting a batch deletes its facts; those of a batch not yet summed have nothing to take off.
CREATE OR REPLACE FUNCTION wb_fact_batches_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF to_regclass('pg_temp.wb_deleted_open_batches') IS NULL THEN
    CREATE TEMP TABLE wb_deleted_open_batches (id bigint) ON COMMIT DROP;
  END IF;
  INSERT INTO pg_temp.wb_deleted_open_batches SELECT id FROM old_rows WHERE NOT summed;
  DELETE FROM facts WHERE batch_id IN (SELECT id FROM old_rows);
  RETURN NULL;
END $$;

-- Adds the facts of up to p_limit batches not yet summed to fact_sums and queues their keys;
-- returns the number of facts summed (0: nothing was waiting).
-- Right after a load the statistics of facts know nothing of the new rows (an estimate of 19
-- rows for 1.3 million made a nested loop over the indicators, 3.8 s): hash joins and a hash
-- aggregate are right for a batch of any size.
CREATE FUNCTION wb_fold_fact_batches(p_limit int) RETURNS bigint LANGUAGE plpgsql
SET work_mem = '128MB' SET enable_nestloop = off SET enable_sort = off AS $$
DECLARE
  v_batches bigint[];
  v_read bigint[];
  v_first timestamptz;
  v_last timestamptz;
  n bigint;
  v_tz text := coalesce(wb_setting('timezone'), 'Asia/Ho_Chi_Minh');
  v_cutoff int := coalesce(wb_setting('cutoff_day')::int, 1);
BEGIN
  SELECT array_agg(id), array_agg(id) FILTER (WHERE NOT sums_complete),
         min(first_at) FILTER (WHERE NOT sums_complete), max(last_at) FILTER (WHERE NOT sums_complete)
    INTO v_batches, v_read, v_first, v_last
    FROM (SELECT id, sums_complete, first_at, last_at FROM fact_batches WHERE NOT summed ORDER BY id LIMIT p_limit FOR UPDATE SKIP LOCKED) b;
  IF v_batches IS NULL THEN RETURN 0; END IF;
  CREATE TEMP TABLE IF NOT EXISTS wb_fact_folded (indicator_code text COLLATE "C", area_code text COLLATE "C", month date,
    amount numeric, facts bigint) ON COMMIT DROP;
  TRUNCATE pg_temp.wb_fact_folded;
  INSERT INTO pg_temp.wb_fact_folded
    SELECT indicator_code, area_code, month, sum(amount), sum(facts)
    FROM (SELECT s.indicator_code, s.area_code, s.month, s.amount, s.facts
          FROM fact_batch_sums s
          WHERE s.batch_id = ANY (v_batches) AND NOT s.batch_id = ANY (coalesce(v_read, '{}'))
          UNION ALL
          SELECT f.indicator_code, f.area_code, wb_period(f.occurred_at, coalesce(i.cutoff_day, v_cutoff), v_tz), f.amount, 1
          FROM facts f JOIN indicators i ON i.code = f.indicator_code
          WHERE v_read IS NOT NULL AND f.batch_id = ANY (v_read) AND f.occurred_at BETWEEN v_first AND v_last) x
    GROUP BY 1, 2, 3;
  INSERT INTO fact_sums AS s (indicator_code, area_code, month, amount, facts)
    SELECT indicator_code, area_code, month, amount, facts FROM pg_temp.wb_fact_folded
    ON CONFLICT (indicator_code, area_code, month)
    DO UPDATE SET amount = s.amount + excluded.amount, facts = s.facts + excluded.facts;
  INSERT INTO aggregate_queue (indicator_code, area_code, month)
    SELECT indicator_code, area_code, month FROM pg_temp.wb_fact_folded ON CONFLICT DO NOTHING;
  DELETE FROM fact_batch_sums WHERE batch_id = ANY (v_batches);
  UPDATE fact_batches SET summed = true WHERE id = ANY (v_batches);
  SELECT coalesce(sum(facts), 0) INTO n FROM pg_temp.wb_fact_folded;
  RETURN n;
END $$;

-- A code may not go while facts use it: fact_sums answers for summed batches, the facts of the
-- batches still waiting answer for themselves.
CREATE OR REPLACE FUNCTION wb_fact_codes_removed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE v_code text;
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS wb_removed_codes (code text COLLATE "C") ON COMMIT DROP;
  TRUNCATE pg_temp.wb_removed_codes;
  IF TG_OP = 'UPDATE' THEN
    INSERT INTO pg_temp.wb_removed_codes SELECT code FROM old_rows EXCEPT SELECT code FROM new_rows;
  ELSE
    INSERT INTO pg_temp.wb_removed_codes SELECT code FROM old_rows;
  END IF;
  IF TG_TABLE_NAME = 'area_codes' THEN
    SELECT s.area_code INTO v_code FROM fact_sums s WHERE s.area_code IN (SELECT code FROM pg_temp.wb_removed_codes) LIMIT 1;
    IF v_code IS NULL THEN
      SELECT f.area_code INTO v_code FROM facts f
      WHERE f.batch_id = ANY (ARRAY(SELECT id FROM fact_batches WHERE NOT summed))
        AND f.occurred_at BETWEEN (SELECT min(first_at) FROM fact_batches WHERE NOT summed)
                              AND (SELECT max(last_at) FROM fact_batches WHERE NOT summed)
        AND f.area_code IN (SELECT code FROM pg_temp.wb_removed_codes) LIMIT 1;
    END IF;
  ELSE
    SELECT s.indicator_code INTO v_code FROM fact_sums s WHERE s.indicator_code IN (SELECT code FROM pg_temp.wb_removed_codes) LIMIT 1;
    IF v_code IS NULL THEN
      SELECT f.indicator_code INTO v_code FROM facts f
      WHERE f.batch_id = ANY (ARRAY(SELECT id FROM fact_batches WHERE NOT summed))
        AND f.occurred_at BETWEEN (SELECT min(first_at) FROM fact_batches WHERE NOT summed)
                              AND (SELECT max(last_at) FROM fact_batches WHERE NOT summed)
        AND f.indicator_code IN (SELECT code FROM pg_temp.wb_removed_codes) LIMIT 1;
    END IF;
  END IF;
  IF v_code IS NOT NULL THEN
    RAISE EXCEPTION 'code % is still used by facts', v_code USING ERRCODE = 'foreign_key_violation',
      CONSTRAINT = CASE TG_TABLE_NAME WHEN 'area_codes' THEN 'facts_area_code_fkey' ELSE 'facts_indicator_code_fkey' END;
  END IF;
  RETURN NULL;
END $$;

-- The rebuild: every batch it can see is summed by it (a load committing meanwhile waits for
-- the next fold), and fact_sums is recounted from the facts of summed batches only. Otherwise
-- as in 0006.
CREATE OR REPLACE FUNCTION wb_rebuild(p_from date) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  PERFORM wb_rebuild_lineage();
  ANALYZE area_lineage;
  -- Facts' periods depend on settings and cut-off days: recount them.
  UPDATE fact_batches SET summed = true WHERE NOT summed;
  DELETE FROM fact_batch_sums WHERE batch_id IN (SELECT id FROM fact_batches WHERE summed);
  DELETE FROM fact_sums;
  INSERT INTO fact_sums
    SELECT f.indicator_code, f.area_code,
           wb_period(f.occurred_at, coalesce(i.cutoff_day, wb_setting('cutoff_day')::int, 1), coalesce(wb_setting('timezone'), 'Asia/Ho_Chi_Minh')),
           sum(f.amount), count(*)
    FROM facts f JOIN indicators i ON i.code = f.indicator_code
    WHERE f.batch_id IN (SELECT id FROM fact_batches WHERE summed)
    GROUP BY 1, 2, 3;

  CREATE TEMP TABLE IF NOT EXISTS wb_value_keys (indicator_code text COLLATE "C", area_code text COLLATE "C", month date) ON COMMIT DROP;
  CREATE TEMP TABLE IF NOT EXISTS wb_targets (indicator_code text COLLATE "C", area_code text COLLATE "C", month date) ON COMMIT DROP;
  TRUNCATE pg_temp.wb_value_keys, pg_temp.wb_targets;
  ANALYZE fact_sums;
  DELETE FROM area_values WHERE p_from IS NULL OR month >= p_from;
  DELETE FROM aggregates WHERE p_from IS NULL OR month >= p_from;

  -- Every area and indicator, in every month from the first month with data to the last.
  INSERT INTO pg_temp.wb_value_keys
  SELECT i.code, a.code, m.month::date
  FROM (SELECT min(month) AS lo, max(month) AS hi FROM leaf_values) r
  CROSS JOIN LATERAL generate_series(greatest(r.lo, coalesce(p_from, r.lo)), r.hi, interval '1 month') m(month)
  JOIN areas a ON wb_counts_in(a.valid_from, a.valid_to, m.month::date)
  CROSS JOIN indicators i;
  PERFORM wb_refresh_values();
  ANALYZE area_values;

  INSERT INTO pg_temp.wb_targets SELECT indicator_code, area_code, month FROM area_values
    WHERE p_from IS NULL OR month >= p_from;
  n := wb_compute_aggregates();
  RETURN n;
END $$;
ALTER FUNCTION wb_rebuild(date) SET enable_nestloop = off;
