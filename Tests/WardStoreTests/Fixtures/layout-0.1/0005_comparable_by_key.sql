-- One edit, commit to visible aggregates: the comparable figures of a batch (the months of the
-- year so far, the month before, the month a year before, through the lineage) were read by
-- scanning all of a predecessor's months in area_values and hashing the wanted ones: the row
-- estimate of generate_series over dates is 1000, so the planner never chose a lookup. 46 ms of
-- a 100 ms batch; as a constant series of month offsets, 9 ms for the same 766 rows.
-- The leftover temp tables are dropped only when present (DROP ... IF EXISTS sent a NOTICE to
-- the worker's log on every batch).

CREATE OR REPLACE FUNCTION wb_compute_aggregates() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  ANALYZE pg_temp.wb_targets;
  DELETE FROM aggregates a USING (SELECT DISTINCT indicator_code, area_code, month FROM pg_temp.wb_targets) t
    WHERE (a.indicator_code, a.area_code, a.month) = (t.indicator_code, t.area_code, t.month);

  -- Left over from an earlier batch of this transaction (no NOTICE when there is none).
  IF to_regclass('pg_temp.wb_cur') IS NOT NULL THEN DROP TABLE pg_temp.wb_cur; END IF;
  IF to_regclass('pg_temp.wb_comparable') IS NOT NULL THEN DROP TABLE pg_temp.wb_comparable; END IF;
  CREATE TEMP TABLE wb_cur ON COMMIT DROP AS
    SELECT v.indicator_code, v.area_code, v.month, v.value, i.kind, i.direction, a.parent_code
    FROM (SELECT DISTINCT indicator_code, area_code, month FROM pg_temp.wb_targets) t
    JOIN area_values v USING (indicator_code, area_code, month)
    JOIN indicators i ON i.code = v.indicator_code
    LEFT JOIN areas a ON a.code = v.area_code AND wb_counts_in(a.valid_from, a.valid_to, v.month)
    WHERE v.value IS NOT NULL;
  ANALYZE pg_temp.wb_cur;

  -- Comparable figures of each target for every earlier month it needs (DATA.md, successions):
  -- the months of its year up to M, M-1 and M-12.
  CREATE TEMP TABLE wb_comparable ON COMMIT DROP AS
    WITH earlier AS (
      -- k months back: 0 .. month-1 (the year so far), 1 (previous) and 12 (a year ago). A
      -- constant series has an exact row estimate, so the planner looks each figure up by the
      -- primary key of area_values instead of scanning every month of every predecessor.
      SELECT c.indicator_code, c.area_code, c.month, (c.month - make_interval(months => k))::date AS at
      FROM pg_temp.wb_cur c
      CROSS JOIN generate_series(0, 12) k
      WHERE k < extract(month FROM c.month) OR k IN (1, 12)
    )
    SELECT e.indicator_code, e.area_code, e.month, e.at,
           sum(l.factor * v.value) AS value, sum(l.factor * v.num) AS num, sum(l.factor * v.den) AS den,
           CASE WHEN count(v.num) > 0 THEN CASE WHEN sum(l.factor * v.den) <> 0 THEN 100 * sum(l.factor * v.num) / sum(l.factor * v.den) END
                ELSE sum(l.factor * v.value) END AS figure
    FROM earlier e
    JOIN area_lineage l ON l.area_code = e.area_code AND l.first_eff > e.at AND l.last_eff <= e.month
    JOIN area_values v ON v.indicator_code = e.indicator_code AND v.area_code = l.pred_code AND v.month = e.at
    GROUP BY e.indicator_code, e.area_code, e.month, e.at;
  ANALYZE pg_temp.wb_comparable;

  INSERT INTO aggregates (indicator_code, area_code, month, value, previous, change, change_pct, yoy_value,
                          yoy_change_pct, ytd, target, target_pct, rank, share_pct, worsened, reporting, expected)
  WITH ytd AS (
    SELECT c.indicator_code, c.area_code, c.month,
      CASE c.kind
        WHEN 'ratio' THEN CASE WHEN sum(cv.den) <> 0 THEN 100 * sum(cv.num) / sum(cv.den) END
        WHEN 'stock' THEN (array_agg(cv.figure ORDER BY cv.at DESC) FILTER (WHERE cv.figure IS NOT NULL))[1]
        ELSE sum(cv.figure)
      END AS ytd
    FROM pg_temp.wb_cur c JOIN pg_temp.wb_comparable cv USING (indicator_code, area_code, month)
    WHERE cv.at >= date_trunc('year', c.month) AND cv.at <= c.month
    GROUP BY c.indicator_code, c.area_code, c.month, c.kind
  ),
  groups AS (SELECT DISTINCT indicator_code, coalesce(parent_code, '') AS parent, month, direction FROM pg_temp.wb_cur),
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
    FROM pg_temp.wb_cur c
    JOIN areas k ON k.parent_code = c.area_code AND wb_counts_in(k.valid_from, k.valid_to, c.month)
    LEFT JOIN area_values v ON v.indicator_code = c.indicator_code AND v.area_code = k.code AND v.month = c.month
    GROUP BY c.indicator_code, c.area_code, c.month
  ),
  figures AS (
    SELECT c.*, p.figure AS previous, y.figure AS yoy_value, t.ytd, tg.target, r.rank, pv.value AS parent_value,
           ch.reporting, ch.expected
    FROM pg_temp.wb_cur c
    LEFT JOIN pg_temp.wb_comparable p ON (p.indicator_code, p.area_code, p.month) = (c.indicator_code, c.area_code, c.month)
                                     AND p.at = (c.month - interval '1 month')::date
    LEFT JOIN pg_temp.wb_comparable y ON (y.indicator_code, y.area_code, y.month) = (c.indicator_code, c.area_code, c.month)
                                     AND y.at = (c.month - interval '12 months')::date
    LEFT JOIN ytd t ON (t.indicator_code, t.area_code, t.month) = (c.indicator_code, c.area_code, c.month)
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
         reporting, expected
  FROM figures;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
