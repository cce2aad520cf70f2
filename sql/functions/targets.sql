-- Annual targets (plans) of an area for an indicator.
--
-- Reads: targets' transition tables, areas. Writes: aggregate_queue (the January key of the
-- year: the worker recomputes the year's months from it); NOTIFY wardboard_dirty. Refuses a
-- target for a year in which its area counts in no month.

CREATE OR REPLACE FUNCTION wb_targets_changed() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE OR REPLACE TRIGGER targets_inserted AFTER INSERT ON targets
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_targets_changed();
CREATE OR REPLACE TRIGGER targets_updated AFTER UPDATE ON targets
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_targets_changed();
CREATE OR REPLACE TRIGGER targets_deleted AFTER DELETE ON targets
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_targets_changed();
