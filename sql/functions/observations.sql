-- Month values reported by wards: every statement that writes observations, by any path, is
-- checked against the reporting rules (report_rules.sql), queues the keys it touched for the
-- worker and keeps replaced values in observation_history.
--
-- Reads: observations' transition tables. Writes: aggregate_queue, observation_history;
-- NOTIFY wardboard_dirty.

CREATE OR REPLACE FUNCTION wb_observations_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE message text;
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM wb_new_reports_reset();
    INSERT INTO pg_temp.wb_new_reports (area_code, indicator_code, month, least_value, all_whole)
      SELECT area_code, indicator_code, month, value, value = trunc(value) FROM new_rows;
    message := wb_first_report_problem('observation');
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

CREATE OR REPLACE TRIGGER observations_inserted AFTER INSERT ON observations
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_observations_changed();
CREATE OR REPLACE TRIGGER observations_updated AFTER UPDATE ON observations
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_observations_changed();
CREATE OR REPLACE TRIGGER observations_deleted AFTER DELETE ON observations
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_observations_changed();
