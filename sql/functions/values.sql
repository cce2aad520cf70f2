-- Month values of every area (DATA.md "Values for a month"): a leaf's observation, else the sum
-- of its facts in the period; a parent's roll-up of the leaves below it as the tree stood that
-- month; a ratio's summed numerator and denominator.
--
-- Input: pg_temp.wb_value_keys (indicator, area, month), made empty by wb_value_keys_reset().
-- Output: pg_temp.wb_changed, the keys whose value changed. Reads: observations, fact_sums,
-- areas, indicators. Writes: area_values.

-- A leaf's own month value: its observation, else the sum of its facts in the period.
CREATE OR REPLACE VIEW leaf_values AS
  SELECT coalesce(o.indicator_code, s.indicator_code) AS indicator_code,
         coalesce(o.area_code, s.area_code) AS area_code,
         coalesce(o.month, s.month) AS month,
         coalesce(o.value, s.amount) AS value
  FROM observations o FULL JOIN fact_sums s USING (indicator_code, area_code, month);

CREATE OR REPLACE FUNCTION wb_value_keys_reset() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS wb_value_keys (indicator_code text COLLATE "C", area_code text COLLATE "C", month date) ON COMMIT DROP;
  CREATE TEMP TABLE IF NOT EXISTS wb_changed (indicator_code text COLLATE "C", area_code text COLLATE "C", month date) ON COMMIT DROP;
  TRUNCATE pg_temp.wb_value_keys, pg_temp.wb_changed;
END $$;

-- Recomputes area_values for the keys in pg_temp.wb_value_keys; leaves the keys whose row
-- changed (appeared, went or moved) in pg_temp.wb_changed. Returns the rows written.
CREATE OR REPLACE FUNCTION wb_refresh_values() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
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
