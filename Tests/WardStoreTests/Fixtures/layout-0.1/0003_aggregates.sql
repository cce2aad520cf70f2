-- What the worker computes. One set of functions serves both the incremental batches and the
-- full rebuild, so an incremental run and a rebuild produce the same rows by construction.
--
--   fact_sums     per (indicator, ward, period) sum of facts, kept by the facts trigger
--   area_values   every area's month value (leaves: observation, else facts; parents: roll-up);
--                 ratios carry numerator and denominator
--   area_lineage  transitive predecessors through successions, with the product of shares
--   aggregates    what the HTTP layer reads (DATA.md "Month-over-month aggregates")

CREATE TABLE fact_sums (
  indicator_code indicator_code NOT NULL,
  area_code area_code NOT NULL,
  month date NOT NULL,
  amount numeric NOT NULL,
  facts bigint NOT NULL,
  PRIMARY KEY (indicator_code, area_code, month)
);

CREATE TABLE area_values (
  indicator_code indicator_code NOT NULL,
  area_code area_code NOT NULL,
  month date NOT NULL,
  value numeric,
  num numeric,
  den numeric,
  PRIMARY KEY (indicator_code, area_code, month)
);
CREATE INDEX area_values_by_area ON area_values (area_code, month);

-- (area, pred, factor, first_eff, last_eff): pred's figures count into area's comparable figure
-- for an earlier month M' measured as of month M when first_eff > M' and last_eff <= M. The
-- self row (factor 1, first_eff 'infinity', last_eff '-infinity') always applies.
CREATE TABLE area_lineage (
  area_code area_code NOT NULL,
  pred_code area_code NOT NULL,
  factor numeric NOT NULL,
  first_eff date NOT NULL,
  last_eff date NOT NULL
);
CREATE INDEX area_lineage_area ON area_lineage (area_code);
CREATE INDEX area_lineage_pred ON area_lineage (pred_code);

CREATE TABLE aggregates (
  indicator_code indicator_code NOT NULL,
  area_code area_code NOT NULL,
  month date NOT NULL,
  value numeric NOT NULL,
  previous numeric,
  change numeric,
  change_pct numeric,
  yoy_value numeric,
  yoy_change_pct numeric,
  ytd numeric,
  target numeric,
  target_pct numeric,
  rank integer,
  share_pct numeric,
  worsened boolean NOT NULL,
  reporting integer,
  expected integer,
  computed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (indicator_code, month, area_code)
);
CREATE INDEX aggregates_by_area ON aggregates (area_code, indicator_code, month);

CREATE TABLE aggregate_runs (
  id bigserial PRIMARY KEY,
  kind text NOT NULL CONSTRAINT aggregate_runs_kind CHECK (kind IN ('incremental', 'full')),
  worker text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at timestamptz,
  keys bigint NOT NULL DEFAULT 0,
  rows bigint NOT NULL DEFAULT 0,
  status text NOT NULL DEFAULT 'running' CONSTRAINT aggregate_runs_status CHECK (status IN ('running', 'ok', 'failed')),
  error text
);

-- Keep fact_sums in step with facts, in the writer's transaction.
CREATE OR REPLACE FUNCTION wb_facts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  message text;
  -- Read once per statement, not once per row.
  v_tz text := coalesce(wb_setting('timezone'), 'Asia/Ho_Chi_Minh');
  v_cutoff int := coalesce(wb_setting('cutoff_day')::int, 1);
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS wb_new_reports (area_code text, indicator_code text, month date, value numeric) ON COMMIT DROP;
  TRUNCATE pg_temp.wb_new_reports;
  IF TG_OP = 'INSERT' THEN
    INSERT INTO pg_temp.wb_new_reports
      SELECT f.area_code, f.indicator_code, wb_period(f.occurred_at, coalesce(i.cutoff_day, v_cutoff), v_tz), f.amount
      FROM new_rows f JOIN indicators i ON i.code = f.indicator_code;
    message := wb_first_bad_report('fact');
    IF message IS NOT NULL THEN
      RAISE EXCEPTION '%', message USING ERRCODE = 'check_violation', CONSTRAINT = 'facts_rules';
    END IF;
    INSERT INTO fact_sums AS s (indicator_code, area_code, month, amount, facts)
      SELECT indicator_code, area_code, month, sum(value), count(*) FROM pg_temp.wb_new_reports GROUP BY 1, 2, 3
      ON CONFLICT (indicator_code, area_code, month)
      DO UPDATE SET amount = s.amount + excluded.amount, facts = s.facts + excluded.facts;
  ELSE
    INSERT INTO pg_temp.wb_new_reports
      SELECT f.area_code, f.indicator_code, wb_period(f.occurred_at, coalesce(i.cutoff_day, v_cutoff), v_tz), f.amount
      FROM old_rows f JOIN indicators i ON i.code = f.indicator_code;
    UPDATE fact_sums s SET amount = s.amount - d.amount, facts = s.facts - d.facts
      FROM (SELECT indicator_code, area_code, month, sum(value) AS amount, count(*) AS facts
            FROM pg_temp.wb_new_reports GROUP BY 1, 2, 3) d
      WHERE (s.indicator_code, s.area_code, s.month) = (d.indicator_code, d.area_code, d.month);
    DELETE FROM fact_sums WHERE facts <= 0;
  END IF;
  INSERT INTO aggregate_queue (indicator_code, area_code, month)
    SELECT DISTINCT indicator_code, area_code, month FROM pg_temp.wb_new_reports ON CONFLICT DO NOTHING;
  PERFORM pg_notify('wardboard_dirty', TG_TABLE_NAME);
  RETURN NULL;
END $$;

-- Time zone or default cut-off changed: periods move, rebuild everything.
CREATE FUNCTION wb_settings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o USING (key) WHERE n.value IS DISTINCT FROM o.value) THEN
    INSERT INTO aggregate_rebuild_requests (reason) VALUES ('settings changed');
    PERFORM pg_notify('wardboard_dirty', 'settings');
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER settings_changed AFTER UPDATE ON settings
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_settings_changed();

-- A leaf's own month value: its observation, else the sum of its facts in the period.
CREATE VIEW leaf_values AS
  SELECT coalesce(o.indicator_code, s.indicator_code) AS indicator_code,
         coalesce(o.area_code, s.area_code) AS area_code,
         coalesce(o.month, s.month) AS month,
         coalesce(o.value, s.amount) AS value
  FROM observations o FULL JOIN fact_sums s USING (indicator_code, area_code, month);

CREATE FUNCTION wb_rebuild_lineage() RETURNS void LANGUAGE sql AS $$
  DELETE FROM area_lineage;
  INSERT INTO area_lineage
  WITH RECURSIVE chain(area_code, pred_code, factor, first_eff, last_eff, depth) AS (
    SELECT to_code, from_code, share, effective_month::date, effective_month::date, 1 FROM successions
    UNION ALL
    SELECT c.area_code, s.from_code, c.factor * s.share, s.effective_month::date, c.last_eff, c.depth + 1
    FROM chain c JOIN successions s ON s.to_code = c.pred_code AND s.effective_month < c.first_eff
    WHERE c.depth < 32
  )
  SELECT area_code, pred_code, factor, first_eff, last_eff FROM chain
  UNION ALL
  SELECT code, code, 1, 'infinity'::date, '-infinity'::date FROM area_codes;
$$;

-- Recomputes area_values for the keys in pg_temp.wb_value_keys (indicator, area, month):
-- leaves from leaf_values, parents from their leaves as the tree stood that month, ratios from
-- summed numerators and denominators. Leaves keys of rows that changed in pg_temp.wb_changed.
CREATE FUNCTION wb_refresh_values() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS wb_changed (indicator_code text, area_code text, month date) ON COMMIT DROP;
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

-- Computes aggregates for the keys in pg_temp.wb_targets (indicator, area, month): deletes their
-- rows and inserts fresh ones for those that have a value. Returns the rows written.
-- Intermediate sets are temp tables with statistics (ANALYZE): planner estimates of CTEs over
-- fresh tables are one row, which turns every join into a nested loop over the whole batch.
CREATE FUNCTION wb_compute_aggregates() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  ANALYZE pg_temp.wb_targets;
  DELETE FROM aggregates a USING (SELECT DISTINCT indicator_code, area_code, month FROM pg_temp.wb_targets) t
    WHERE (a.indicator_code, a.area_code, a.month) = (t.indicator_code, t.area_code, t.month);

  DROP TABLE IF EXISTS pg_temp.wb_cur, pg_temp.wb_comparable;
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
      SELECT c.indicator_code, c.area_code, c.month, m.at
      FROM pg_temp.wb_cur c
      CROSS JOIN LATERAL (
        SELECT generate_series(date_trunc('year', c.month), c.month, interval '1 month')::date
        UNION SELECT (c.month - interval '1 month')::date
        UNION SELECT (c.month - interval '12 months')::date
      ) m(at)
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

-- One incremental batch: the claimed leaf keys in pg_temp.wb_dirty (indicator, area, month).
-- Recomputes exactly what depends on them: the values of the key and every ancestor that month
-- (and of ratios built on the indicator); then, for every value that changed, the aggregates of
-- that month, the next month (change), the same month a year later (YoY), the rest of that
-- year (YTD, target attainment), the same for areas that succeeded it, and the ranks and shares
-- of its siblings and children that month.
CREATE FUNCTION wb_process_dirty() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS wb_value_keys (indicator_code text, area_code text, month date) ON COMMIT DROP;
  CREATE TEMP TABLE IF NOT EXISTS wb_targets (indicator_code text, area_code text, month date) ON COMMIT DROP;
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

-- Full rebuild from p_from (NULL: everything). Caller holds the rebuild lock.
CREATE FUNCTION wb_rebuild(p_from date) RETURNS bigint LANGUAGE plpgsql AS $$
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

  CREATE TEMP TABLE IF NOT EXISTS wb_value_keys (indicator_code text, area_code text, month date) ON COMMIT DROP;
  CREATE TEMP TABLE IF NOT EXISTS wb_targets (indicator_code text, area_code text, month date) ON COMMIT DROP;
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
