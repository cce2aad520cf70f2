-- The database's settings: the time zone and default cut-off day that place facts in reporting
-- periods, the default days a report is due after its period (due_days) and the age at which an
-- unapproved month locks (lock_after_days, or off). Every process reads them from here
-- (`wardboard settings show|set`); none writes its environment into them.
--
-- Reads and writes: settings. A change of a setting that moves periods asks for a full rebuild
-- (aggregate_rebuild_requests) and wakes the workers (NOTIFY wardboard_dirty).

-- The settings that place facts in periods and set deadlines: a change of one rebuilds everything
-- (wb_settings_changed below; the rebuild's fingerprint in rebuild.sql).
CREATE OR REPLACE FUNCTION wb_rebuild_settings() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY['timezone', 'cutoff_day', 'due_days']
$$;

-- A setting's value; NULL for an unknown key.
CREATE OR REPLACE FUNCTION wb_setting(p_key text) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT value FROM settings WHERE key = p_key $$;

-- Each known key's rule: a bad value is refused with a sentence naming the key.
CREATE OR REPLACE FUNCTION wb_check_setting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  CASE NEW.key
    WHEN 'timezone' THEN
      IF NOT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = NEW.value) THEN
        RAISE EXCEPTION 'setting timezone: ''%'' is not a time zone this server knows (for example Asia/Ho_Chi_Minh)', NEW.value
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
    WHEN 'cutoff_day' THEN
      IF NEW.value !~ '^[0-9]{1,2}$' OR NEW.value::int NOT BETWEEN 1 AND 28 THEN
        RAISE EXCEPTION 'setting cutoff_day: ''%'' is not a day from 1 to 28', NEW.value USING ERRCODE = 'invalid_parameter_value';
      END IF;
    WHEN 'due_days' THEN
      IF NEW.value !~ '^[0-9]{1,2}$' OR NEW.value::int NOT BETWEEN 0 AND 60 THEN
        RAISE EXCEPTION 'setting due_days: ''%'' is not a number of days from 0 to 60', NEW.value USING ERRCODE = 'invalid_parameter_value';
      END IF;
    WHEN 'lock_after_days' THEN
      IF NEW.value <> 'off' AND (NEW.value !~ '^[0-9]{1,4}$' OR NEW.value::int NOT BETWEEN 1 AND 3650) THEN
        RAISE EXCEPTION 'setting lock_after_days: ''%'' is neither off nor a number of days from 1 to 3650', NEW.value
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
    ELSE
      RAISE EXCEPTION 'unknown setting ''%''', NEW.key USING ERRCODE = 'invalid_parameter_value';
  END CASE;
  RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER settings_checked BEFORE INSERT OR UPDATE ON settings
  FOR EACH ROW EXECUTE FUNCTION wb_check_setting();

-- The time zone, the default cut-off day or the due days changed: periods and deadlines move,
-- rebuild everything.
CREATE OR REPLACE FUNCTION wb_settings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o USING (key)
             WHERE n.value IS DISTINCT FROM o.value AND n.key = ANY (wb_rebuild_settings())) THEN
    INSERT INTO aggregate_rebuild_requests (reason, if_fingerprint_moved) VALUES ('settings changed', true);
  END IF;
  PERFORM pg_notify('wardboard_settings', '');
  PERFORM pg_notify('wardboard_dirty', 'settings');
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER settings_changed AFTER UPDATE ON settings
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_settings_changed();
