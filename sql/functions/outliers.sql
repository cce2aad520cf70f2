-- Outliers (DATA.md "Data quality: rules and outliers"): each leaf's value scored against the same
-- area's own values of the same indicator in the 24 months before it (the month itself left out,
-- at least 8 values): modified z-score = 0.6745 × (x − median) ÷ MAD. MAD = 0 gives no score;
-- |score| > 3.5 is an outlier (Iglewicz and Hoaglin). Ratios and parents are not scored (their
-- parts and leaves are); an area formed in a merger is scored once it has 8 months of its own.
-- The worker rescores a changed value and the 24 months after it, whose windows hold it; the
-- full rebuild scores everything.
--
-- Input: pg_temp.wb_score_keys (indicator, area, month), made empty by wb_score_keys_reset().
-- Reads: area_values, areas, indicators. Writes: outlier_scores (the keys' rows deleted, then
-- inserted for those with a score), and the copy of each score in aggregates (outlier_score).

-- The threshold, the one place it is written.
CREATE OR REPLACE FUNCTION wb_is_outlier(p_score numeric) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT abs(p_score) > 3.5
$$;

CREATE OR REPLACE FUNCTION wb_score_keys_reset() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS wb_score_keys (indicator_code text COLLATE "C", area_code text COLLATE "C", month date) ON COMMIT DROP;
  TRUNCATE pg_temp.wb_score_keys;
END $$;

-- Scores the keys of pg_temp.wb_score_keys; returns the rows written. The window's median and
-- MAD are exact for whole numbers and halves (percentile_cont over float8; a value above 2^53
-- would lose digits, far beyond any figure a ward reports); the score is rounded to 2 places.
CREATE OR REPLACE FUNCTION wb_refresh_scores(p_copy_to_aggregates boolean DEFAULT true) RETURNS bigint LANGUAGE plpgsql
SET work_mem = '128MB' AS $$
DECLARE n bigint;
BEGIN
  ANALYZE pg_temp.wb_score_keys;
  DELETE FROM outlier_scores s USING (SELECT DISTINCT indicator_code, area_code, month FROM pg_temp.wb_score_keys) k
    WHERE (s.indicator_code, s.area_code, s.month) = (k.indicator_code, k.area_code, k.month);
  -- Each series (indicator, leaf) read once, in month order, from 24 months before its first key
  -- to its last: a window gathers each value's previous 24 months (a sort, no lookup per key).
  INSERT INTO outlier_scores (indicator_code, area_code, month, value, window_values, median, mad, score)
  WITH keys AS MATERIALIZED (
    SELECT DISTINCT k.indicator_code, k.area_code, k.month
    FROM pg_temp.wb_score_keys k
    JOIN indicators i ON i.code = k.indicator_code AND i.kind <> 'ratio'
    JOIN areas a ON a.code = k.area_code AND wb_counts_in(a.valid_from, a.valid_to, k.month) AND wb_is_leaf_kind(a.kind)),
  series AS (
    SELECT indicator_code, area_code, (min(month) - interval '24 months')::date AS lo, max(month) AS hi FROM keys GROUP BY 1, 2),
  windows AS (
    SELECT v.indicator_code, v.area_code, v.month, v.value,
           array_agg(v.value::float8) OVER (PARTITION BY v.indicator_code, v.area_code ORDER BY v.month
                                            RANGE BETWEEN '24 months' PRECEDING AND '1 month' PRECEDING) AS vals
    FROM series s
    JOIN area_values v ON v.indicator_code = s.indicator_code AND v.area_code = s.area_code AND v.month BETWEEN s.lo AND s.hi
    WHERE v.value IS NOT NULL)
  SELECT w.indicator_code, w.area_code, w.month, w.value, cardinality(w.vals), m.median::numeric, d.mad::numeric,
         round((0.6745 * (w.value::float8 - m.median) / d.mad)::numeric, 2)
  FROM windows w
  JOIN keys k ON (k.indicator_code, k.area_code, k.month) = (w.indicator_code, w.area_code, w.month)
  CROSS JOIN LATERAL (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) AS median FROM unnest(w.vals) x) m
  CROSS JOIN LATERAL (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(x - m.median)) AS mad FROM unnest(w.vals) x) d
  WHERE cardinality(w.vals) >= 8 AND d.mad > 0
  ORDER BY w.indicator_code, w.area_code, w.month;
  GET DIAGNOSTICS n = ROW_COUNT;
  -- The aggregate rows of the keys carry the score too (the rows the batch recomputes get it
  -- when they are inserted; a rebuild inserts every row after scoring, so it skips this).
  IF p_copy_to_aggregates THEN
    UPDATE aggregates a SET outlier_score = s.score
    FROM (SELECT DISTINCT indicator_code, area_code, month FROM pg_temp.wb_score_keys) k
    LEFT JOIN outlier_scores s USING (indicator_code, area_code, month)
    WHERE (a.indicator_code, a.area_code, a.month) = (k.indicator_code, k.area_code, k.month)
      AND a.outlier_score IS DISTINCT FROM s.score;
  END IF;
  RETURN n;
END $$;
