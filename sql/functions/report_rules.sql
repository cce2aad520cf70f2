-- The rules every reported value obeys (DATA.md "Values for a month", "Import files"): the one
-- implementation, called by the observations and facts triggers (whatever path wrote the rows)
-- and by the importer's line-by-line checks (which name the line and column).
--
-- Input: pg_temp.wb_new_reports, made empty by wb_new_reports_reset(): one row per reported key,
-- or per group of facts of one key (least amount, whether all are whole, the latest time).
-- Reads: areas, area_codes, indicators, settings. Writes nothing.

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
      latest_at timestamptz          -- facts: the latest time of the group
    ) ON COMMIT DROP;
  ELSE
    TRUNCATE pg_temp.wb_new_reports;
  END IF;
END $$;

-- Every problem of every row of pg_temp.wb_new_reports: p_source is 'observation' or 'fact'
-- (facts say amount and occurred_at where observations say value and month). A row may have
-- several problems; a good row has none.
CREATE OR REPLACE FUNCTION wb_report_problems(p_source text)
RETURNS TABLE (line int, area_code text, indicator_code text, month date, field text, message text)
LANGUAGE sql STABLE AS $$
  WITH keys AS (SELECT DISTINCT r.area_code, r.month FROM pg_temp.wb_new_reports r),
  area_then AS (
    SELECT k.area_code, k.month,
           EXISTS (SELECT 1 FROM area_codes c WHERE c.code = k.area_code) AS known,
           (SELECT a.kind FROM areas a WHERE a.code = k.area_code AND wb_counts_in(a.valid_from, a.valid_to, k.month) LIMIT 1) AS kind
    FROM keys k)
  SELECT r.line, r.area_code, r.indicator_code, r.month, p.field, p.message
  FROM pg_temp.wb_new_reports r
  JOIN area_then a ON a.area_code = r.area_code AND a.month IS NOT DISTINCT FROM r.month
  LEFT JOIN indicators i ON i.code = r.indicator_code
  CROSS JOIN LATERAL (
    SELECT 'area_code', format('unknown area ''%s''', r.area_code) WHERE NOT a.known
    UNION ALL
    SELECT 'indicator_code', format('unknown indicator ''%s''', r.indicator_code) WHERE i.code IS NULL
    UNION ALL
    SELECT 'indicator_code', format('''%s'' is a ratio: it is computed from %s and %s, never reported', i.code, i.numerator_code, i.denominator_code)
    WHERE i.kind = 'ratio' AND p_source = 'observation'
    UNION ALL
    SELECT 'indicator_code', format('''%s'' is a %s indicator: facts are only for count and amount indicators', i.code, i.kind)
    WHERE i.kind IN ('ratio', 'stock') AND p_source = 'fact'
    UNION ALL
    SELECT CASE p_source WHEN 'fact' THEN 'amount' ELSE 'value' END, format('a %s cannot be negative (%s)', i.kind, r.least_value)
    WHERE i.kind IN ('count', 'stock') AND r.least_value < 0
    UNION ALL
    SELECT CASE p_source WHEN 'fact' THEN 'amount' ELSE 'value' END, format('a %s is a whole number of %s', i.kind, i.unit)
    WHERE i.kind IN ('count', 'stock') AND NOT r.all_whole
    UNION ALL
    SELECT 'occurred_at', format('%s is in the future', r.latest_at) WHERE r.latest_at > now()
    UNION ALL
    SELECT CASE p_source WHEN 'fact' THEN 'occurred_at' ELSE 'month' END, format('%s is in the future', to_char(r.month, 'YYYY-MM'))
    WHERE r.month > wb_period(now(), coalesce(i.cutoff_day, wb_setting('cutoff_day')::int), wb_setting('timezone'))
      AND (r.latest_at IS NULL OR r.latest_at <= now())
    UNION ALL
    SELECT CASE p_source WHEN 'fact' THEN 'occurred_at' ELSE 'month' END,
           CASE WHEN a.kind IS NULL THEN format('area ''%s'' does not exist in %s', r.area_code, to_char(r.month, 'YYYY-MM'))
                ELSE format('''%s'' is a %s in %s: only wards, communes and towns report', r.area_code, a.kind, to_char(r.month, 'YYYY-MM')) END
    WHERE a.known AND (a.kind IS NULL OR NOT wb_is_leaf_kind(a.kind))
  ) p(field, message)
$$;

-- The first problem of pg_temp.wb_new_reports as one sentence naming the key, or NULL: what the
-- triggers raise.
CREATE OR REPLACE FUNCTION wb_first_report_problem(p_source text) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT format('%s for area %s, indicator %s, month %s: %s', p_source, p.area_code, p.indicator_code, to_char(p.month, 'YYYY-MM'), p.message)
  FROM wb_report_problems(p_source) p LIMIT 1
$$;
