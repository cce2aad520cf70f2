-- The reference for `make bench-worker` (issue 4, section 5a): the same aggregates as the worker's
-- full rebuild, defined as ONE materialized view over the raw tables (facts, observations,
-- targets, areas, successions, indicators, settings), timed with REFRESH MATERIALIZED VIEW.
-- Its expressions are those of sql/0003_aggregates.sql, with CTEs where the worker uses tables;
-- bench/worker.sh also checks that both give the same rows.
DROP MATERIALIZED VIEW IF EXISTS reference_aggregates;
CREATE MATERIALIZED VIEW reference_aggregates (indicator_code, area_code, month, value, previous, change, change_pct, yoy_value,
  yoy_change_pct, ytd, target, target_pct, rank, share_pct, worsened, reporting, expected) AS
WITH RECURSIVE
chain(area_code, pred_code, factor, first_eff, last_eff, depth) AS (
  SELECT to_code, from_code, share, effective_month::date, effective_month::date, 1 FROM successions
  UNION ALL
  SELECT c.area_code, s.from_code, c.factor * s.share, s.effective_month::date, c.last_eff, c.depth + 1
  FROM chain c JOIN successions s ON s.to_code = c.pred_code AND s.effective_month < c.first_eff
  WHERE c.depth < 32),
lineage AS (
  SELECT area_code::text, pred_code::text, factor, first_eff, last_eff FROM chain
  UNION ALL
  SELECT code, code, 1, 'infinity'::date, '-infinity'::date FROM area_codes),
sums AS (
  SELECT f.indicator_code, f.area_code,
         wb_period(f.occurred_at, coalesce(i.cutoff_day, wb_setting('cutoff_day')::int, 1), coalesce(wb_setting('timezone'), 'Asia/Ho_Chi_Minh')) AS month,
         sum(f.amount) AS amount
  FROM facts f JOIN indicators i ON i.code = f.indicator_code GROUP BY 1, 2, 3),
leaf AS (
  SELECT coalesce(o.indicator_code, s.indicator_code) AS indicator_code, coalesce(o.area_code, s.area_code) AS area_code,
         coalesce(o.month, s.month) AS month, coalesce(o.value, s.amount) AS value
  FROM observations o FULL JOIN sums s ON (s.indicator_code, s.area_code, s.month) = (o.indicator_code::text, o.area_code::text, o.month)),
parts AS (
  SELECT l.indicator_code, l.area_code, l.month, l.value, NULL::numeric AS num, NULL::numeric AS den
  FROM leaf l JOIN indicators i ON i.code = l.indicator_code
  WHERE i.kind <> 'ratio' AND l.value IS NOT NULL
  UNION ALL
  SELECT i.code, n.area_code, n.month, NULL, n.value, d.value
  FROM indicators i
  JOIN leaf n ON n.indicator_code = i.numerator_code
  JOIN leaf d ON (d.indicator_code, d.area_code, d.month) = (i.denominator_code, n.area_code, n.month)
  WHERE i.kind = 'ratio' AND n.value IS NOT NULL AND d.value IS NOT NULL),
-- Each leaf's figures count for it and for every ancestor, as the tree stood that month.
up(indicator_code, month, node, value, num, den) AS (
  SELECT p.indicator_code, p.month, p.area_code, p.value, p.num, p.den FROM parts p
  WHERE EXISTS (SELECT 1 FROM areas a WHERE a.code = p.area_code AND wb_is_leaf_kind(a.kind)
                AND wb_counts_in(a.valid_from, a.valid_to, p.month))
  UNION ALL
  SELECT u.indicator_code, u.month, a.parent_code, u.value, u.num, u.den
  FROM up u JOIN areas a ON a.code = u.node AND wb_counts_in(a.valid_from, a.valid_to, u.month) AND a.parent_code IS NOT NULL),
vals AS (
  SELECT u.indicator_code::text, u.node::text AS area_code, u.month,
         CASE WHEN count(u.num) > 0 THEN CASE WHEN sum(u.den) <> 0 THEN 100 * sum(u.num) / sum(u.den) END ELSE sum(u.value) END AS value,
         sum(u.num) AS num, sum(u.den) AS den
  FROM up u
  WHERE EXISTS (SELECT 1 FROM areas a WHERE a.code = u.node AND wb_counts_in(a.valid_from, a.valid_to, u.month))
  GROUP BY 1, 2, 3),
cur AS (
  SELECT v.indicator_code, v.area_code, v.month, v.value, i.kind, i.direction, a.parent_code
  FROM vals v
  JOIN indicators i ON i.code = v.indicator_code
  LEFT JOIN areas a ON a.code = v.area_code AND wb_counts_in(a.valid_from, a.valid_to, v.month)
  WHERE v.value IS NOT NULL),
earlier AS (
      -- As the worker (sql/0005): k months back, the year so far, the month before, a year before.
      SELECT c.indicator_code, c.area_code, c.month, (c.month - make_interval(months => k))::date AS at
      FROM cur c
      CROSS JOIN generate_series(0, 12) k
      WHERE k < extract(month FROM c.month) OR k IN (1, 12)
),
comparable AS (
    SELECT e.indicator_code, e.area_code, e.month, e.at,
           sum(l.factor * v.value) AS value, sum(l.factor * v.num) AS num, sum(l.factor * v.den) AS den,
           CASE WHEN count(v.num) > 0 THEN CASE WHEN sum(l.factor * v.den) <> 0 THEN 100 * sum(l.factor * v.num) / sum(l.factor * v.den) END
                ELSE sum(l.factor * v.value) END AS figure
    FROM earlier e
    JOIN lineage l ON l.area_code = e.area_code AND l.first_eff > e.at AND l.last_eff <= e.month
    JOIN vals v ON v.indicator_code = e.indicator_code AND v.area_code = l.pred_code AND v.month = e.at
    GROUP BY e.indicator_code, e.area_code, e.month, e.at
),
ytd AS (
    SELECT c.indicator_code, c.area_code, c.month,
      CASE c.kind
        WHEN 'ratio' THEN CASE WHEN sum(cv.den) <> 0 THEN 100 * sum(cv.num) / sum(cv.den) END
        WHEN 'stock' THEN (array_agg(cv.figure ORDER BY cv.at DESC) FILTER (WHERE cv.figure IS NOT NULL))[1]
        ELSE sum(cv.figure)
      END AS ytd
    FROM cur c JOIN comparable cv USING (indicator_code, area_code, month)
    WHERE cv.at >= date_trunc('year', c.month) AND cv.at <= c.month
    GROUP BY c.indicator_code, c.area_code, c.month, c.kind
  ),
  groups AS (SELECT DISTINCT indicator_code, coalesce(parent_code, '') AS parent, month, direction FROM cur),
  ranked AS (
    SELECT g.indicator_code, a.code AS area_code, g.month,
           CASE WHEN g.direction = 'neutral' THEN NULL
                ELSE rank() OVER (PARTITION BY g.indicator_code, g.parent, g.month
                                  ORDER BY CASE WHEN g.direction = 'higher_is_better' THEN -v.value ELSE v.value END) END AS rank
    FROM groups g
    JOIN areas a ON coalesce(a.parent_code, '') = g.parent AND wb_counts_in(a.valid_from, a.valid_to, g.month)
    JOIN vals v ON v.indicator_code = g.indicator_code AND v.area_code = a.code AND v.month = g.month
    WHERE v.value IS NOT NULL
  ),
  children AS (
    SELECT c.indicator_code, c.area_code, c.month, count(*) AS expected, count(v.value) AS reporting
    FROM cur c
    JOIN areas k ON k.parent_code = c.area_code AND wb_counts_in(k.valid_from, k.valid_to, c.month)
    LEFT JOIN vals v ON v.indicator_code = c.indicator_code AND v.area_code = k.code AND v.month = c.month
    GROUP BY c.indicator_code, c.area_code, c.month
  ),
  figures AS (
    SELECT c.*, p.figure AS previous, y.figure AS yoy_value, t.ytd, tg.target, r.rank, pv.value AS parent_value,
           ch.reporting, ch.expected
    FROM cur c
    LEFT JOIN comparable p ON (p.indicator_code, p.area_code, p.month) = (c.indicator_code, c.area_code, c.month)
                                     AND p.at = (c.month - interval '1 month')::date
    LEFT JOIN comparable y ON (y.indicator_code, y.area_code, y.month) = (c.indicator_code, c.area_code, c.month)
                                     AND y.at = (c.month - interval '12 months')::date
    LEFT JOIN ytd t ON (t.indicator_code, t.area_code, t.month) = (c.indicator_code, c.area_code, c.month)
    LEFT JOIN targets tg ON tg.indicator_code = c.indicator_code AND tg.area_code = c.area_code
                        AND tg.year = extract(year FROM c.month)::int
    LEFT JOIN ranked r ON (r.indicator_code, r.area_code, r.month) = (c.indicator_code, c.area_code, c.month)
    LEFT JOIN vals pv ON pv.indicator_code = c.indicator_code AND pv.area_code = c.parent_code AND pv.month = c.month
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
  FROM figures
WITH NO DATA;
