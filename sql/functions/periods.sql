-- Reporting periods (DATA.md "Reporting periods"): where a timestamp falls, and the dates a
-- period covers. The one implementation: the facts trigger, the worker, the import checks and
-- every feed's period_start / period_end call these.
--
-- Reads: nothing but their arguments (the callers pass the settings' time zone and cut-off day).

-- The period of a timestamp: its local time in p_tz, cut-off day p_cutoff (1 = calendar month).
-- With d > 1, period M runs from day d of M-1 (inclusive) to day d of M (exclusive).
CREATE OR REPLACE FUNCTION wb_period(p_at timestamptz, p_cutoff integer, p_tz text) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN p_cutoff > 1 AND extract(day FROM p_at AT TIME ZONE p_tz) >= p_cutoff
              THEN (date_trunc('month', p_at AT TIME ZONE p_tz) + interval '1 month')::date
              ELSE date_trunc('month', p_at AT TIME ZONE p_tz)::date END
$$;

-- The first local date of period p_month for a cut-off day.
CREATE OR REPLACE FUNCTION wb_period_start(p_month date, p_cutoff integer) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p_cutoff > 1 THEN (p_month - interval '1 month')::date + (p_cutoff - 1) ELSE p_month END
$$;

-- The last local date of period p_month (inclusive).
CREATE OR REPLACE FUNCTION wb_period_end(p_month date, p_cutoff integer) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p_cutoff > 1 THEN p_month + (p_cutoff - 2) ELSE (p_month + interval '1 month')::date - 1 END
$$;
