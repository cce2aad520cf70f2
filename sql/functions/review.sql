-- Completeness and timeliness (DATA.md "Completeness and timeliness"): the deadline of a report,
-- the status of a key at an instant, and the review counts the worker keeps per area (any level),
-- month and expected indicator, over the leaves below the area in that month's tree.
--
-- Input: pg_temp.wb_review_keys (indicator, area, month; each key once), made empty by
-- wb_review_keys_reset().
-- Reads: areas, indicators, indicator_first_months, observations, fact_sums, key_arrivals,
-- settings. Writes: review_counts, review_extent (the last month counted).

-- When report `p_month` of an indicator is due: `p_due_days` after its period ends, at 00:00
-- local time. The period ends where the next begins: the 1st of M+1, or day d of M for d > 1.
CREATE OR REPLACE FUNCTION wb_deadline(p_month date, p_cutoff int, p_due_days int, p_tz text) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ((CASE WHEN p_cutoff > 1 THEN p_month + (p_cutoff - 1) ELSE (p_month + interval '1 month')::date END) + p_due_days)::timestamp
         AT TIME ZONE p_tz
$$;

-- The deadline of indicator p_indicator's report p_month, by its own cut-off and due days or the
-- settings'.
CREATE OR REPLACE FUNCTION wb_indicator_deadline(p_indicator text, p_month date) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
  SELECT wb_deadline(p_month, coalesce(i.cutoff_day, wb_setting('cutoff_day')::int), coalesce(i.due_days, wb_setting('due_days')::int),
                     wb_setting('timezone'))
  FROM indicators i WHERE i.code = p_indicator
$$;

-- A key's status at p_at: on_time or late once it has a value (by its first arrival), else missing
-- once the deadline has passed, else pending.
CREATE OR REPLACE FUNCTION wb_report_status(p_reported boolean, p_arrived_at timestamptz, p_deadline timestamptz, p_at timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p_reported THEN CASE WHEN p_arrived_at < p_deadline THEN 'on_time' ELSE 'late' END
              WHEN p_at >= p_deadline THEN 'missing' ELSE 'pending' END
$$;

-- Whole days from the deadline to a late arrival, rounded up, at least 1; NULL when on time.
CREATE OR REPLACE FUNCTION wb_days_late(p_arrived_at timestamptz, p_deadline timestamptz) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p_arrived_at >= p_deadline THEN greatest(1, ceil(extract(epoch FROM p_arrived_at - p_deadline) / 86400))::int END
$$;

CREATE OR REPLACE FUNCTION wb_review_keys_reset() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS wb_review_keys (indicator_code text COLLATE "C", area_code text COLLATE "C", month date) ON COMMIT DROP;
  TRUNCATE pg_temp.wb_review_keys;
END $$;

-- Recomputes review_counts for the keys in pg_temp.wb_review_keys: expected are the leaves
-- counting in the month below the key's area (itself when a leaf) for an indicator that is not
-- a ratio, is required, and is expected from that month (expected_from, else the first month any
-- area has a value for it). A leaf counts its own report; every other area sums its children,
-- deepest first. Returns the rows written.
CREATE OR REPLACE FUNCTION wb_refresh_review() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint := 0;
  written bigint;
  level int;
BEGIN
  ANALYZE pg_temp.wb_review_keys;
  DELETE FROM review_counts r USING pg_temp.wb_review_keys k
    WHERE (r.indicator_code, r.area_code, r.month) = (k.indicator_code, k.area_code, k.month);
  -- The expected keys, each with its deadline and its area's kind and depth in the month's tree.
  -- One pass over the keys (distinct already: every caller's are), joined to what is computed
  -- once per area and month (the depth) or per indicator and month (the deadline): made
  -- distinct and kept in a CTE read twice, a national rebuild lane's 5.8 M keys took 53 s.
  IF to_regclass('pg_temp.wb_review_todo') IS NOT NULL THEN DROP TABLE pg_temp.wb_review_todo; END IF;
  EXECUTE format($sql$
    CREATE TEMP TABLE wb_review_todo ON COMMIT DROP AS
    WITH deadlines AS (
      SELECT d.indicator_code, d.month,
             wb_deadline(d.month, coalesce(i.cutoff_day, s.cutoff), coalesce(i.due_days, s.due_days), s.tz) AS deadline
      FROM (SELECT DISTINCT indicator_code, month FROM pg_temp.wb_review_keys) d
      JOIN indicators i ON i.code = d.indicator_code,
      (SELECT wb_setting('cutoff_day')::int AS cutoff, wb_setting('due_days')::int AS due_days, wb_setting('timezone') AS tz) s
    )
    SELECT k.indicator_code, k.area_code, k.month, dl.deadline, d.depth, wb_is_leaf_kind(a.kind) AS leaf
    FROM pg_temp.wb_review_keys k
    JOIN indicators i ON i.code = k.indicator_code
    LEFT JOIN indicator_first_months f ON f.indicator_code = i.code
    JOIN deadlines dl ON (dl.indicator_code, dl.month) = (k.indicator_code, k.month)
    JOIN %s d ON (d.area_code, d.month) = (k.area_code, k.month)
    JOIN areas a ON a.code = k.area_code AND wb_counts_in(a.valid_from, a.valid_to, k.month)
    WHERE i.kind <> 'ratio' AND i.required AND k.month >= coalesce(i.expected_from, f.first_month)$sql$, wb_key_depths_sql('pg_temp.wb_review_keys'));
  ANALYZE pg_temp.wb_review_todo;

  -- A leaf: its own report.
  INSERT INTO review_counts (indicator_code, area_code, month, deadline, expected, reported, on_time, late, revised)
  SELECT t.indicator_code, t.area_code, t.month, t.deadline, 1, r.reported::int,
         (wb_report_status(r.reported, a.arrived_at, t.deadline, t.deadline) = 'on_time')::int,
         (wb_report_status(r.reported, a.arrived_at, t.deadline, t.deadline) = 'late')::int,
         (r.reported AND coalesce(a.revisions_after_deadline, 0) > 0)::int
  FROM pg_temp.wb_review_todo t
  LEFT JOIN observations o ON (o.indicator_code, o.area_code, o.month) = (t.indicator_code, t.area_code, t.month)
  LEFT JOIN fact_sums f ON (f.indicator_code, f.area_code, f.month) = (t.indicator_code, t.area_code, t.month)
  LEFT JOIN key_arrivals a ON (a.indicator_code, a.area_code, a.month) = (t.indicator_code, t.area_code, t.month)
  CROSS JOIN LATERAL (SELECT o.area_code IS NOT NULL OR f.area_code IS NOT NULL AS reported) r
  WHERE t.leaf
  -- In the order of review_counts_by_area (its primary key then takes one run per indicator):
  -- inserted in hash order, a national rebuild's 10.8 M rows read and wrote 4.6 M index pages.
  ORDER BY t.area_code, t.month, t.indicator_code;
  GET DIAGNOSTICS written = ROW_COUNT;
  n := n + written;
  -- Every other area, deepest first: the sums of its children's rows (refreshed just before when
  -- they are keys too, current otherwise), so a key never walks down to all the leaves below it.
  FOR level IN SELECT DISTINCT depth FROM pg_temp.wb_review_todo WHERE NOT leaf ORDER BY depth DESC LOOP
    INSERT INTO review_counts (indicator_code, area_code, month, deadline, expected, reported, on_time, late, revised)
    SELECT t.indicator_code, t.area_code, t.month, t.deadline, sum(c.expected)::int, sum(c.reported)::int,
           sum(c.on_time)::int, sum(c.late)::int, sum(c.revised)::int
    FROM pg_temp.wb_review_todo t
    JOIN areas ch ON ch.parent_code = t.area_code AND wb_counts_in(ch.valid_from, ch.valid_to, t.month)
    JOIN review_counts c ON (c.indicator_code, c.area_code, c.month) = (t.indicator_code, ch.code, t.month)
    WHERE t.depth = level AND NOT t.leaf
    GROUP BY t.indicator_code, t.area_code, t.month, t.deadline
    ORDER BY t.area_code, t.month, t.indicator_code;
    GET DIAGNOSTICS written = ROW_COUNT;
    n := n + written;
  END LOOP;
  RETURN n;
END $$;

-- The first month the review counts: the earliest of each indicator's first month with data and
-- its expected_from (NULL before any data).
CREATE OR REPLACE FUNCTION wb_review_first_month() RETURNS date LANGUAGE sql STABLE AS $$
  SELECT min(least(f.first_month, coalesce(i.expected_from, f.first_month)))
  FROM indicator_first_months f JOIN indicators i ON i.code = f.indicator_code
$$;

-- The last month review counts are kept for without any report: the current period of the
-- indicator whose current period is latest.
CREATE OR REPLACE FUNCTION wb_review_horizon() RETURNS date LANGUAGE sql STABLE AS $$
  SELECT max(wb_period(now(), coalesce(i.cutoff_day, wb_setting('cutoff_day')::int), wb_setting('timezone'))) FROM indicators i
$$;

-- Months start without anyone writing: counts every area's review up to the horizon, for the
-- months after the last one counted (a worker calls this on every pass; it does nothing most of
-- the time). Returns the rows written.
CREATE OR REPLACE FUNCTION wb_extend_review() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  v_last date;
  v_until date := wb_review_horizon();
BEGIN
  -- Most passes: nothing to do, known without a lock.
  v_last := (SELECT last_month FROM review_extent);
  IF v_last IS NULL OR v_until IS NULL OR v_last >= v_until THEN RETURN 0; END IF;
  PERFORM pg_advisory_xact_lock_shared(wb_rebuild_lock());
  -- One worker extends at a time; the others find it done.
  PERFORM pg_advisory_xact_lock(22340, hashtext('review horizon'));
  v_last := (SELECT last_month FROM review_extent);
  IF v_last IS NULL OR v_last >= v_until THEN RETURN 0; END IF;
  UPDATE review_extent SET last_month = v_until;
  PERFORM wb_review_keys_reset();
  INSERT INTO pg_temp.wb_review_keys
  SELECT i.code, a.code, m.month::date
  FROM generate_series((v_last + interval '1 month')::date, v_until, interval '1 month') m(month)
  JOIN areas a ON wb_counts_in(a.valid_from, a.valid_to, m.month::date)
  CROSS JOIN indicators i;
  RETURN wb_refresh_review();
END $$;

-- The instant statuses are judged at: now, unless the session sets wardboard.now (a review
-- "as of" a meeting, and the tests' clock).
CREATE OR REPLACE FUNCTION wb_now() RETURNS timestamptz LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('wardboard.now', true), '')::timestamptz, now())
$$;

-- Every leaf's review of indicator p_indicator in months p_from..p_until is counted again: the
-- keys are queued, and the worker recounts them and the areas above (wb_process_claimed).
CREATE OR REPLACE FUNCTION wb_queue_review(p_indicator text, p_from date, p_until date) RETURNS void LANGUAGE sql AS $$
  INSERT INTO aggregate_queue (indicator_code, area_code, month)
  SELECT p_indicator, a.code, m.month::date
  FROM generate_series(p_from, p_until, interval '1 month') m(month)
  JOIN areas a ON wb_is_leaf_kind(a.kind) AND wb_counts_in(a.valid_from, a.valid_to, m.month::date)
  ON CONFLICT DO NOTHING
$$;

-- The last month review counts are kept for: the horizon, or a later month with data.
CREATE OR REPLACE FUNCTION wb_review_last_month(p_with_data date) RETURNS date LANGUAGE sql STABLE AS $$
  SELECT greatest(p_with_data, wb_review_horizon(), (SELECT last_month FROM review_extent))
$$;

-- New values of indicators p_indicators, from months p_firsts to p_lasts: where they come before
-- the indicator's first month with a value (the default of expected_from), that month is lowered
-- and the months it adds are queued (up to the old first month, or for an indicator that had no
-- value, to the last month counted).
CREATE OR REPLACE FUNCTION wb_first_months_lowered(p_indicators text[], p_firsts date[], p_lasts date[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  FOR r IN
    SELECT n.indicator_code, n.first_month, n.last_month, f.first_month AS was
    FROM unnest(p_indicators, p_firsts, p_lasts) AS n(indicator_code, first_month, last_month)
    LEFT JOIN indicator_first_months f USING (indicator_code)
    WHERE f.first_month IS NULL OR n.first_month < f.first_month
    ORDER BY 1
  LOOP
    INSERT INTO indicator_first_months VALUES (r.indicator_code, r.first_month)
      ON CONFLICT (indicator_code) DO UPDATE SET first_month = least(indicator_first_months.first_month, excluded.first_month);
    PERFORM wb_queue_review(r.indicator_code, r.first_month,
                            coalesce((r.was - interval '1 month')::date, wb_review_last_month(r.last_month)));
  END LOOP;
END $$;

-- Values of indicators p_indicators in months p_months were deleted: where one was in the
-- indicator's first month, that month is found again (later, or none) and the months it no
-- longer covers are queued.
CREATE OR REPLACE FUNCTION wb_first_months_rechecked(p_indicators text[], p_months date[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  r record;
  v_now date;
BEGIN
  FOR r IN
    SELECT DISTINCT d.indicator_code, f.first_month AS was
    FROM unnest(p_indicators, p_months) AS d(indicator_code, month)
    JOIN indicator_first_months f USING (indicator_code)
    WHERE d.month <= f.first_month
    ORDER BY 1
  LOOP
    v_now := least((SELECT min(month) FROM observations WHERE indicator_code = r.indicator_code),
                   (SELECT min(month) FROM fact_sums WHERE indicator_code = r.indicator_code));
    CONTINUE WHEN v_now IS NOT DISTINCT FROM r.was;
    IF v_now IS NULL THEN
      DELETE FROM indicator_first_months WHERE indicator_code = r.indicator_code;
    ELSE
      UPDATE indicator_first_months SET first_month = v_now WHERE indicator_code = r.indicator_code;
    END IF;
    PERFORM wb_queue_review(r.indicator_code, r.was, coalesce((v_now - interval '1 month')::date, wb_review_last_month(r.was)));
  END LOOP;
END $$;
