-- Month-over-month aggregates (DATA.md "Month-over-month aggregates"): value, previous, change,
-- year-over-year, year to date, plan attainment, rank and share among siblings, worsened, and
-- for parents how many children report. previous, YoY and YTD use comparable figures, measured
-- on the area's territory as of the month through area_lineage. The same computation, measured
-- as of each of an area's epochs (the effective months of the successions into it), gives the
-- rows of its comparable series before that epoch (comparable_series), with the target moved
-- with the territory: one implementation for both.
--
-- Input: pg_temp.wb_aggregate_keys (indicator, area, month) and pg_temp.wb_series_keys
-- (indicator, area, month, as_of), made empty by wb_aggregate_keys_reset(). Reads: area_values,
-- area_lineage, areas, indicators, targets, successions, outlier_scores (each row's score, copied).
-- Writes: aggregates and comparable_series
-- (the keys' rows deleted, then inserted for those that have a value).

CREATE OR REPLACE FUNCTION wb_aggregate_keys_reset() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS wb_aggregate_keys (indicator_code text COLLATE "C", area_code text COLLATE "C", month date) ON COMMIT DROP;
  CREATE TEMP TABLE IF NOT EXISTS wb_series_keys (indicator_code text COLLATE "C", area_code text COLLATE "C", month date, as_of date) ON COMMIT DROP;
  TRUNCATE pg_temp.wb_aggregate_keys, pg_temp.wb_series_keys;
END $$;

-- The epochs of every area: the months from which successions into it count, each the territory
-- a comparable series up to that month or later is measured on.
CREATE OR REPLACE VIEW area_epochs AS
  SELECT DISTINCT area_code, last_eff AS as_of FROM area_lineage WHERE first_eff <> 'infinity';

-- Computes the aggregates of the keys in pg_temp.wb_aggregate_keys and the comparable series
-- rows of pg_temp.wb_series_keys; returns the aggregate rows written.
-- Intermediate sets are temp tables with statistics (ANALYZE): planner estimates of CTEs over
-- fresh tables are one row, which turns every join into a nested loop over the whole batch.
-- The months a row needs (the year so far, the month before, a year before) are a constant
-- series of month offsets: its row estimate is exact, so each figure is a primary-key lookup.
CREATE OR REPLACE FUNCTION wb_compute_aggregates() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  ANALYZE pg_temp.wb_aggregate_keys;
  ANALYZE pg_temp.wb_series_keys;
  DELETE FROM aggregates a USING (SELECT DISTINCT indicator_code, area_code, month FROM pg_temp.wb_aggregate_keys) t
    WHERE (a.indicator_code, a.area_code, a.month) = (t.indicator_code, t.area_code, t.month);
  DELETE FROM comparable_series s USING (SELECT DISTINCT indicator_code, area_code, month, as_of FROM pg_temp.wb_series_keys) t
    WHERE (s.indicator_code, s.area_code, s.as_of, s.month) = (t.indicator_code, t.area_code, t.as_of, t.month);

  -- Left over from an earlier batch of this transaction (no NOTICE when there is none).
  IF to_regclass('pg_temp.wb_cur') IS NOT NULL THEN DROP TABLE pg_temp.wb_cur; END IF;
  IF to_regclass('pg_temp.wb_comparable') IS NOT NULL THEN DROP TABLE pg_temp.wb_comparable; END IF;
  -- The rows to compute: aggregates as of their own month (those with a value), and comparable
  -- series rows as of an epoch (their value is the comparable figure, found below).
  CREATE TEMP TABLE wb_cur ON COMMIT DROP AS
    SELECT v.indicator_code, v.area_code, v.month, v.month AS as_of, v.value, i.kind, i.direction, a.parent_code
    FROM (SELECT DISTINCT indicator_code, area_code, month FROM pg_temp.wb_aggregate_keys) t
    JOIN area_values v USING (indicator_code, area_code, month)
    JOIN indicators i ON i.code = v.indicator_code
    LEFT JOIN areas a ON a.code = v.area_code AND wb_counts_in(a.valid_from, a.valid_to, v.month)
    WHERE v.value IS NOT NULL
    UNION ALL
    SELECT t.indicator_code, t.area_code, t.month, t.as_of, NULL, i.kind, i.direction, NULL
    FROM (SELECT DISTINCT indicator_code, area_code, month, as_of FROM pg_temp.wb_series_keys) t
    JOIN indicators i ON i.code = t.indicator_code;
  ANALYZE pg_temp.wb_cur;

  -- Comparable figures of each target for every earlier month it needs (DATA.md, successions):
  -- the months of its year up to M, M-1 and M-12.
  CREATE TEMP TABLE wb_comparable ON COMMIT DROP AS
    WITH earlier AS (
      -- k months back: 0 .. month-1 (the year so far), 1 (previous) and 12 (a year ago). A
      -- constant series has an exact row estimate, so the planner looks each figure up by the
      -- primary key of area_values instead of scanning every month of every predecessor.
      SELECT c.indicator_code, c.area_code, c.month, c.as_of, (c.month - make_interval(months => k))::date AS at
      FROM pg_temp.wb_cur c
      CROSS JOIN generate_series(0, 12) k
      WHERE k < extract(month FROM c.month) OR k IN (1, 12)
    )
    SELECT e.indicator_code, e.area_code, e.month, e.as_of, e.at,
           sum(l.factor * v.value) AS value, sum(l.factor * v.num) AS num, sum(l.factor * v.den) AS den,
           CASE WHEN count(v.num) > 0 THEN CASE WHEN sum(l.factor * v.den) <> 0 THEN 100 * sum(l.factor * v.num) / sum(l.factor * v.den) END
                ELSE sum(l.factor * v.value) END AS figure
    FROM earlier e
    JOIN area_lineage l ON l.area_code = e.area_code AND l.first_eff > e.at AND l.last_eff <= e.as_of
    JOIN area_values v ON v.indicator_code = e.indicator_code AND v.area_code = l.pred_code AND v.month = e.at
    GROUP BY e.indicator_code, e.area_code, e.month, e.as_of, e.at;
  ANALYZE pg_temp.wb_comparable;
  -- A comparable series row's value is its comparable figure; without one there is no row.
  UPDATE pg_temp.wb_cur c SET value = f.figure FROM pg_temp.wb_comparable f
    WHERE c.as_of <> c.month AND (f.indicator_code, f.area_code, f.month, f.as_of, f.at) = (c.indicator_code, c.area_code, c.month, c.as_of, c.month);
  DELETE FROM pg_temp.wb_cur WHERE value IS NULL;

  -- What both kinds of row share: the figures a month before, a year before and the year so far.
  IF to_regclass('pg_temp.wb_rows') IS NOT NULL THEN DROP TABLE pg_temp.wb_rows; END IF;
  CREATE TEMP TABLE wb_rows ON COMMIT DROP AS
  WITH ytd AS (
    SELECT c.indicator_code, c.area_code, c.month, c.as_of,
      CASE c.kind
        WHEN 'ratio' THEN CASE WHEN sum(cv.den) <> 0 THEN 100 * sum(cv.num) / sum(cv.den) END
        WHEN 'stock' THEN (array_agg(cv.figure ORDER BY cv.at DESC) FILTER (WHERE cv.figure IS NOT NULL))[1]
        ELSE sum(cv.figure)
      END AS ytd
    FROM pg_temp.wb_cur c JOIN pg_temp.wb_comparable cv USING (indicator_code, area_code, month, as_of)
    WHERE cv.at >= date_trunc('year', c.month) AND cv.at <= c.month
    GROUP BY c.indicator_code, c.area_code, c.month, c.as_of, c.kind
  )
  SELECT c.*, p.figure AS previous, y.figure AS yoy_value, t.ytd
  FROM pg_temp.wb_cur c
  LEFT JOIN pg_temp.wb_comparable p ON (p.indicator_code, p.area_code, p.month, p.as_of) = (c.indicator_code, c.area_code, c.month, c.as_of)
                                   AND p.at = (c.month - interval '1 month')::date
  LEFT JOIN pg_temp.wb_comparable y ON (y.indicator_code, y.area_code, y.month, y.as_of) = (c.indicator_code, c.area_code, c.month, c.as_of)
                                   AND y.at = (c.month - interval '12 months')::date
  LEFT JOIN ytd t ON (t.indicator_code, t.area_code, t.month, t.as_of) = (c.indicator_code, c.area_code, c.month, c.as_of);
  ANALYZE pg_temp.wb_rows;

  INSERT INTO comparable_series (indicator_code, area_code, as_of, month, value, previous, change, change_pct, yoy_change_pct,
                                 ytd, target, target_pct)
  SELECT r.indicator_code, r.area_code, r.as_of, r.month, r.value, r.previous, r.value - r.previous,
         CASE WHEN r.previous <> 0 THEN 100 * (r.value - r.previous) / abs(r.previous) END,
         CASE WHEN r.yoy_value <> 0 THEN 100 * (r.value - r.yoy_value) / abs(r.yoy_value) END,
         r.ytd, t.target, CASE WHEN t.target > 0 THEN 100 * r.ytd / t.target END
  FROM pg_temp.wb_rows r,
  LATERAL (SELECT CASE WHEN EXISTS (SELECT 1 FROM targets x WHERE x.indicator_code = r.indicator_code)
                       THEN wb_comparable_target(r.indicator_code, r.area_code, r.month, r.as_of) END AS target) t
  WHERE r.as_of <> r.month;

  INSERT INTO aggregates (indicator_code, area_code, month, value, previous, change, change_pct, yoy_value,
                          yoy_change_pct, ytd, target, target_pct, rank, share_pct, worsened, reporting, expected, outlier_score)
  WITH own AS (SELECT * FROM pg_temp.wb_rows WHERE as_of = month),
  groups AS (SELECT DISTINCT indicator_code, coalesce(parent_code, '') AS parent, month, direction FROM own),
  ranked AS (
    SELECT g.indicator_code, a.code AS area_code, g.month,
           CASE WHEN g.direction = 'neutral' THEN NULL
                ELSE rank() OVER (PARTITION BY g.indicator_code, g.parent, g.month
                                  ORDER BY CASE WHEN g.direction = 'higher_is_better' THEN -v.value ELSE v.value END) END AS rank
    FROM groups g
    JOIN areas a ON coalesce(a.parent_code, '') = g.parent AND wb_counts_in(a.valid_from, a.valid_to, g.month)
    JOIN area_values v ON v.indicator_code = g.indicator_code AND v.area_code = a.code AND v.month = g.month
    WHERE v.value IS NOT NULL
  ),
  children AS (
    SELECT c.indicator_code, c.area_code, c.month, count(*) AS expected, count(v.value) AS reporting
    FROM own c
    JOIN areas k ON k.parent_code = c.area_code AND wb_counts_in(k.valid_from, k.valid_to, c.month)
    LEFT JOIN area_values v ON v.indicator_code = c.indicator_code AND v.area_code = k.code AND v.month = c.month
    GROUP BY c.indicator_code, c.area_code, c.month
  ),
  figures AS (
    SELECT c.*, tg.target, r.rank, pv.value AS parent_value, ch.reporting, ch.expected, os.score AS outlier_score
    FROM own c
    LEFT JOIN outlier_scores os ON (os.indicator_code, os.area_code, os.month) = (c.indicator_code, c.area_code, c.month)
    LEFT JOIN targets tg ON tg.indicator_code = c.indicator_code AND tg.area_code = c.area_code
                        AND tg.year = extract(year FROM c.month)::int
    LEFT JOIN ranked r ON (r.indicator_code, r.area_code, r.month) = (c.indicator_code, c.area_code, c.month)
    LEFT JOIN area_values pv ON pv.indicator_code = c.indicator_code AND pv.area_code = c.parent_code AND pv.month = c.month
    LEFT JOIN children ch ON (ch.indicator_code, ch.area_code, ch.month) = (c.indicator_code, c.area_code, c.month)
  )
  SELECT indicator_code, area_code, month, value, previous,
         value - previous,
         CASE WHEN previous <> 0 THEN 100 * (value - previous) / abs(previous) END,
         yoy_value,
         CASE WHEN yoy_value <> 0 THEN 100 * (value - yoy_value) / abs(yoy_value) END,
         ytd, target,
         CASE WHEN target > 0 THEN 100 * ytd / target END,
         rank,
         CASE WHEN kind <> 'ratio' AND parent_value <> 0 THEN 100 * value / parent_value END,
         CASE direction
           WHEN 'higher_is_better' THEN coalesce(value - previous < 0, false)
           WHEN 'lower_is_better' THEN coalesce(value - previous > 0, false)
           ELSE false END,
         reporting, expected, outlier_score
  FROM figures;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;

-- The target of area p_area for the year of p_month on its territory as of p_as_of (DATA.md
-- "Mergers and splits"): its own target for the year, plus, for every succession into it
-- effective after p_month and no later than p_as_of, share x the from area's target on the same
-- terms, recursively; a succession effective in the year itself adds nothing when the area has
-- its own target for that year. Parts without a target are left out; none at all gives NULL.
CREATE OR REPLACE FUNCTION wb_comparable_target(p_indicator text, p_area text, p_month date, p_as_of date) RETURNS numeric
-- Every lookup is by key (LATERAL and scalar subqueries): the function is planned once per
-- calling statement with its arguments as parameters, and with one indicator holding every
-- target a join would be planned as a scan of all targets per call (the national rebuild ran
-- over 85 minutes in this function before).
LANGUAGE sql STABLE AS $$
  WITH RECURSIVE walk(node, factor, depth) AS (
    SELECT p_area COLLATE "C", 1::numeric, 0
    UNION ALL
    SELECT s.from_code, w.factor * s.share, w.depth + 1
    FROM walk w
    CROSS JOIN LATERAL (SELECT x.from_code, x.share FROM successions x
                        WHERE x.to_code = w.node AND x.effective_month > p_month AND x.effective_month <= p_as_of
                          AND NOT (extract(year FROM x.effective_month) = extract(year FROM p_month)
                                   AND EXISTS (SELECT 1 FROM targets t WHERE t.indicator_code = p_indicator AND t.area_code = w.node
                                                                        AND t.year = extract(year FROM p_month)::int))) s
    WHERE w.depth < 32)
  SELECT sum(w.factor * (SELECT t.target FROM targets t
                         WHERE t.indicator_code = p_indicator AND t.area_code = w.node AND t.year = extract(year FROM p_month)::int))
  FROM walk w
$$;
