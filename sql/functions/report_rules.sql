-- The rules every reported value obeys (DATA.md "Values for a month", "Import files", "Closing a
-- month"): the one implementation, called by the observations and facts triggers (whatever path
-- wrote the rows) and by the importer's line-by-line checks (which name the line and column).
--
-- Input: pg_temp.wb_new_reports, made empty by wb_new_reports_reset(): one row per reported key,
-- or per group of facts of one key (least amount, whether all are whole, the latest time).
-- Reads: areas, area_codes, indicators, settings, month_states (months.sql). Writes nothing.

CREATE OR REPLACE FUNCTION wb_new_reports_reset() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF to_regclass('pg_temp.wb_new_reports') IS NULL THEN
    CREATE TEMP TABLE wb_new_reports (
      line int,                      -- the file's line (or a request's row), when the caller knows it
      area_code text COLLATE "C",
      indicator_code text COLLATE "C",
      month date,                    -- the reporting period
      least_value numeric,           -- the value, or a fact group's least amount
      all_whole boolean,             -- whether every value of the row is a whole number
      latest_at timestamptz          -- facts: the latest time of the group; observations: reported_at
    ) ON COMMIT DROP;
  ELSE
    TRUNCATE pg_temp.wb_new_reports;
  END IF;
END $$;

-- Every problem of every row of pg_temp.wb_new_reports: p_source is 'observation' or 'fact'
-- (facts say amount and occurred_at where observations say value and month). A row may have
-- several problems; a good row has none. `locked`: the problem is a closed month, which an
-- admin's reason for the transaction lets through (and which the triggers then audit).
CREATE OR REPLACE FUNCTION wb_report_problems(p_source text)
RETURNS TABLE (line int, area_code text, indicator_code text, month date, field text, message text, locked boolean)
LANGUAGE sql STABLE AS $$
  -- Settings, each indicator's current period and each distinct area and month are looked up
  -- once (MATERIALIZED), then every row is tested with one cheap filter; only the rows it keeps
  -- are spelled out, one line per problem.
  WITH s AS MATERIALIZED (
    SELECT wb_setting('timezone') AS tz, wb_setting('cutoff_day')::int AS cutoff,
           wb_locks_possible() AND wb_override_reason() = '' AS locks),
  ind AS MATERIALIZED (
    SELECT i.code, i.kind, i.unit, i.numerator_code, i.denominator_code,
           wb_period(now(), coalesce(i.cutoff_day, s.cutoff), s.tz) AS current_period
    FROM indicators i, s),
  area_then AS MATERIALIZED (
    SELECT k.area_code, k.month, c.code IS NOT NULL AS known, a.kind,
           CASE WHEN s.locks THEN wb_month_locked(k.area_code, k.month) ELSE false END AS locked
    FROM (SELECT DISTINCT r.area_code, r.month FROM pg_temp.wb_new_reports r) k
    CROSS JOIN s
    LEFT JOIN area_codes c ON c.code = k.area_code
    LEFT JOIN LATERAL (SELECT a.kind FROM areas a WHERE a.code = k.area_code AND wb_counts_in(a.valid_from, a.valid_to, k.month) LIMIT 1) a ON true),
  bad AS (
    SELECT r.*, a.known, a.kind AS area_kind, a.locked, i.code AS indicator_known, i.kind, i.unit, i.numerator_code, i.denominator_code,
           i.current_period
    FROM pg_temp.wb_new_reports r
    JOIN area_then a ON a.area_code = r.area_code AND a.month = r.month
    LEFT JOIN ind i ON i.code = r.indicator_code
    WHERE NOT a.known OR i.code IS NULL OR a.locked
       OR (i.kind = 'ratio' AND p_source = 'observation') OR (i.kind IN ('ratio', 'stock') AND p_source = 'fact')
       OR (i.kind IN ('count', 'stock') AND (r.least_value < 0 OR NOT r.all_whole))
       OR r.latest_at > now() OR r.month > i.current_period
       OR a.kind IS NULL OR NOT wb_is_leaf_kind(a.kind))
  SELECT b.line, b.area_code, b.indicator_code, b.month, p.field, p.message, p.locked
  FROM bad b
  CROSS JOIN LATERAL (
    SELECT 'area_code', format('unknown area ''%s''', b.area_code), false WHERE NOT b.known
    UNION ALL
    SELECT 'indicator_code', format('unknown indicator ''%s''', b.indicator_code), false WHERE b.indicator_known IS NULL
    UNION ALL
    SELECT 'indicator_code', format('''%s'' is a ratio: it is computed from %s and %s, never reported', b.indicator_code, b.numerator_code, b.denominator_code), false
    WHERE b.kind = 'ratio' AND p_source = 'observation'
    UNION ALL
    SELECT 'indicator_code', format('''%s'' is a %s indicator: facts are only for count and amount indicators', b.indicator_code, b.kind), false
    WHERE b.kind IN ('ratio', 'stock') AND p_source = 'fact'
    UNION ALL
    SELECT CASE p_source WHEN 'fact' THEN 'amount' ELSE 'value' END, format('a %s cannot be negative (%s)', b.kind, b.least_value), false
    WHERE b.kind IN ('count', 'stock') AND b.least_value < 0
    UNION ALL
    SELECT CASE p_source WHEN 'fact' THEN 'amount' ELSE 'value' END, format('a %s is a whole number of %s', b.kind, b.unit), false
    WHERE b.kind IN ('count', 'stock') AND NOT b.all_whole
    UNION ALL
    SELECT CASE p_source WHEN 'fact' THEN 'occurred_at' ELSE 'reported_at' END, format('%s is in the future', b.latest_at), false
    WHERE b.latest_at > now()
    UNION ALL
    SELECT CASE p_source WHEN 'fact' THEN 'occurred_at' ELSE 'month' END, format('%s is in the future', to_char(b.month, 'YYYY-MM')), false
    WHERE b.month > b.current_period AND (b.latest_at IS NULL OR b.latest_at <= now())
    UNION ALL
    SELECT CASE p_source WHEN 'fact' THEN 'occurred_at' ELSE 'month' END,
           CASE WHEN b.area_kind IS NULL THEN format('area ''%s'' does not exist in %s', b.area_code, to_char(b.month, 'YYYY-MM'))
                ELSE format('''%s'' is a %s in %s: only wards, communes, towns and special zones report', b.area_code, b.area_kind, to_char(b.month, 'YYYY-MM')) END,
           false
    WHERE b.known AND (b.area_kind IS NULL OR NOT wb_is_leaf_kind(b.area_kind))
    UNION ALL
    SELECT CASE p_source WHEN 'fact' THEN 'occurred_at' ELSE 'month' END,
           format('the month %s of ''%s'' is closed (approved, or locked by age): it takes no more figures unless an admin writes with a reason',
                  to_char(b.month, 'YYYY-MM'), b.area_code), true
    WHERE b.locked
  ) p(field, message, locked)
$$;

-- The first problem of pg_temp.wb_new_reports, raised as the triggers raise it: a sentence
-- naming the key, SQLSTATE WB409 for a closed month (the API answers 409), 23514 otherwise.
CREATE OR REPLACE FUNCTION wb_raise_report_problem(p_source text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE bad record;
BEGIN
  ANALYZE pg_temp.wb_new_reports;
  SELECT * INTO bad FROM wb_report_problems(p_source) p ORDER BY p.locked LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION '%', format('%s for area %s, indicator %s, month %s: %s', p_source, bad.area_code, bad.indicator_code,
                                to_char(bad.month, 'YYYY-MM'), bad.message)
      USING ERRCODE = CASE WHEN bad.locked THEN 'WB409' ELSE 'check_violation' END, CONSTRAINT = p_source || 's_rules';
  END IF;
END $$;
