-- Month-over-month aggregates (DATA.md "Month-over-month aggregates"): value, previous, change,
-- year-over-year, year to date, plan attainment, rank and share among siblings, worsened, and
-- for parents how many children report. previous, YoY and YTD use comparable figures, measured
-- on the area's territory as of the month through area_lineage. The same computation, measured
-- as of each of an area's epochs (the effective months of the successions into it), gives the
-- rows of its comparable series before that epoch (comparable_series), with the target moved
-- with the territory: one implementation for both.
--
-- Input: pg_temp.wb_aggregate_keys (indicator, area, month), pg_temp.wb_series_keys
-- (indicator, area, month, as_of) and pg_temp.wb_place_keys (indicator, area, month: rows whose
-- rank and share alone may have moved), made empty by wb_aggregate_keys_reset(). Reads:
-- area_values, area_lineage, areas, indicators, targets, successions, outlier_scores (each row's
-- score, copied). Writes: aggregates and comparable_series (the keys' rows deleted, then inserted
-- for those that have a value; the place keys' rank and share updated where they moved).

CREATE OR REPLACE FUNCTION wb_aggregate_keys_reset() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS wb_aggregate_keys (indicator_code text COLLATE "C", area_code text COLLATE "C", month date) ON COMMIT DROP;
  CREATE TEMP TABLE IF NOT EXISTS wb_series_keys (indicator_code text COLLATE "C", area_code text COLLATE "C", month date, as_of date) ON COMMIT DROP;
  CREATE TEMP TABLE IF NOT EXISTS wb_place_keys (indicator_code text COLLATE "C", area_code text COLLATE "C", month date) ON COMMIT DROP;
  TRUNCATE pg_temp.wb_aggregate_keys, pg_temp.wb_series_keys, pg_temp.wb_place_keys;
END $$;

-- Computes the aggregates of the keys in pg_temp.wb_aggregate_keys and the comparable series
-- rows of pg_temp.wb_series_keys, and places pg_temp.wb_place_keys; returns the aggregate rows
-- written (inserted or updated).
-- Intermediate sets are temp tables with statistics (ANALYZE): planner estimates of CTEs over
-- fresh tables are one row, which turns every join into a nested loop over the whole batch.
-- Figures measured as of month M equal those measured as of the area's latest epoch no later
-- than M (its basis; '-infinity' before its first epoch, where the only figures are its own
-- values): each row reads one series of comparable figures per (indicator, area, basis), which
-- is computed once, and the year so far is a running sum over that series (looking the 2–13
-- months each row needs up row by row read every figure about seven times in a full rebuild).
CREATE OR REPLACE FUNCTION wb_compute_aggregates() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
  placed bigint;
BEGIN
  ANALYZE pg_temp.wb_aggregate_keys;
  ANALYZE pg_temp.wb_series_keys;
  DELETE FROM aggregates a USING (SELECT DISTINCT indicator_code, area_code, month FROM pg_temp.wb_aggregate_keys) t
    WHERE (a.indicator_code, a.area_code, a.month) = (t.indicator_code, t.area_code, t.month);
  DELETE FROM comparable_series s USING (SELECT DISTINCT indicator_code, area_code, month, as_of FROM pg_temp.wb_series_keys) t
    WHERE (s.indicator_code, s.area_code, s.as_of, s.month) = (t.indicator_code, t.area_code, t.as_of, t.month);

  -- Left over from an earlier batch of this transaction (no NOTICE when there is none).
  IF to_regclass('pg_temp.wb_cur') IS NOT NULL THEN DROP TABLE pg_temp.wb_cur; END IF;
  IF to_regclass('pg_temp.wb_figures') IS NOT NULL THEN DROP TABLE pg_temp.wb_figures; END IF;
  -- The rows to compute: aggregates as of their own month (those with a value), and comparable
  -- series rows as of an epoch (their value is the comparable figure, found below).
  CREATE TEMP TABLE wb_cur ON COMMIT DROP AS
    SELECT v.indicator_code, v.area_code, v.month, v.month AS as_of, coalesce(e.as_of, '-infinity') AS basis,
           v.value, i.kind, i.direction, a.parent_code, v.reporting, v.expected
    FROM (SELECT DISTINCT indicator_code, area_code, month FROM pg_temp.wb_aggregate_keys) t
    JOIN area_values v USING (indicator_code, area_code, month)
    JOIN indicators i ON i.code = v.indicator_code
    LEFT JOIN areas a ON a.code = v.area_code AND wb_counts_in(a.valid_from, a.valid_to, v.month)
    LEFT JOIN area_epochs e ON e.area_code = v.area_code AND v.month >= e.as_of AND v.month < e.until
    WHERE v.value IS NOT NULL
    UNION ALL
    SELECT t.indicator_code, t.area_code, t.month, t.as_of, t.as_of, NULL, i.kind, i.direction, NULL, NULL, NULL
    FROM (SELECT DISTINCT indicator_code, area_code, month, as_of FROM pg_temp.wb_series_keys) t
    JOIN indicators i ON i.code = t.indicator_code;
  ANALYZE pg_temp.wb_cur;

  -- Comparable figures (DATA.md, successions) of each series (indicator, area, basis), from a
  -- year before its first row to its last, with the year so far at each month: own values
  -- before any epoch, else the sum over the lineage that counts as of the basis.
  CREATE TEMP TABLE wb_figures ON COMMIT DROP AS
  WITH series AS (
    SELECT indicator_code, area_code, basis, (min(month) - interval '12 months')::date AS lo, max(month) AS hi
    FROM pg_temp.wb_cur GROUP BY indicator_code, area_code, basis
  ),
  parts AS (
    SELECT s.indicator_code, s.area_code, s.basis, v.month AS at, 1::numeric AS factor, v.value, v.num, v.den
    FROM series s
    JOIN area_values v ON v.indicator_code = s.indicator_code AND v.area_code = s.area_code AND v.month BETWEEN s.lo AND s.hi
    WHERE s.basis = '-infinity'
    UNION ALL
    SELECT s.indicator_code, s.area_code, s.basis, v.month, l.factor, v.value, v.num, v.den
    FROM series s
    JOIN area_lineage l ON l.area_code = s.area_code AND l.last_eff <= s.basis
    JOIN area_values v ON v.indicator_code = s.indicator_code AND v.area_code = l.pred_code
                      AND v.month BETWEEN s.lo AND s.hi AND v.month < l.first_eff
    WHERE s.basis <> '-infinity'
  ),
  figures AS (
    SELECT indicator_code, area_code, basis, at,
           sum(factor * num) AS num, sum(factor * den) AS den,
           CASE WHEN count(num) > 0 THEN CASE WHEN sum(factor * den) <> 0 THEN 100 * sum(factor * num) / sum(factor * den) END
                ELSE sum(factor * value) END AS figure
    FROM parts GROUP BY indicator_code, area_code, basis, at
  )
  SELECT f.*, sum(f.figure) OVER y AS ytd_sum, sum(f.num) OVER y AS ytd_num, sum(f.den) OVER y AS ytd_den,
         -- The figures a month and a year before, in the same series (none when that month has none).
         first_value(f.figure) OVER (s RANGE BETWEEN '1 month' PRECEDING AND '1 month' PRECEDING) AS previous,
         first_value(f.figure) OVER (s RANGE BETWEEN '12 months' PRECEDING AND '12 months' PRECEDING) AS yoy_value
  FROM figures f
  WINDOW y AS (PARTITION BY f.indicator_code, f.area_code, f.basis, date_trunc('year', f.at) ORDER BY f.at),
         s AS (PARTITION BY f.indicator_code, f.area_code, f.basis ORDER BY f.at);
  ANALYZE pg_temp.wb_figures;

  -- A comparable series row's value is its comparable figure; without one there is no row.
  UPDATE pg_temp.wb_cur c SET value = f.figure FROM pg_temp.wb_figures f
    WHERE c.as_of <> c.month AND (f.indicator_code, f.area_code, f.basis, f.at) = (c.indicator_code, c.area_code, c.basis, c.month);
  DELETE FROM pg_temp.wb_cur WHERE value IS NULL;

  -- What both kinds of row share: the figures a month before, a year before and the year so far
  -- (a stock's is its latest month's value: this month's, which every row has), all on the row's
  -- own figure (every row has one: its value, or the figure that is its value). Read there
  -- instead of joining the figures three times: this statement took 43–52 s of a national lane
  -- with the joins, 25–26 s without (the windows add 6–10 s to wb_figures).
  IF to_regclass('pg_temp.wb_rows') IS NOT NULL THEN DROP TABLE pg_temp.wb_rows; END IF;
  CREATE TEMP TABLE wb_rows ON COMMIT DROP AS
  SELECT c.indicator_code, c.area_code, c.month, c.as_of, c.value, c.kind, c.direction, c.parent_code, c.reporting, c.expected,
         -- A column, not a comparison of two: its statistics tell the planner how many rows are
         -- aggregates (estimated as one, the ranks of a batch's 200 rows were recomputed per row).
         c.as_of = c.month AS is_own,
         t.previous, t.yoy_value,
         CASE c.kind
           WHEN 'ratio' THEN CASE WHEN t.ytd_den <> 0 THEN 100 * t.ytd_num / t.ytd_den END
           WHEN 'stock' THEN t.figure
           ELSE t.ytd_sum
         END AS ytd
  FROM pg_temp.wb_cur c
  LEFT JOIN pg_temp.wb_figures t ON (t.indicator_code, t.area_code, t.basis, t.at) = (c.indicator_code, c.area_code, c.basis, c.month);
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
  WHERE NOT r.is_own
  ORDER BY r.indicator_code, r.area_code, r.as_of, r.month;

  -- The rank and share of every area in each group of siblings (indicator, parent, month) that
  -- a row or a place key belongs to. The groups, with their parent's value, are a table with
  -- statistics: as a UNION in the statement below they were estimated at one per row, and a
  -- national lane sorted 19 M rows twice (57 s). (Estimated as a few hundred rows, the members
  -- once became a merge on two of three columns that filtered 198 M rows in a 1,000-ward rebuild.)
  ANALYZE pg_temp.wb_place_keys;
  IF to_regclass('pg_temp.wb_groups') IS NOT NULL THEN DROP TABLE pg_temp.wb_groups; END IF;
  CREATE TEMP TABLE wb_groups ON COMMIT DROP AS
  SELECT g.indicator_code, g.parent, g.month, g.kind, g.direction, pv.value AS parent_value
  FROM (SELECT indicator_code, parent_code AS parent, month, kind, direction FROM pg_temp.wb_rows WHERE is_own
        UNION
        SELECT k.indicator_code, a.parent_code, k.month, i.kind, i.direction
        FROM pg_temp.wb_place_keys k
        JOIN indicators i ON i.code = k.indicator_code
        JOIN areas a ON a.code = k.area_code AND wb_counts_in(a.valid_from, a.valid_to, k.month)) g
  LEFT JOIN area_values pv ON (pv.indicator_code, pv.area_code, pv.month) = (g.indicator_code, g.parent, g.month);
  ANALYZE pg_temp.wb_groups;
  IF to_regclass('pg_temp.wb_placed') IS NOT NULL THEN DROP TABLE pg_temp.wb_placed; END IF;
  CREATE TEMP TABLE wb_placed ON COMMIT DROP AS
  -- Each group's areas: the parent's children, or the roots (parent_code compared as it is,
  -- so the planner may use its index or hash it).
  WITH members AS (
    SELECT g.*, a.code FROM pg_temp.wb_groups g
    JOIN areas a ON a.parent_code = g.parent AND wb_counts_in(a.valid_from, a.valid_to, g.month)
    UNION ALL
    SELECT g.*, a.code FROM pg_temp.wb_groups g
    JOIN areas a ON a.parent_code IS NULL AND wb_counts_in(a.valid_from, a.valid_to, g.month)
    WHERE g.parent IS NULL
  )
  SELECT g.indicator_code, g.code::text COLLATE "C" AS area_code, g.month,
         CASE WHEN g.direction = 'neutral' THEN NULL
              ELSE rank() OVER (PARTITION BY g.indicator_code, g.parent, g.month
                                ORDER BY CASE WHEN g.direction = 'higher_is_better' THEN -v.value ELSE v.value END) END AS rank,
         CASE WHEN g.kind <> 'ratio' AND g.parent_value <> 0 THEN 100 * v.value / g.parent_value END AS share_pct
  FROM members g
  JOIN area_values v ON v.indicator_code = g.indicator_code AND v.area_code = g.code AND v.month = g.month
  WHERE v.value IS NOT NULL;
  ANALYZE pg_temp.wb_placed;

  -- A sibling of a value that moved, or a child of one, keeps every figure but these two: they
  -- are written in place (at national scale an edit's batch recomputed about 100 siblings' and
  -- 34 provinces' rows in full, and counted the reporting children of each province, to move
  -- their rank and share).
  UPDATE aggregates a SET rank = p.rank, share_pct = p.share_pct, computed_at = clock_timestamp()
  FROM (SELECT indicator_code, area_code, month FROM pg_temp.wb_place_keys
        EXCEPT SELECT indicator_code, area_code, month FROM pg_temp.wb_aggregate_keys) k
  JOIN pg_temp.wb_placed p USING (indicator_code, area_code, month)
  WHERE (a.indicator_code, a.area_code, a.month) = (k.indicator_code, k.area_code, k.month)
    AND (a.rank, a.share_pct) IS DISTINCT FROM (p.rank, p.share_pct);
  GET DIAGNOSTICS placed = ROW_COUNT;

  INSERT INTO aggregates (indicator_code, area_code, month, value, previous, change, change_pct, yoy_value,
                          yoy_change_pct, ytd, target, target_pct, rank, share_pct, worsened, reporting, expected, outlier_score)
  WITH figures AS (
    SELECT c.*, tg.target, r.rank, r.share_pct, os.score AS outlier_score
    FROM pg_temp.wb_rows c
    LEFT JOIN outlier_scores os ON (os.indicator_code, os.area_code, os.month) = (c.indicator_code, c.area_code, c.month)
    LEFT JOIN targets tg ON tg.indicator_code = c.indicator_code AND tg.area_code = c.area_code
                        AND tg.year = extract(year FROM c.month)::int
    LEFT JOIN pg_temp.wb_placed r ON (r.indicator_code, r.area_code, r.month) = (c.indicator_code, c.area_code, c.month)
    WHERE c.is_own
  )
  SELECT indicator_code, area_code, month, value, previous,
         value - previous,
         CASE WHEN previous <> 0 THEN 100 * (value - previous) / abs(previous) END,
         yoy_value,
         CASE WHEN yoy_value <> 0 THEN 100 * (value - yoy_value) / abs(yoy_value) END,
         ytd, target,
         CASE WHEN target > 0 THEN 100 * ytd / target END,
         rank, share_pct,
         CASE direction
           WHEN 'higher_is_better' THEN coalesce(value - previous < 0, false)
           WHEN 'lower_is_better' THEN coalesce(value - previous > 0, false)
           ELSE false END,
         reporting, expected, outlier_score
  FROM figures
  -- Inserts in index order (aggregates_by_area; the primary key then takes one run per
  -- indicator and month): in hash order every row was a random page of each index.
  ORDER BY area_code, indicator_code, month;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n + placed;
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
-- over 85 minutes in this function before). The own-target test is a scalar subquery, not
-- EXISTS: the planner turned EXISTS into a hash of every target of the indicator, built on
-- every call (4 ms a call, 179 s for the 320,000 series rows of a 9-month national dataset).
-- Its walk is a nested loop by nature: a full rebuild turns nested loops off (rebuild.sql),
-- which made each call 30 times slower, so the function turns them back on for itself.
LANGUAGE sql STABLE SET enable_nestloop = on AS $$
  WITH RECURSIVE walk(node, factor, depth) AS (
    SELECT p_area COLLATE "C", 1::numeric, 0
    UNION ALL
    SELECT s.from_code, w.factor * s.share, w.depth + 1
    FROM walk w
    CROSS JOIN LATERAL (SELECT x.from_code, x.share FROM successions x
                        WHERE x.to_code = w.node AND x.effective_month > p_month AND x.effective_month <= p_as_of
                          AND NOT (extract(year FROM x.effective_month) = extract(year FROM p_month)
                                   AND coalesce((SELECT true FROM targets t WHERE t.indicator_code = p_indicator AND t.area_code = w.node
                                                                             AND t.year = extract(year FROM p_month)::int), false))) s
    WHERE w.depth < 32)
  SELECT sum(w.factor * (SELECT t.target FROM targets t
                         WHERE t.indicator_code = p_indicator AND t.area_code = w.node AND t.year = extract(year FROM p_month)::int))
  FROM walk w
$$;
