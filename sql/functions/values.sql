-- Month values of every area (DATA.md "Values for a month"): a leaf's observation, else the sum
-- of its facts in the period; a parent's roll-up of the leaves below it as the tree stood that
-- month; a ratio's summed numerator and denominator; how many of a parent's children have a value
-- (reporting) of those counting that month (expected).
--
-- Input: pg_temp.wb_value_keys (indicator, area, month; each key once), made empty by
-- wb_value_keys_reset().
-- Output: pg_temp.wb_changed, the keys whose value changed. Reads: observations, fact_sums,
-- areas, indicators. Writes: area_values.

-- A leaf's own month value: its observation, else the sum of its facts in the period.
CREATE OR REPLACE VIEW leaf_values AS
  SELECT coalesce(o.indicator_code, s.indicator_code) AS indicator_code,
         coalesce(o.area_code, s.area_code) AS area_code,
         coalesce(o.month, s.month) AS month,
         coalesce(o.value, s.amount) AS value
  FROM observations o FULL JOIN fact_sums s USING (indicator_code, area_code, month);

-- The first and last month any leaf reported (the months of leaf_values), from each table
-- apart: 0.8 s at national scale instead of 2.6 s through the view's join.
CREATE OR REPLACE FUNCTION wb_leaf_month_range(OUT lo date, OUT hi date) LANGUAGE sql STABLE AS $$
  SELECT least(o.lo, f.lo), greatest(o.hi, f.hi)
  FROM (SELECT min(month) AS lo, max(month) AS hi FROM observations) o,
       (SELECT min(month) AS lo, max(month) AS hi FROM fact_sums) f
$$;

CREATE OR REPLACE FUNCTION wb_value_keys_reset() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS wb_value_keys (indicator_code text COLLATE "C", area_code text COLLATE "C", month date) ON COMMIT DROP;
  CREATE TEMP TABLE IF NOT EXISTS wb_changed (indicator_code text COLLATE "C", area_code text COLLATE "C", month date) ON COMMIT DROP;
  TRUNCATE pg_temp.wb_value_keys, pg_temp.wb_changed;
END $$;

-- Recomputes area_values for the keys in pg_temp.wb_value_keys; leaves the keys whose row
-- changed (appeared, went or moved) in pg_temp.wb_changed. Returns the rows written.
-- p_emptied: the caller (a full rebuild) deleted every row of the keys' months, so every fresh
-- row is new: nothing to compare or delete, and wb_changed stays empty (95 s of a national
-- rebuild went to comparing with a table of deleted rows).
-- Bottom-up, deepest level of the month's tree first: a leaf's value is its own report, every
-- other area's the sum of its children's rows (refreshed just before when they are keys too,
-- current otherwise; a batch's keys hold every ancestor of what changed). A parent thus reads
-- its children, never every leaf below it: walking down from each key, one edit's country key
-- read all 10,000 leaves of the national dataset, and a full rebuild read every leaf once per
-- level above it (46 M rows).
CREATE OR REPLACE FUNCTION wb_refresh_values(p_emptied boolean DEFAULT false) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint := 0;
  written bigint;
  level int;
BEGIN
  TRUNCATE pg_temp.wb_changed;
  ANALYZE pg_temp.wb_value_keys;
  -- Each key with its area's depth in that month's tree (0: a root, or not counting then).
  IF to_regclass('pg_temp.wb_value_todo') IS NOT NULL THEN DROP TABLE pg_temp.wb_value_todo; END IF;
  -- (The keys are distinct already, every caller's: made distinct again and kept in a CTE read
  -- twice, they cost a national rebuild lane a pass over 5.6 M keys.)
  EXECUTE format($sql$
    CREATE TEMP TABLE wb_value_todo ON COMMIT DROP AS
    SELECT k.indicator_code, k.area_code, k.month, d.depth
    FROM pg_temp.wb_value_keys k JOIN %s d USING (area_code, month)$sql$, wb_key_depths_sql('pg_temp.wb_value_keys'));
  ANALYZE pg_temp.wb_value_todo;

  -- A leaf's own value: its observation, else its facts (the leaf_values view, spelled out as
  -- keyed joins so that each lookup uses the primary keys instead of scanning a FULL JOIN); one
  -- pass for the keys of every level.
  IF to_regclass('pg_temp.wb_own') IS NOT NULL THEN DROP TABLE pg_temp.wb_own; END IF;
  CREATE TEMP TABLE wb_own ON COMMIT DROP AS
  SELECT t.indicator_code, t.area_code, t.month, t.depth,
         CASE WHEN i.kind = 'ratio' THEN NULL ELSE v.value END AS value,
         CASE WHEN i.kind = 'ratio' THEN v.num END AS num,
         CASE WHEN i.kind = 'ratio' THEN v.den END AS den
  FROM pg_temp.wb_value_todo t
  JOIN indicators i ON i.code = t.indicator_code
  JOIN areas a ON a.code = t.area_code AND wb_is_leaf_kind(a.kind) AND wb_counts_in(a.valid_from, a.valid_to, t.month)
  LEFT JOIN observations o ON i.kind <> 'ratio' AND (o.indicator_code, o.area_code, o.month) = (t.indicator_code, t.area_code, t.month)
  LEFT JOIN fact_sums f ON i.kind <> 'ratio' AND (f.indicator_code, f.area_code, f.month) = (t.indicator_code, t.area_code, t.month)
  LEFT JOIN observations no ON i.kind = 'ratio' AND (no.indicator_code, no.area_code, no.month) = (i.numerator_code, t.area_code, t.month)
  LEFT JOIN fact_sums nf ON i.kind = 'ratio' AND (nf.indicator_code, nf.area_code, nf.month) = (i.numerator_code, t.area_code, t.month)
  LEFT JOIN observations dob ON i.kind = 'ratio' AND (dob.indicator_code, dob.area_code, dob.month) = (i.denominator_code, t.area_code, t.month)
  LEFT JOIN fact_sums df ON i.kind = 'ratio' AND (df.indicator_code, df.area_code, df.month) = (i.denominator_code, t.area_code, t.month),
  LATERAL (SELECT coalesce(o.value, f.amount) AS value, coalesce(no.value, nf.amount) AS num, coalesce(dob.value, df.amount) AS den) v
  WHERE v.value IS NOT NULL OR (v.num IS NOT NULL AND v.den IS NOT NULL);
  ANALYZE pg_temp.wb_own;

  FOR level IN SELECT DISTINCT depth FROM pg_temp.wb_value_todo ORDER BY depth DESC LOOP
    CREATE TEMP TABLE wb_fresh ON COMMIT DROP AS
    WITH parts AS (
      SELECT indicator_code, area_code, month, value, num, den, NULL::text AS child, NULL::numeric AS child_value, true AS present
      FROM pg_temp.wb_own WHERE depth = level
      UNION ALL
      -- The children counting that month: their sums (a ratio's numerator and denominator); only
      -- when the area counts itself (a child may outlive its parent's row). Children without a
      -- row are counted as expected.
      SELECT t.indicator_code, t.area_code, t.month,
             CASE WHEN i.kind = 'ratio' THEN NULL ELSE cv.value END, cv.num, cv.den, c.code, cv.value, cv.area_code IS NOT NULL
      FROM pg_temp.wb_value_todo t
      JOIN indicators i ON i.code = t.indicator_code
      JOIN areas p ON p.code = t.area_code AND wb_counts_in(p.valid_from, p.valid_to, t.month)
      JOIN areas c ON c.parent_code = t.area_code AND wb_counts_in(c.valid_from, c.valid_to, t.month)
      LEFT JOIN area_values cv ON (cv.indicator_code, cv.area_code, cv.month) = (t.indicator_code, c.code, t.month)
      WHERE t.depth = level
    )
    SELECT indicator_code, area_code, month,
           CASE WHEN count(num) > 0 THEN CASE WHEN sum(den) <> 0 THEN 100 * sum(num) / sum(den) END ELSE sum(value) END AS value,
           sum(num) AS num, sum(den) AS den,
           -- Of the children counting that month (none: a leaf), how many have a value.
           CASE WHEN count(child) > 0 THEN count(child_value) END AS reporting,
           nullif(count(child), 0) AS expected
    FROM parts GROUP BY indicator_code, area_code, month
    HAVING bool_or(present);

    IF p_emptied THEN
      INSERT INTO area_values (indicator_code, area_code, month, value, num, den, reporting, expected)
        SELECT f.* FROM pg_temp.wb_fresh f ORDER BY f.area_code, f.month, f.indicator_code;
      GET DIAGNOSTICS written = ROW_COUNT;
      n := n + written;
      DROP TABLE pg_temp.wb_fresh;
      CONTINUE;
    END IF;
    -- Record what changed (for the aggregates to follow and the levels above), then replace.
    CREATE TEMP TABLE wb_level_changed ON COMMIT DROP AS
      SELECT k.indicator_code, k.area_code, k.month FROM pg_temp.wb_value_todo k
      LEFT JOIN area_values o USING (indicator_code, area_code, month)
      LEFT JOIN pg_temp.wb_fresh f USING (indicator_code, area_code, month)
      WHERE k.depth = level
        AND ((o.value, o.num, o.den, o.reporting, o.expected) IS DISTINCT FROM (f.value, f.num, f.den, f.reporting, f.expected)
             OR (o.indicator_code IS NULL) <> (f.indicator_code IS NULL));
    DELETE FROM area_values v USING pg_temp.wb_level_changed c
      WHERE (v.indicator_code, v.area_code, v.month) = (c.indicator_code, c.area_code, c.month);
    -- In index order (area_values_by_area; the primary key then takes one run per indicator).
    INSERT INTO area_values (indicator_code, area_code, month, value, num, den, reporting, expected)
      SELECT f.* FROM pg_temp.wb_fresh f
      JOIN pg_temp.wb_level_changed c USING (indicator_code, area_code, month)
      ORDER BY f.area_code, f.month, f.indicator_code;
    GET DIAGNOSTICS written = ROW_COUNT;
    n := n + written;
    INSERT INTO pg_temp.wb_changed SELECT * FROM pg_temp.wb_level_changed;
    DROP TABLE pg_temp.wb_level_changed;
    DROP TABLE pg_temp.wb_fresh;
  END LOOP;
  ANALYZE pg_temp.wb_changed;
  RETURN n;
END $$;
