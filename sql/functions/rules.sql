-- Rules between indicators (DATA.md "Data quality: rules and outliers"): whether a rule holds, the
-- rules a write of observations breaks, and the rules the leaves' values break.
--
-- A write is judged on the state after it, with each side taken from the observations: values made
-- of facts are summed after the load, so a rule with a side made of facts is skipped at write
-- time. The importer asks wb_written_rule_breaks() before its commit (naming the line, listing the
-- warnings); any other path writing observations is checked when its transaction commits
-- (rule_check_requests), so a later statement of the same transaction may fix the other side.
-- The quality feed lists every broken rule on the leaves' values, facts included
-- (wb_rule_breaks_below).
--
-- Input: pg_temp.wb_rule_keys (line, indicator, area, month), made empty by wb_rule_keys_reset().
-- Reads: rules, observations, area_values, areas (wb_leaves_below, areas.sql). Writes:
-- rule_check_requests.

CREATE OR REPLACE FUNCTION wb_rule_holds(p_left numeric, p_operator text, p_right numeric) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE p_operator WHEN '<=' THEN p_left <= p_right WHEN '<' THEN p_left < p_right
                         WHEN '>=' THEN p_left >= p_right WHEN '>' THEN p_left > p_right
                         WHEN '==' THEN p_left = p_right WHEN '!=' THEN p_left <> p_right END
$$;

-- A broken rule as a sentence: its code and message, and the comparison that failed with the values.
CREATE OR REPLACE FUNCTION wb_rule_break_text(p_code text, p_message text, p_left_indicator text, p_left numeric,
                                              p_operator text, p_right_indicator text, p_right numeric) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT format('breaks rule %s (%s): %s %s %s does not hold', p_code, p_message,
                coalesce(p_left_indicator || ' ' || p_left, p_left::text), p_operator,
                coalesce(p_right_indicator || ' ' || p_right, p_right::text))
$$;

CREATE OR REPLACE FUNCTION wb_rule_keys_reset() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS wb_rule_keys (line int, indicator_code text COLLATE "C", area_code text COLLATE "C", month date) ON COMMIT DROP;
  TRUNCATE pg_temp.wb_rule_keys;
END $$;

-- The rules broken, on the observations as they stand, by the keys of pg_temp.wb_rule_keys: each
-- key checks the rules with its indicator on either side; a rule broken for an area and month is
-- named once, at the first line that wrote one of its sides.
CREATE OR REPLACE FUNCTION wb_written_rule_breaks()
RETURNS TABLE (line int, area_code text, indicator_code text, month date, rule_code text, severity text, message text)
LANGUAGE sql STABLE AS $$
  SELECT DISTINCT ON (r.code, k.area_code, k.month) k.line, k.area_code, k.indicator_code, k.month, r.code, r.severity,
         wb_rule_break_text(r.code, r.message_vi, r.left_indicator, v.l, r.operator, r.right_indicator, v.r)
  FROM pg_temp.wb_rule_keys k
  JOIN rules r ON k.indicator_code = r.left_indicator OR k.indicator_code = r.right_indicator
  LEFT JOIN observations lo ON (lo.indicator_code, lo.area_code, lo.month) = (r.left_indicator, k.area_code, k.month)
  LEFT JOIN observations ro ON (ro.indicator_code, ro.area_code, ro.month) = (r.right_indicator, k.area_code, k.month)
  CROSS JOIN LATERAL (SELECT coalesce(r.left_number, lo.value) AS l, coalesce(r.right_number, ro.value) AS r) v
  WHERE v.l IS NOT NULL AND v.r IS NOT NULL AND NOT wb_rule_holds(v.l, r.operator, v.r)
  ORDER BY r.code, k.area_code, k.month, k.line NULLS LAST
$$;

-- The observations triggers keep the keys a statement wrote of an indicator in an error rule in
-- pg_temp.wb_rule_pending (made by wb_rule_pending_open) and request the transaction's check,
-- once (wb_request_rule_check).
CREATE OR REPLACE FUNCTION wb_rule_pending_open() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS wb_rule_pending (indicator_code text COLLATE "C", area_code text COLLATE "C", month date) ON COMMIT DROP;
END $$;

CREATE OR REPLACE FUNCTION wb_request_rule_check() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO rule_check_requests DEFAULT VALUES ON CONFLICT DO NOTHING;
END $$;

-- The importer has just checked, with wb_written_rule_breaks, every key its transaction wrote
-- (naming lines): the commit need not check them again.
CREATE OR REPLACE FUNCTION wb_pending_rules_checked() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF to_regclass('pg_temp.wb_rule_pending') IS NOT NULL THEN TRUNCATE pg_temp.wb_rule_pending; END IF;
END $$;

-- The indicators on a side of an error rule (what a write must be checked for).
CREATE OR REPLACE FUNCTION wb_error_rule_indicators() RETURNS SETOF text LANGUAGE sql STABLE AS $$
  SELECT left_indicator FROM rules WHERE severity = 'error' AND left_indicator IS NOT NULL
  UNION SELECT right_indicator FROM rules WHERE severity = 'error' AND right_indicator IS NOT NULL
$$;

-- At commit: the first error rule the transaction's observation writes left broken is raised.
CREATE OR REPLACE FUNCTION wb_check_rules_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE bad record;
BEGIN
  IF to_regclass('pg_temp.wb_rule_pending') IS NOT NULL THEN
    PERFORM wb_rule_keys_reset();
    INSERT INTO pg_temp.wb_rule_keys SELECT DISTINCT NULL::int, p.indicator_code, p.area_code, p.month FROM pg_temp.wb_rule_pending p;
    TRUNCATE pg_temp.wb_rule_pending;
    SELECT * INTO bad FROM wb_written_rule_breaks() b WHERE b.severity = 'error' LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION '%', format('observation for area %s, indicator %s, month %s: %s', bad.area_code, bad.indicator_code,
                                  to_char(bad.month, 'YYYY-MM'), bad.message)
        USING ERRCODE = 'check_violation', CONSTRAINT = 'observations_rules';
    END IF;
  END IF;
  DELETE FROM rule_check_requests WHERE txid = NEW.txid;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS rule_check_requests_checked ON rule_check_requests;
CREATE CONSTRAINT TRIGGER rule_check_requests_checked AFTER INSERT ON rule_check_requests
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION wb_check_rules_at_commit();

-- Every rule broken by the leaves' values (observations or facts) below p_parent in p_month,
-- of p_indicator when given (on either side).
CREATE OR REPLACE FUNCTION wb_rule_breaks_below(p_parent text, p_month date, p_indicator text)
RETURNS TABLE (area_code text, rule_code text, severity text, left_indicator text, left_value numeric, operator text,
               right_indicator text, right_value numeric, message_vi text, message text)
LANGUAGE sql STABLE AS $$
  SELECT l.code, r.code, r.severity, r.left_indicator, v.l, r.operator, r.right_indicator, v.r, r.message_vi,
         wb_rule_break_text(r.code, r.message_vi, r.left_indicator, v.l, r.operator, r.right_indicator, v.r)
  FROM wb_leaves_below(p_parent, p_month) l(code)
  CROSS JOIN rules r
  LEFT JOIN area_values lv ON (lv.indicator_code, lv.area_code, lv.month) = (r.left_indicator, l.code, p_month)
  LEFT JOIN area_values rv ON (rv.indicator_code, rv.area_code, rv.month) = (r.right_indicator, l.code, p_month)
  CROSS JOIN LATERAL (SELECT coalesce(r.left_number, lv.value) AS l, coalesce(r.right_number, rv.value) AS r) v
  WHERE (p_indicator IS NULL OR p_indicator IN (r.left_indicator, r.right_indicator))
    AND v.l IS NOT NULL AND v.r IS NOT NULL AND NOT wb_rule_holds(v.l, r.operator, v.r)
$$;

-- A side of a rule as the importer stages it (WardCore's Operand): a number in canonical form, or
-- an indicator code. The number, or NULL for a code.
CREATE OR REPLACE FUNCTION wb_rule_operand_number(p_operand text) RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN p_operand ~ '^-?[0-9]+(\.[0-9]+)?$' THEN p_operand::numeric END
$$;
