-- Month values reported by wards: every statement that writes observations, by any path, is
-- checked against the reporting rules (report_rules.sql) and the closed months (months.sql),
-- records each key's first arrival and the corrections made after its deadline (review.sql),
-- queues the keys it touched for the worker and keeps replaced values in observation_history.
-- Keys of indicators in an error rule are checked against the rules when the transaction
-- commits (rules.sql).
--
-- Reads: observations' transition tables, indicators, settings. Writes: aggregate_queue,
-- observation_history, key_arrivals, indicator_first_months, audit_log (writes into closed months
-- under an admin's reason), rule_check_requests; NOTIFY wardboard_dirty.

CREATE OR REPLACE FUNCTION wb_observations_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM wb_new_reports_reset();
    INSERT INTO pg_temp.wb_new_reports (area_code, indicator_code, month, least_value, all_whole)
      SELECT area_code, indicator_code, month, value, value = trunc(value) FROM new_rows;
    PERFORM wb_raise_report_problem('observation');
    INSERT INTO aggregate_queue (indicator_code, area_code, month)
      SELECT DISTINCT indicator_code, area_code, month FROM new_rows ON CONFLICT DO NOTHING;
    -- A key's first value arrives now; a later one never moves it.
    INSERT INTO key_arrivals (indicator_code, area_code, month, arrived_at)
      SELECT DISTINCT indicator_code, area_code, month, now() FROM new_rows ON CONFLICT DO NOTHING;
    -- An indicator's first month with a value (the default of expected_from) may come earlier.
    PERFORM wb_first_months_lowered(array_agg(indicator_code), array_agg(first_month), array_agg(last_month))
    FROM (SELECT indicator_code, min(month)::date AS first_month, max(month)::date AS last_month FROM new_rows GROUP BY 1) m;
    -- Rules between indicators, judged when the transaction commits.
    PERFORM wb_rule_pending_open();
    INSERT INTO pg_temp.wb_rule_pending
      SELECT n.indicator_code, n.area_code, n.month FROM new_rows n WHERE n.indicator_code IN (SELECT wb_error_rule_indicators());
    IF FOUND THEN PERFORM wb_request_rule_check(); END IF;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    INSERT INTO observation_history (area_code, indicator_code, month, old_value, new_value, changed_by)
      SELECT n.area_code, n.indicator_code, n.month, o.value, n.value, n.updated_by
      FROM new_rows n JOIN old_rows o USING (indicator_code, area_code, month)
      WHERE o.value IS DISTINCT FROM n.value;
    -- A correction after the deadline is a revision.
    UPDATE key_arrivals k SET revisions_after_deadline = k.revisions_after_deadline + 1
      FROM new_rows n JOIN old_rows o USING (indicator_code, area_code, month)
      WHERE o.value IS DISTINCT FROM n.value AND (k.indicator_code, k.area_code, k.month) = (n.indicator_code, n.area_code, n.month)
        AND now() >= wb_indicator_deadline(n.indicator_code, n.month);
  END IF;
  IF TG_OP = 'DELETE' THEN
    IF wb_locks_possible() AND wb_override_reason() = '' THEN
      PERFORM wb_refuse_closed_months(ARRAY(SELECT area_code FROM old_rows), ARRAY(SELECT month::date FROM old_rows), 'observation');
    END IF;
    INSERT INTO observation_history (area_code, indicator_code, month, old_value, new_value, changed_by)
      SELECT area_code, indicator_code, month, value, NULL, current_user FROM old_rows;
    INSERT INTO aggregate_queue (indicator_code, area_code, month)
      SELECT DISTINCT indicator_code, area_code, month FROM old_rows ON CONFLICT DO NOTHING;
    PERFORM wb_first_months_rechecked(ARRAY(SELECT indicator_code FROM old_rows), ARRAY(SELECT month::date FROM old_rows));
  END IF;
  IF wb_override_reason() <> '' AND wb_locks_possible() THEN
    IF TG_OP = 'DELETE' THEN
      PERFORM wb_audit_overrides(ARRAY(SELECT area_code FROM old_rows), ARRAY(SELECT month::date FROM old_rows), 'observations deleted');
    ELSE
      PERFORM wb_audit_overrides(ARRAY(SELECT area_code FROM new_rows), ARRAY(SELECT month::date FROM new_rows), 'observations written');
    END IF;
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
