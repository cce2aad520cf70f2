-- Reporting periods (DATA.md "Reporting periods"): where a timestamp falls, and the dates a
-- period covers. The one implementation: the facts trigger, the worker, the import checks and
-- every feed's period_start / period_end call these.
--
-- Reads: nothing but their arguments (the callers pass the settings' time zone and cut-off day),
-- but wb_local_time, which reads the settings' time zone, and wb_period_fingerprint, which reads
-- the settings and the indicators' cut-off days.

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

-- An instant as RFC 3339 text in the settings' time zone, with its offset:
-- 2024-04-06T00:00:00+07:00 (what the feeds show of deadlines, arrivals and the review's dates).
CREATE OR REPLACE FUNCTION wb_local_time(p_at timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT to_char(l.local, 'YYYY-MM-DD"T"HH24:MI:SS') || CASE WHEN l.offset_ < interval '0' THEN '-' ELSE '+' END
         || to_char(CASE WHEN l.offset_ < interval '0' THEN -l.offset_ ELSE l.offset_ END, 'HH24:MI')
  FROM (SELECT p_at AT TIME ZONE wb_setting('timezone') AS local,
               (p_at AT TIME ZONE wb_setting('timezone')) - (p_at AT TIME ZONE 'UTC') AS offset_) l
  WHERE p_at IS NOT NULL
$$;

-- What places facts in periods, as an md5: the time zone, the default cut-off day and each
-- indicator's own. fact_sums holds the periods of one such fingerprint (rebuild.sql).
CREATE OR REPLACE FUNCTION wb_period_fingerprint() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT md5(concat_ws(E'\n', wb_setting('timezone'), wb_setting('cutoff_day'),
                       (SELECT string_agg(code || ':' || coalesce(cutoff_day::text, ''), ',' ORDER BY code) FROM indicators)))
$$;
