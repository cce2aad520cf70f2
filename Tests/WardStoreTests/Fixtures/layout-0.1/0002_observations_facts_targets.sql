-- What wards report: observations (with audit), raw facts, annual targets; API tokens;
-- and the queue of keys whose aggregates must be recomputed.

CREATE TABLE observations (
  area_code area_code NOT NULL REFERENCES area_codes,
  indicator_code indicator_code NOT NULL REFERENCES indicators,
  month month_start NOT NULL,
  value numeric NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text NOT NULL DEFAULT current_user,
  PRIMARY KEY (indicator_code, area_code, month)
);

-- Replaced values: old, new, by whom, when.
CREATE TABLE observation_history (
  id bigserial PRIMARY KEY,
  area_code area_code NOT NULL,
  indicator_code indicator_code NOT NULL,
  month date NOT NULL,
  old_value numeric,
  new_value numeric,
  changed_by text NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX observation_history_key ON observation_history (indicator_code, area_code, month);

-- An import batch of facts: the file's SHA-256, so importing the same file again adds nothing.
CREATE TABLE fact_batches (
  id bigserial PRIMARY KEY,
  sha256 text NOT NULL UNIQUE,
  source text NOT NULL,
  rows bigint NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now()
);

-- Raw incident/receipt records. No identity: two identical rows are two events.
CREATE TABLE facts (
  id bigserial PRIMARY KEY,
  area_code area_code NOT NULL REFERENCES area_codes,
  indicator_code indicator_code NOT NULL REFERENCES indicators,
  occurred_at timestamptz NOT NULL,
  amount numeric NOT NULL DEFAULT 1,
  batch_id bigint REFERENCES fact_batches ON DELETE CASCADE
);
-- One period of one indicator is a range scan.
CREATE INDEX facts_by_time ON facts (indicator_code, occurred_at, area_code) INCLUDE (amount);

CREATE TABLE targets (
  area_code area_code NOT NULL REFERENCES area_codes,
  indicator_code indicator_code NOT NULL REFERENCES indicators,
  year integer NOT NULL CONSTRAINT targets_year CHECK (year BETWEEN 1900 AND 2200),
  target numeric NOT NULL CONSTRAINT targets_non_negative CHECK (target >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (indicator_code, area_code, year)
);

CREATE TABLE api_tokens (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  role text NOT NULL CONSTRAINT api_tokens_role CHECK (role IN ('viewer', 'editor', 'admin')),
  area_code area_code REFERENCES area_codes,
  token_sha256 bytea NOT NULL UNIQUE CONSTRAINT api_tokens_hash_length CHECK (length(token_sha256) = 32),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  CONSTRAINT api_tokens_editor_area CHECK (role <> 'editor' OR area_code IS NOT NULL)
);

-- Keys whose aggregates are stale. Writers add; workers claim with FOR UPDATE SKIP LOCKED.
CREATE TABLE aggregate_queue (
  indicator_code indicator_code NOT NULL,
  area_code area_code NOT NULL,
  month date NOT NULL,
  enqueued_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (indicator_code, area_code, month)
);

-- A request for a full rebuild (areas or successions changed: every roll-up may move).
CREATE TABLE aggregate_rebuild_requests (
  id bigserial PRIMARY KEY,
  from_month date,
  reason text NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- The period of a fact, by its indicator's cut-off day or the configured default.
CREATE FUNCTION wb_fact_period(p_at timestamptz, p_indicator_cutoff smallint) RETURNS date
LANGUAGE sql STABLE AS $$
  SELECT wb_period(p_at, coalesce(p_indicator_cutoff, wb_setting('cutoff_day')::int, 1), coalesce(wb_setting('timezone'), 'Asia/Ho_Chi_Minh'))
$$;

-- Rows that break DATA.md's rules, whatever path they came by. Set-based: one pass per statement.
-- p_kind: 'observation' or 'fact'.
CREATE FUNCTION wb_first_bad_report(p_kind text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE message text;
BEGIN
  SELECT format('%s for area %s, indicator %s, month %s: %s', p_kind, n.area_code, n.indicator_code, to_char(n.month, 'YYYY-MM'),
    CASE
      WHEN i.kind = 'ratio' THEN 'ratio indicators are computed from their numerator and denominator, never reported'
      WHEN p_kind = 'fact' AND i.kind = 'stock' THEN 'stock indicators are reported as month values, not as facts'
      WHEN i.kind IN ('count', 'stock') AND n.value < 0 THEN format('negative value %s for a %s indicator', n.value, i.kind)
      WHEN n.month > date_trunc('month', now() AT TIME ZONE coalesce(wb_setting('timezone'), 'Asia/Ho_Chi_Minh'))::date
        THEN 'the month is in the future'
      WHEN NOT EXISTS (SELECT 1 FROM areas a WHERE a.code = n.area_code AND wb_counts_in(a.valid_from, a.valid_to, n.month))
        THEN 'the area does not exist in that month'
      ELSE 'only wards, communes and towns report; a parent''s figures are roll-ups'
    END)
  INTO message
  FROM (SELECT area_code, indicator_code, month, min(value) AS value FROM pg_temp.wb_new_reports GROUP BY 1, 2, 3) n
  JOIN indicators i ON i.code = n.indicator_code
  WHERE i.kind = 'ratio'
     OR (p_kind = 'fact' AND i.kind = 'stock')
     OR (i.kind IN ('count', 'stock') AND n.value < 0)
     OR n.month > date_trunc('month', now() AT TIME ZONE coalesce(wb_setting('timezone'), 'Asia/Ho_Chi_Minh'))::date
     OR NOT EXISTS (SELECT 1 FROM areas a WHERE a.code = n.area_code AND wb_counts_in(a.valid_from, a.valid_to, n.month)
                    AND wb_is_leaf_kind(a.kind))
  LIMIT 1;
  RETURN message;
END $$;

CREATE FUNCTION wb_observations_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE message text;
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    CREATE TEMP TABLE IF NOT EXISTS wb_new_reports (area_code text, indicator_code text, month date, value numeric) ON COMMIT DROP;
    TRUNCATE pg_temp.wb_new_reports;
    INSERT INTO pg_temp.wb_new_reports SELECT area_code, indicator_code, month, value FROM new_rows;
    message := wb_first_bad_report('observation');
    IF message IS NOT NULL THEN
      RAISE EXCEPTION '%', message USING ERRCODE = 'check_violation', CONSTRAINT = 'observations_rules';
    END IF;
    INSERT INTO aggregate_queue (indicator_code, area_code, month)
      SELECT DISTINCT indicator_code, area_code, month FROM new_rows ON CONFLICT DO NOTHING;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    INSERT INTO observation_history (area_code, indicator_code, month, old_value, new_value, changed_by)
      SELECT n.area_code, n.indicator_code, n.month, o.value, n.value, n.updated_by
      FROM new_rows n JOIN old_rows o USING (indicator_code, area_code, month)
      WHERE o.value IS DISTINCT FROM n.value;
  END IF;
  IF TG_OP = 'DELETE' THEN
    INSERT INTO observation_history (area_code, indicator_code, month, old_value, new_value, changed_by)
      SELECT area_code, indicator_code, month, value, NULL, current_user FROM old_rows;
    INSERT INTO aggregate_queue (indicator_code, area_code, month)
      SELECT DISTINCT indicator_code, area_code, month FROM old_rows ON CONFLICT DO NOTHING;
  END IF;
  PERFORM pg_notify('wardboard_dirty', TG_TABLE_NAME);
  RETURN NULL;
END $$;

CREATE TRIGGER observations_inserted AFTER INSERT ON observations
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_observations_changed();
CREATE TRIGGER observations_updated AFTER UPDATE ON observations
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_observations_changed();
CREATE TRIGGER observations_deleted AFTER DELETE ON observations
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_observations_changed();

CREATE FUNCTION wb_facts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE message text;
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS wb_new_reports (area_code text, indicator_code text, month date, value numeric) ON COMMIT DROP;
  TRUNCATE pg_temp.wb_new_reports;
  IF TG_OP = 'INSERT' THEN
    INSERT INTO pg_temp.wb_new_reports
      SELECT f.area_code, f.indicator_code, wb_fact_period(f.occurred_at, i.cutoff_day), f.amount
      FROM new_rows f JOIN indicators i ON i.code = f.indicator_code;
    message := wb_first_bad_report('fact');
    IF message IS NOT NULL THEN
      RAISE EXCEPTION '%', message USING ERRCODE = 'check_violation', CONSTRAINT = 'facts_rules';
    END IF;
  ELSE
    INSERT INTO pg_temp.wb_new_reports
      SELECT f.area_code, f.indicator_code, wb_fact_period(f.occurred_at, i.cutoff_day), f.amount
      FROM old_rows f JOIN indicators i ON i.code = f.indicator_code;
  END IF;
  INSERT INTO aggregate_queue (indicator_code, area_code, month)
    SELECT DISTINCT indicator_code, area_code, month FROM pg_temp.wb_new_reports ON CONFLICT DO NOTHING;
  PERFORM pg_notify('wardboard_dirty', TG_TABLE_NAME);
  RETURN NULL;
END $$;

CREATE TRIGGER facts_inserted AFTER INSERT ON facts
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_facts_changed();
CREATE TRIGGER facts_deleted AFTER DELETE ON facts
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_facts_changed();
CREATE FUNCTION wb_refuse_fact_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'facts are not updated in place; delete and insert them' USING ERRCODE = 'feature_not_supported';
END $$;
CREATE TRIGGER facts_no_update BEFORE UPDATE ON facts FOR EACH STATEMENT EXECUTE FUNCTION wb_refuse_fact_update();

-- A target needs an area that counts in at least one month of its year.
CREATE FUNCTION wb_targets_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE bad record;
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    SELECT n.area_code, n.indicator_code, n.year INTO bad FROM new_rows n
    WHERE NOT EXISTS (
      SELECT 1 FROM areas a, generate_series(make_date(n.year, 1, 1), make_date(n.year, 12, 1), interval '1 month') m
      WHERE a.code = n.area_code AND wb_counts_in(a.valid_from, a.valid_to, m::date))
    LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'target for area %, indicator %, year %: the area exists in no month of that year',
        bad.area_code, bad.indicator_code, bad.year USING ERRCODE = 'check_violation', CONSTRAINT = 'targets_rules';
    END IF;
    INSERT INTO aggregate_queue (indicator_code, area_code, month)
      SELECT DISTINCT indicator_code, area_code, make_date(year, 1, 1) FROM new_rows ON CONFLICT DO NOTHING;
  ELSE
    INSERT INTO aggregate_queue (indicator_code, area_code, month)
      SELECT DISTINCT indicator_code, area_code, make_date(year, 1, 1) FROM old_rows ON CONFLICT DO NOTHING;
  END IF;
  PERFORM pg_notify('wardboard_dirty', TG_TABLE_NAME);
  RETURN NULL;
END $$;
CREATE TRIGGER targets_inserted AFTER INSERT ON targets
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_targets_changed();
CREATE TRIGGER targets_updated AFTER UPDATE ON targets
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_targets_changed();
CREATE TRIGGER targets_deleted AFTER DELETE ON targets
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_targets_changed();

-- Areas, successions or indicators changed: every roll-up may move, so ask for a full rebuild.
CREATE FUNCTION wb_structure_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO aggregate_rebuild_requests (reason) VALUES (TG_TABLE_NAME || ' changed');
  PERFORM pg_notify('wardboard_dirty', TG_TABLE_NAME);
  RETURN NULL;
END $$;
CREATE TRIGGER areas_changed AFTER INSERT OR UPDATE OR DELETE ON areas FOR EACH STATEMENT EXECUTE FUNCTION wb_structure_changed();
CREATE TRIGGER successions_changed AFTER INSERT OR UPDATE OR DELETE ON successions FOR EACH STATEMENT EXECUTE FUNCTION wb_structure_changed();
CREATE TRIGGER indicators_changed AFTER UPDATE OR DELETE ON indicators FOR EACH STATEMENT EXECUTE FUNCTION wb_structure_changed();
