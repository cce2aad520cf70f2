-- Facts load at close to COPY speed. Loading 1.3 million facts spent most of its time in checks
-- made once per row: two domain regexes, three foreign keys (each a lookup through the trigger
-- queue), a serial id with its primary key and a B-tree over (indicator, time, area). Here they
-- become checks made once per statement on the new facts grouped by area, indicator, period and
-- batch (the grouping the trigger already needed for fact_sums): the database still refuses
-- every fact it refused before, with the same error codes.
--
-- Layout: facts arrive month by month, so a BRIN index on occurred_at keeps one period's scan
-- to the blocks of that period at almost no cost per insert. What the aggregates read is
-- fact_sums (one row per area, indicator and period), kept in step by the trigger.

-- The code domains: the same rule as before, without the regex engine (about 5x cheaper per
-- value; every queue, sum and aggregate row checks two codes).
ALTER DOMAIN area_code DROP CONSTRAINT area_code_format;
ALTER DOMAIN area_code ADD CONSTRAINT area_code_format
  CHECK (octet_length(VALUE) BETWEEN 1 AND 64 AND ltrim(VALUE, 'abcdefghijklmnopqrstuvwxyz0123456789-') = '');
ALTER DOMAIN indicator_code DROP CONSTRAINT indicator_code_format;
ALTER DOMAIN indicator_code ADD CONSTRAINT indicator_code_format
  CHECK (octet_length(VALUE) BETWEEN 1 AND 64 AND ltrim(VALUE, 'abcdefghijklmnopqrstuvwxyz0123456789_') = '');

-- DATA.md's rules for reported values, set-based: the settings read once, the areas joined once
-- (they were a correlated lookup and two settings reads per reported key).
CREATE OR REPLACE FUNCTION wb_first_bad_report(p_kind text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  message text;
  v_this_month date := date_trunc('month', now() AT TIME ZONE coalesce(wb_setting('timezone'), 'Asia/Ho_Chi_Minh'))::date;
BEGIN
  SELECT format('%s for area %s, indicator %s, month %s: %s', p_kind, n.area_code, n.indicator_code, to_char(n.month, 'YYYY-MM'),
    CASE
      WHEN i.kind = 'ratio' THEN 'ratio indicators are computed from their numerator and denominator, never reported'
      WHEN p_kind = 'fact' AND i.kind = 'stock' THEN 'stock indicators are reported as month values, not as facts'
      WHEN i.kind IN ('count', 'stock') AND n.value < 0 THEN format('negative value %s for a %s indicator', n.value, i.kind)
      WHEN n.month > v_this_month THEN 'the month is in the future'
      WHEN NOT n.area_exists THEN 'the area does not exist in that month'
      ELSE 'only wards, communes and towns report; a parent''s figures are roll-ups'
    END)
  INTO message
  FROM (SELECT r.area_code, r.indicator_code, r.month, min(r.value) AS value,
               bool_or(a.code IS NOT NULL) AS area_exists,
               bool_or(a.code IS NOT NULL AND wb_is_leaf_kind(a.kind)) AS area_is_leaf
        FROM pg_temp.wb_new_reports r
        LEFT JOIN areas a ON a.code = r.area_code AND wb_counts_in(a.valid_from, a.valid_to, r.month)
        GROUP BY 1, 2, 3) n
  JOIN indicators i ON i.code = n.indicator_code
  WHERE i.kind = 'ratio'
     OR (p_kind = 'fact' AND i.kind = 'stock')
     OR (i.kind IN ('count', 'stock') AND n.value < 0)
     OR n.month > v_this_month
     OR NOT n.area_is_leaf
  LIMIT 1;
  RETURN message;
END $$;

DROP TRIGGER facts_inserted ON facts;
DROP TRIGGER facts_deleted ON facts;
DROP FUNCTION wb_fact_period(timestamptz, smallint);
DROP INDEX facts_by_time;
ALTER TABLE facts
  DROP CONSTRAINT facts_area_code_fkey,
  DROP CONSTRAINT facts_indicator_code_fkey,
  DROP CONSTRAINT facts_batch_id_fkey,
  DROP COLUMN id,
  ALTER COLUMN area_code TYPE text COLLATE "C",
  ALTER COLUMN indicator_code TYPE text COLLATE "C";
CREATE INDEX facts_by_time ON facts USING brin (occurred_at);

CREATE OR REPLACE FUNCTION wb_facts_changed() RETURNS trigger LANGUAGE plpgsql
-- The planner cannot see how many rows a transition table holds: with this much memory it picks
-- a hash aggregate for a whole file's facts instead of sorting them on disk.
SET work_mem = '128MB' AS $$
DECLARE
  message text;
  -- Read once per statement, not once per row.
  v_tz text := coalesce(wb_setting('timezone'), 'Asia/Ho_Chi_Minh');
  v_cutoff int := coalesce(wb_setting('cutoff_day')::int, 1);
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS wb_fact_groups (
    area_code text, indicator_code text, month date, batch_id bigint,
    amount numeric, least_amount numeric, facts bigint, indicator_known boolean) ON COMMIT DROP;
  CREATE TEMP TABLE IF NOT EXISTS wb_new_reports (area_code text, indicator_code text, month date, value numeric) ON COMMIT DROP;
  TRUNCATE pg_temp.wb_fact_groups, pg_temp.wb_new_reports;
  -- One pass over the changed facts.
  IF TG_OP = 'INSERT' THEN
    INSERT INTO pg_temp.wb_fact_groups
      SELECT f.area_code, f.indicator_code, wb_period(f.occurred_at, coalesce(i.cutoff_day, v_cutoff), v_tz), f.batch_id,
             sum(f.amount), min(f.amount), count(*), i.code IS NOT NULL
      FROM new_rows f LEFT JOIN indicators i ON i.code = f.indicator_code
      GROUP BY 1, 2, 3, 4, 8;
  ELSE
    INSERT INTO pg_temp.wb_fact_groups
      SELECT f.area_code, f.indicator_code, wb_period(f.occurred_at, coalesce(i.cutoff_day, v_cutoff), v_tz), NULL,
             sum(f.amount), min(f.amount), count(*), true
      FROM old_rows f LEFT JOIN indicators i ON i.code = f.indicator_code
      GROUP BY 1, 2, 3;
  END IF;

  IF TG_OP = 'INSERT' THEN
    -- What the foreign keys checked, once per group instead of once per row.
    SELECT format('fact for area %s: indicator %s does not exist', area_code, indicator_code) INTO message
      FROM pg_temp.wb_fact_groups WHERE NOT indicator_known LIMIT 1;
    IF message IS NOT NULL THEN
      RAISE EXCEPTION '%', message USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'facts_indicator_code_fkey';
    END IF;
    SELECT format('fact for area %s: area code %s does not exist', g.area_code, g.area_code) INTO message
      FROM pg_temp.wb_fact_groups g WHERE NOT EXISTS (SELECT 1 FROM area_codes c WHERE c.code = g.area_code) LIMIT 1;
    IF message IS NOT NULL THEN
      RAISE EXCEPTION '%', message USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'facts_area_code_fkey';
    END IF;
    SELECT format('facts of import batch %s: the batch does not exist', g.batch_id) INTO message
      FROM (SELECT DISTINCT batch_id FROM pg_temp.wb_fact_groups WHERE batch_id IS NOT NULL) g
      WHERE NOT EXISTS (SELECT 1 FROM fact_batches b WHERE b.id = g.batch_id) LIMIT 1;
    IF message IS NOT NULL THEN
      RAISE EXCEPTION '%', message USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'facts_batch_id_fkey';
    END IF;
    -- DATA.md's rules (kind, sign, future, area valid and a leaf in the period), per group.
    INSERT INTO pg_temp.wb_new_reports
      SELECT area_code, indicator_code, month, min(least_amount) FROM pg_temp.wb_fact_groups GROUP BY 1, 2, 3;
    message := wb_first_bad_report('fact');
    IF message IS NOT NULL THEN
      RAISE EXCEPTION '%', message USING ERRCODE = 'check_violation', CONSTRAINT = 'facts_rules';
    END IF;
    INSERT INTO fact_sums AS s (indicator_code, area_code, month, amount, facts)
      SELECT indicator_code, area_code, month, sum(amount), sum(facts) FROM pg_temp.wb_fact_groups GROUP BY 1, 2, 3
      ON CONFLICT (indicator_code, area_code, month)
      DO UPDATE SET amount = s.amount + excluded.amount, facts = s.facts + excluded.facts;
  ELSE
    UPDATE fact_sums s SET amount = s.amount - g.amount, facts = s.facts - g.facts
      FROM pg_temp.wb_fact_groups g
      WHERE (s.indicator_code, s.area_code, s.month) = (g.indicator_code, g.area_code, g.month);
    DELETE FROM fact_sums WHERE facts <= 0;
  END IF;
  INSERT INTO aggregate_queue (indicator_code, area_code, month)
    SELECT DISTINCT indicator_code, area_code, month FROM pg_temp.wb_fact_groups WHERE indicator_known ON CONFLICT DO NOTHING;
  PERFORM pg_notify('wardboard_dirty', TG_TABLE_NAME);
  RETURN NULL;
END $$;

CREATE TRIGGER facts_inserted AFTER INSERT ON facts
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_facts_changed();
CREATE TRIGGER facts_deleted AFTER DELETE ON facts
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_facts_changed();

-- What ON DELETE CASCADE did: deleting an import batch deletes its facts (a rare, whole-table
-- scan; an index on batch_id would cost every load).
CREATE FUNCTION wb_fact_batches_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM facts WHERE batch_id IN (SELECT id FROM old_rows);
  RETURN NULL;
END $$;
CREATE TRIGGER fact_batches_deleted AFTER DELETE ON fact_batches
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_fact_batches_deleted();

-- What the foreign keys refused: removing or renaming a code that facts still use. Every fact
-- has its fact_sums row, so fact_sums answers without reading the facts.
CREATE FUNCTION wb_fact_codes_removed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE v_code text;
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS wb_removed_codes (code text) ON COMMIT DROP;
  TRUNCATE pg_temp.wb_removed_codes;
  IF TG_OP = 'UPDATE' THEN
    INSERT INTO pg_temp.wb_removed_codes SELECT code FROM old_rows EXCEPT SELECT code FROM new_rows;
  ELSE
    INSERT INTO pg_temp.wb_removed_codes SELECT code FROM old_rows;
  END IF;
  IF TG_TABLE_NAME = 'area_codes' THEN
    SELECT s.area_code INTO v_code FROM fact_sums s WHERE s.area_code IN (SELECT code FROM pg_temp.wb_removed_codes) LIMIT 1;
  ELSE
    SELECT s.indicator_code INTO v_code FROM fact_sums s WHERE s.indicator_code IN (SELECT code FROM pg_temp.wb_removed_codes) LIMIT 1;
  END IF;
  IF v_code IS NOT NULL THEN
    RAISE EXCEPTION 'code % is still used by facts', v_code USING ERRCODE = 'foreign_key_violation',
      CONSTRAINT = CASE TG_TABLE_NAME WHEN 'area_codes' THEN 'facts_area_code_fkey' ELSE 'facts_indicator_code_fkey' END;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER area_codes_deleted AFTER DELETE ON area_codes
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_fact_codes_removed();
CREATE TRIGGER area_codes_updated AFTER UPDATE ON area_codes
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_fact_codes_removed();
CREATE TRIGGER indicators_deleted AFTER DELETE ON indicators
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_fact_codes_removed();
CREATE TRIGGER indicators_updated AFTER UPDATE ON indicators
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_fact_codes_removed();
