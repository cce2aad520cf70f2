-- Raw incident and receipt records (DATA.md "Values for a month"). A load checks every rule
-- before it commits, per statement and on the new facts grouped by area, indicator and batch
-- (a few thousand groups for a file of a million facts); summing them into fact_sums is the
-- worker's (fact_folding.sql).
--
-- * Every fact belongs to a batch (fact_batches); facts inserted without one get a batch of
--   their transaction's own (wb_transaction_batch, the column default). A summed batch takes no
--   more facts.
-- * A statement of at most 10,000 facts also writes its per-period sums (fact_batch_sums), so
--   the worker does not read the facts of a small write; a larger one marks its batch to be read.
-- * Deleting facts of a summed batch takes them off fact_sums at once and queues their keys;
--   deleting facts of a batch not yet summed has nothing to take off (its own sums become stale).
-- * The codes that facts use cannot be removed (what foreign keys did, once per statement).
--
-- * Writes into closed months (months.sql) are refused, or audited under an admin's reason.
--
-- Reads: facts' transition tables, indicators, areas, area_codes, fact_batches, settings,
-- month_states. Writes: fact_batches, fact_batch_sums, fact_sums, aggregate_queue, audit_log;
-- NOTIFY wardboard_dirty.

-- The batch of a transaction's facts that name none: created on first use, one per transaction
-- (a transaction-local setting remembers it; a rolled-back savepoint forgets it with its batch).
CREATE OR REPLACE FUNCTION wb_transaction_batch() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE v text := nullif(current_setting('wardboard.transaction_batch', true), '');
BEGIN
  IF v IS NULL THEN
    INSERT INTO fact_batches (sha256, source, rows) VALUES ('transaction ' || gen_random_uuid(), 'facts inserted without a batch', 0)
      RETURNING id::text INTO v;
    PERFORM set_config('wardboard.transaction_batch', v, true);
  END IF;
  RETURN v::bigint;
END $$;
ALTER TABLE facts ALTER COLUMN batch_id SET DEFAULT wb_transaction_batch();

CREATE OR REPLACE FUNCTION wb_facts_changed() RETURNS trigger LANGUAGE plpgsql
SET work_mem = '64MB' SET jit = off AS $$
DECLARE
  message text;
  v_tz text := wb_setting('timezone');
  v_cutoff int := wb_setting('cutoff_day')::int;
  v_facts bigint;
  v_locks boolean;
BEGIN
  IF TG_OP = 'DELETE' THEN
    -- Facts of a closed month are not deleted either, unless an admin gives a reason (audited).
    IF wb_locks_possible() THEN
      IF wb_override_reason() = '' THEN
        PERFORM wb_refuse_closed_months(k.areas, k.months, 'fact')
        FROM (SELECT array_agg(area_code) AS areas, array_agg(month) AS months
              FROM (SELECT DISTINCT f.area_code, wb_period(f.occurred_at, coalesce(i.cutoff_day, v_cutoff), v_tz) AS month
                    FROM old_rows f JOIN indicators i ON i.code = f.indicator_code) d) k;
      ELSE
        PERFORM wb_audit_overrides(k.areas, k.months, 'facts deleted')
        FROM (SELECT array_agg(area_code) AS areas, array_agg(month) AS months
              FROM (SELECT DISTINCT f.area_code, wb_period(f.occurred_at, coalesce(i.cutoff_day, v_cutoff), v_tz) AS month
                    FROM old_rows f JOIN indicators i ON i.code = f.indicator_code) d) k;
      END IF;
    END IF;
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
    PERFORM wb_first_months_rechecked(ARRAY(SELECT indicator_code FROM pg_temp.wb_fact_removed),
                                      ARRAY(SELECT month FROM pg_temp.wb_fact_removed));
    PERFORM pg_notify('wardboard_dirty', TG_TABLE_NAME);
    RETURN NULL;
  END IF;

  -- One pass over the new facts, grouped by area, indicator and batch.
  CREATE TEMP TABLE IF NOT EXISTS wb_fact_spans (area_code text COLLATE "C", indicator_code text COLLATE "C", batch_id bigint,
    first_at timestamptz, last_at timestamptz, least_amount numeric, all_whole boolean, cutoff int) ON COMMIT DROP;
  TRUNCATE pg_temp.wb_fact_spans;
  INSERT INTO pg_temp.wb_fact_spans
    SELECT f.area_code, f.indicator_code, f.batch_id, min(f.occurred_at), max(f.occurred_at), min(f.amount),
           bool_and(f.amount = trunc(f.amount)), NULL
    FROM new_rows f GROUP BY 1, 2, 3;
  UPDATE pg_temp.wb_fact_spans g SET cutoff = coalesce(i.cutoff_day, v_cutoff)
    FROM indicators i WHERE i.code = g.indicator_code;

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

  -- The reporting rules (report_rules.sql). A group passes at a glance when its codes are known,
  -- its indicator takes facts, its amounts are allowed, its last fact is not in the future, one
  -- row of its area, a leaf, counts in its first and its last period (a row's validity is one
  -- range: it counts in every period between), and no month can be closed. The other groups go
  -- through the rules period by period, over every period from their first fact to their last
  -- (a superset of their facts' own periods); when that finds something, the facts' own periods
  -- decide.
  v_locks := wb_locks_possible() AND wb_override_reason() = '';
  PERFORM wb_new_reports_reset();
  INSERT INTO pg_temp.wb_new_reports (area_code, indicator_code, month, least_value, all_whole, latest_at)
    SELECT g.area_code, g.indicator_code, m.month::date, g.least_amount, g.all_whole, g.last_at
    FROM pg_temp.wb_fact_spans g
    LEFT JOIN indicators i ON i.code = g.indicator_code
    CROSS JOIN LATERAL (SELECT wb_period(g.first_at, coalesce(g.cutoff, v_cutoff), v_tz) AS first_period,
                               wb_period(g.last_at, coalesce(g.cutoff, v_cutoff), v_tz) AS last_period) p
    CROSS JOIN LATERAL generate_series(p.first_period, p.last_period, interval '1 month') m(month)
    WHERE v_locks OR i.code IS NULL OR i.kind NOT IN ('count', 'amount') OR (i.kind = 'count' AND (g.least_amount < 0 OR NOT g.all_whole))
       OR g.last_at > now()
       OR NOT EXISTS (SELECT 1 FROM areas a WHERE a.code = g.area_code AND wb_is_leaf_kind(a.kind)
                      AND wb_counts_in(a.valid_from, a.valid_to, p.first_period) AND wb_counts_in(a.valid_from, a.valid_to, p.last_period));
  IF FOUND AND EXISTS (SELECT 1 FROM wb_report_problems('fact')) THEN
    PERFORM wb_new_reports_reset();
    INSERT INTO pg_temp.wb_new_reports (area_code, indicator_code, month, least_value, all_whole, latest_at)
      SELECT f.area_code, f.indicator_code, wb_period(f.occurred_at, coalesce(i.cutoff_day, v_cutoff), v_tz),
             min(f.amount), bool_and(f.amount = trunc(f.amount)), max(f.occurred_at)
      FROM new_rows f LEFT JOIN indicators i ON i.code = f.indicator_code
      GROUP BY 1, 2, 3;
    PERFORM wb_raise_report_problem('fact');
  END IF;
  -- Facts written into closed months under an admin's reason are audited.
  IF wb_override_reason() <> '' AND wb_locks_possible() THEN
    PERFORM wb_audit_overrides(k.areas, k.months, 'facts written')
    FROM (SELECT array_agg(area_code) AS areas, array_agg(month) AS months
          FROM (SELECT DISTINCT f.area_code, wb_period(f.occurred_at, coalesce(i.cutoff_day, v_cutoff), v_tz) AS month
                FROM new_rows f JOIN indicators i ON i.code = f.indicator_code) d) k;
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

CREATE OR REPLACE TRIGGER facts_inserted AFTER INSERT ON facts
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_facts_changed();
CREATE OR REPLACE TRIGGER facts_deleted AFTER DELETE ON facts
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_facts_changed();

-- Facts have no identity: they are deleted and inserted, never updated.
CREATE OR REPLACE FUNCTION wb_refuse_fact_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'facts are not updated in place; delete and insert them' USING ERRCODE = 'feature_not_supported';
END $$;
CREATE OR REPLACE TRIGGER facts_no_update BEFORE UPDATE ON facts FOR EACH STATEMENT EXECUTE FUNCTION wb_refuse_fact_update();

-- Deleting a batch deletes its facts (a rare, whole-table scan; an index on batch_id would cost
-- every load); those of a batch not yet summed have nothing to take off.
CREATE OR REPLACE FUNCTION wb_fact_batches_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF to_regclass('pg_temp.wb_deleted_open_batches') IS NULL THEN
    CREATE TEMP TABLE wb_deleted_open_batches (id bigint) ON COMMIT DROP;
  END IF;
  INSERT INTO pg_temp.wb_deleted_open_batches SELECT id FROM old_rows WHERE NOT summed;
  DELETE FROM facts WHERE batch_id IN (SELECT id FROM old_rows);
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER fact_batches_deleted AFTER DELETE ON fact_batches
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_fact_batches_deleted();

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
CREATE OR REPLACE TRIGGER area_codes_deleted AFTER DELETE ON area_codes
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_fact_codes_removed();
CREATE OR REPLACE TRIGGER area_codes_updated AFTER UPDATE ON area_codes
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_fact_codes_removed();
CREATE OR REPLACE TRIGGER indicators_deleted AFTER DELETE ON indicators
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_fact_codes_removed();
CREATE OR REPLACE TRIGGER indicators_updated AFTER UPDATE ON indicators
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_fact_codes_removed();
