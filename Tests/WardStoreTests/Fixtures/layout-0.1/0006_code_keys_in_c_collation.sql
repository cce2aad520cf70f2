-- Codes compare byte by byte. Area and indicator codes are ASCII identifiers (the domains allow
-- only a-z, 0-9, '-' and '_'), but as text they took the database's default collation, ICU
-- vi-VN, so every B-tree insert and lookup, sort, merge join and GROUP BY on a code went through
-- ICU's comparison: the full rebuild sorts 6.9 million comparable figures by code three times,
-- the facts load inserts 120,000 fact_sums and queue keys, every feed looks rows up by code.
-- Under "C" the order of codes is their byte order (the same as ICU's for '-' and digits and
-- letters; '_' now sorts after digits). Names keep the Vietnamese collation.
--
-- Every code column changes together, so no comparison mixes collations (a C column against a
-- text value of the default collation compares as C, and still uses the C indexes). facts'
-- code columns are "C" already (0004). The view that reads the columns is recreated as it was.
DROP VIEW leaf_values;

ALTER TABLE area_codes ALTER COLUMN code TYPE area_code COLLATE "C";
ALTER TABLE areas ALTER COLUMN code TYPE area_code COLLATE "C", ALTER COLUMN parent_code TYPE area_code COLLATE "C";
ALTER TABLE successions ALTER COLUMN from_code TYPE area_code COLLATE "C", ALTER COLUMN to_code TYPE area_code COLLATE "C";
ALTER TABLE party_cells ALTER COLUMN area_code TYPE area_code COLLATE "C";
ALTER TABLE api_tokens ALTER COLUMN area_code TYPE area_code COLLATE "C";
ALTER TABLE indicators ALTER COLUMN code TYPE indicator_code COLLATE "C",
  ALTER COLUMN numerator_code TYPE indicator_code COLLATE "C", ALTER COLUMN denominator_code TYPE indicator_code COLLATE "C";
ALTER TABLE observations ALTER COLUMN area_code TYPE area_code COLLATE "C", ALTER COLUMN indicator_code TYPE indicator_code COLLATE "C";
ALTER TABLE observation_history ALTER COLUMN area_code TYPE area_code COLLATE "C", ALTER COLUMN indicator_code TYPE indicator_code COLLATE "C";
ALTER TABLE targets ALTER COLUMN area_code TYPE area_code COLLATE "C", ALTER COLUMN indicator_code TYPE indicator_code COLLATE "C";
ALTER TABLE fact_sums ALTER COLUMN area_code TYPE area_code COLLATE "C", ALTER COLUMN indicator_code TYPE indicator_code COLLATE "C";
ALTER TABLE area_values ALTER COLUMN area_code TYPE area_code COLLATE "C", ALTER COLUMN indicator_code TYPE indicator_code COLLATE "C";
ALTER TABLE area_lineage ALTER COLUMN area_code TYPE area_code COLLATE "C", ALTER COLUMN pred_code TYPE area_code COLLATE "C";
ALTER TABLE aggregates ALTER COLUMN area_code TYPE area_code COLLATE "C", ALTER COLUMN indicator_code TYPE indicator_code COLLATE "C";
ALTER TABLE aggregate_queue ALTER COLUMN area_code TYPE area_code COLLATE "C", ALTER COLUMN indicator_code TYPE indicator_code COLLATE "C";

CREATE VIEW leaf_values AS
  SELECT coalesce(o.indicator_code, s.indicator_code) AS indicator_code,
         coalesce(o.area_code, s.area_code) AS area_code,
         coalesce(o.month, s.month) AS month,
         coalesce(o.value, s.amount) AS value
  FROM observations o FULL JOIN fact_sums s USING (indicator_code, area_code, month);

-- A column's new type drops its statistics: gather them again, or the next plans are guesses.
ANALYZE area_codes, areas, successions, party_cells, indicators, observations, targets, fact_sums,
  area_values, area_lineage, aggregates, aggregate_queue;

-- Temporary tables of the triggers and the worker: their code columns are "C" too (a recursive
-- query may not mix collations between its two terms; sorts and DISTINCTs on them are cheaper).
-- The functions are otherwise as they were.

CREATE OR REPLACE FUNCTION wb_observations_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE message text;
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    CREATE TEMP TABLE IF NOT EXISTS wb_new_reports (area_code text COLLATE "C", indicator_code text COLLATE "C", month date, value numeric) ON COMMIT DROP;
    TRUNCATE pg_temp.wb_new_reports;
    INSERT INTO pg_temp.wb_new_reports SELECT area_code, indicator_code, month, value FROM new_rows;
    message := wb_first_bad_report('observation');
    IF message IS NOT NULL THEN
      RAISE EXCEPTION '%', message USING ERRCODE = 'check_violation', CONSTRAINT = 'observations_rules';
    END IF;
    INSERT INTO aggregate_queue (indicator_code, area_code, month)
      SELECT DISTINCT indicator_code, area_code, month FROM new_rows ON CONFLICT DO NOTHING;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    INSERT INTO observation_history (area_code, indicator_code, month, old_value, new_value, changed_by)
      SELECT n.area_code, n.indicator_code, n.month, o.value, n.value, n.updated_by
      FROM new_rows n JOIN old_rows o USING (indicator_code, area_code, month)
      WHERE o.value IS DISTINCT FROM n.value;
  END IF;
  IF TG_OP = 'DELETE' THEN
    INSERT INTO observation_history (area_code, indicator_code, month, old_value, new_value, changed_by)
      SELECT area_code, indicator_code, month, value, NULL, current_user FROM old_rows;
    INSERT INTO aggregate_queue (indicator_code, area_code, month)
      SELECT DISTINCT indicator_code, area_code, month FROM old_rows ON CONFLICT DO NOTHING;
  END IF;
  PERFORM pg_notify('wardboard_dirty', TG_TABLE_NAME);
  RETURN NULL;
END $$;

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
    area_code text COLLATE "C", indicator_code text COLLATE "C", month date, batch_id bigint,
    amount numeric, least_amount numeric, facts bigint, indicator_known boolean) ON COMMIT DROP;
  CREATE TEMP TABLE IF NOT EXISTS wb_new_reports (area_code text COLLATE "C", indicator_code text COLLATE "C", month date, value numeric) ON COMMIT DROP;
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

CREATE OR REPLACE FUNCTION wb_refresh_values() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS wb_changed (indicator_code text COLLATE "C", area_code text COLLATE "C", month date) ON COMMIT DROP;
  TRUNCATE pg_temp.wb_changed;
  ANALYZE pg_temp.wb_value_keys;

  CREATE TEMP TABLE wb_fresh ON COMMIT DROP AS
  WITH RECURSIVE keys AS (
    SELECT DISTINCT indicator_code, area_code, month FROM pg_temp.wb_value_keys
  ),
  down(indicator_code, root, month, node) AS (
    SELECT indicator_code, area_code, month, area_code FROM keys
    UNION ALL
    SELECT d.indicator_code, d.root, d.month, c.code
    FROM down d JOIN areas c ON c.parent_code = d.node AND wb_counts_in(c.valid_from, c.valid_to, d.month)
  ),
  leaves AS (
    SELECT d.* FROM down d
    WHERE EXISTS (SELECT 1 FROM areas a WHERE a.code = d.node AND wb_is_leaf_kind(a.kind)
                  AND wb_counts_in(a.valid_from, a.valid_to, d.month))
  ),
  parts AS (
    SELECT l.indicator_code, l.root, l.month,
           CASE WHEN i.kind = 'ratio' THEN NULL ELSE v.value END AS value,
           CASE WHEN i.kind = 'ratio' THEN v.num END AS num,
           CASE WHEN i.kind = 'ratio' THEN v.den END AS den
    FROM leaves l
    JOIN indicators i ON i.code = l.indicator_code
    -- A leaf's own value: its observation, else its facts (the leaf_values view, spelled out as
    -- keyed joins so that each lookup uses the primary keys instead of scanning a FULL JOIN).
    LEFT JOIN observations o ON i.kind <> 'ratio' AND (o.indicator_code, o.area_code, o.month) = (l.indicator_code, l.node, l.month)
    LEFT JOIN fact_sums f ON i.kind <> 'ratio' AND (f.indicator_code, f.area_code, f.month) = (l.indicator_code, l.node, l.month)
    LEFT JOIN observations no ON i.kind = 'ratio' AND (no.indicator_code, no.area_code, no.month) = (i.numerator_code, l.node, l.month)
    LEFT JOIN fact_sums nf ON i.kind = 'ratio' AND (nf.indicator_code, nf.area_code, nf.month) = (i.numerator_code, l.node, l.month)
    LEFT JOIN observations dob ON i.kind = 'ratio' AND (dob.indicator_code, dob.area_code, dob.month) = (i.denominator_code, l.node, l.month)
    LEFT JOIN fact_sums df ON i.kind = 'ratio' AND (df.indicator_code, df.area_code, df.month) = (i.denominator_code, l.node, l.month),
    LATERAL (SELECT coalesce(o.value, f.amount) AS value, coalesce(no.value, nf.amount) AS num, coalesce(dob.value, df.amount) AS den) v
    WHERE v.value IS NOT NULL OR (v.num IS NOT NULL AND v.den IS NOT NULL)
  )
  SELECT indicator_code, root AS area_code, month,
         CASE WHEN count(num) > 0 THEN CASE WHEN sum(den) <> 0 THEN 100 * sum(num) / sum(den) END ELSE sum(value) END AS value,
         sum(num) AS num, sum(den) AS den
  FROM parts GROUP BY indicator_code, root, month;

  -- Record what changed (for the aggregates to follow), then replace.
  INSERT INTO pg_temp.wb_changed
    SELECT k.indicator_code, k.area_code, k.month FROM (SELECT DISTINCT indicator_code, area_code, month FROM pg_temp.wb_value_keys) k
    LEFT JOIN area_values o USING (indicator_code, area_code, month)
    LEFT JOIN pg_temp.wb_fresh f USING (indicator_code, area_code, month)
    WHERE (o.value, o.num, o.den) IS DISTINCT FROM (f.value, f.num, f.den)
       OR (o.indicator_code IS NULL) <> (f.indicator_code IS NULL);
  DELETE FROM area_values v USING pg_temp.wb_changed c
    WHERE (v.indicator_code, v.area_code, v.month) = (c.indicator_code, c.area_code, c.month);
  INSERT INTO area_values SELECT f.* FROM pg_temp.wb_fresh f
    JOIN pg_temp.wb_changed c USING (indicator_code, area_code, month);
  GET DIAGNOSTICS n = ROW_COUNT;
  DROP TABLE pg_temp.wb_fresh;
  ANALYZE pg_temp.wb_changed;
  RETURN n;
END $$;

CREATE OR REPLACE FUNCTION wb_process_dirty() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS wb_value_keys (indicator_code text COLLATE "C", area_code text COLLATE "C", month date) ON COMMIT DROP;
  CREATE TEMP TABLE IF NOT EXISTS wb_targets (indicator_code text COLLATE "C", area_code text COLLATE "C", month date) ON COMMIT DROP;
  TRUNCATE pg_temp.wb_value_keys, pg_temp.wb_targets;

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

  INSERT INTO pg_temp.wb_targets
  -- The changed areas and those that succeeded them, at the months that read their value.
  SELECT c.indicator_code, l.area_code, m.month
  FROM (SELECT * FROM pg_temp.wb_changed
        UNION SELECT indicator_code, area_code, month FROM pg_temp.wb_value_keys
              WHERE (indicator_code, area_code, month) IN (SELECT indicator_code, area_code, month FROM pg_temp.wb_dirty)) c
  JOIN area_lineage l ON l.pred_code = c.area_code
  CROSS JOIN LATERAL (
    SELECT generate_series(c.month, make_date(extract(year FROM c.month)::int, 12, 1), interval '1 month')::date
    UNION SELECT (c.month + interval '1 month')::date
    UNION SELECT (c.month + interval '12 months')::date
  ) m(month)
  WHERE m.month >= l.last_eff OR l.area_code = l.pred_code
  UNION
  -- Siblings (rank, share) and children (share) of every area whose value changed.
  SELECT c.indicator_code, s.code, c.month
  FROM pg_temp.wb_changed c
  JOIN areas a ON a.code = c.area_code AND wb_counts_in(a.valid_from, a.valid_to, c.month)
  JOIN areas s ON (s.parent_code = a.parent_code OR s.parent_code = c.area_code)
              AND wb_counts_in(s.valid_from, s.valid_to, c.month)
  UNION
  -- The parent (reporting: which children have a value), even when its own sum did not move.
  SELECT c.indicator_code, a.parent_code, c.month
  FROM pg_temp.wb_changed c
  JOIN areas a ON a.code = c.area_code AND wb_counts_in(a.valid_from, a.valid_to, c.month)
  WHERE a.parent_code IS NOT NULL;

  n := wb_compute_aggregates();
  RETURN n;
END $$;

CREATE OR REPLACE FUNCTION wb_rebuild(p_from date) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  PERFORM wb_rebuild_lineage();
  ANALYZE area_lineage;
  -- Facts' periods depend on settings and cut-off days: recount them.
  DELETE FROM fact_sums;
  INSERT INTO fact_sums
    SELECT f.indicator_code, f.area_code,
           wb_period(f.occurred_at, coalesce(i.cutoff_day, wb_setting('cutoff_day')::int, 1), coalesce(wb_setting('timezone'), 'Asia/Ho_Chi_Minh')),
           sum(f.amount), count(*)
    FROM facts f JOIN indicators i ON i.code = f.indicator_code GROUP BY 1, 2, 3;

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
  ELSE
    SELECT s.indicator_code INTO v_code FROM fact_sums s WHERE s.indicator_code IN (SELECT code FROM pg_temp.wb_removed_codes) LIMIT 1;
  END IF;
  IF v_code IS NOT NULL THEN
    RAISE EXCEPTION 'code % is still used by facts', v_code USING ERRCODE = 'foreign_key_violation',
      CONSTRAINT = CASE TG_TABLE_NAME WHEN 'area_codes' THEN 'facts_area_code_fkey' ELSE 'facts_indicator_code_fkey' END;
  END IF;
  RETURN NULL;
END $$;

-- A full rebuild reads every row: hash and merge joins are always right for it. Left to its
-- estimates (temporary tables of a million keys, freshly analysed), the planner sometimes chose
-- a million index lookups instead: the same step took 3 s in one run and 70 s in the next.
ALTER FUNCTION wb_rebuild(date) SET enable_nestloop = off;
