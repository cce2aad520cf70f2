-- Closing a month (DATA.md "Closing a month"): a leaf's month is open, submitted or approved;
-- an approved month (or one left unapproved lock_after_days after its latest deadline) takes no
-- more observations or facts unless an admin writes with a reason, which is audited like every
-- submit, withdrawal, approval and reopening.
--
-- Reads: month_states, review_counts, areas, api_tokens' roles (passed in), settings.
-- Writes: month_states, audit_log. Errors: 42501 (insufficient_privilege) for a right the actor
-- lacks, WB409 for a state that does not allow the action.

-- Whether writes into a leaf's month are refused.
CREATE OR REPLACE FUNCTION wb_month_locked(p_area text, p_month date) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT state = 'approved' FROM month_states WHERE area_code = p_area AND month = p_month), false)
      OR (wb_setting('lock_after_days') <> 'off'
          AND wb_now() >= greatest(
                (SELECT max(deadline) FROM review_counts WHERE area_code = p_area AND month = p_month AND expected > 0),
                (SELECT reopened_at FROM month_states WHERE area_code = p_area AND month = p_month))
              + make_interval(days => wb_setting('lock_after_days')::int))
$$;

-- Whether any month can be locked at all (skips the per-key lookups of large writes).
CREATE OR REPLACE FUNCTION wb_locks_possible() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT wb_setting('lock_after_days') <> 'off' OR EXISTS (SELECT 1 FROM month_states WHERE state = 'approved')
$$;

-- The reason an admin gave for writing into closed months in this transaction ('' when none).
CREATE OR REPLACE FUNCTION wb_override_reason() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('wardboard.override_reason', true), '')
$$;

-- Records a write into closed months under an admin's reason (one row per area and month).
CREATE OR REPLACE FUNCTION wb_audit_overrides(p_keys text[], p_months date[], p_what text) RETURNS void LANGUAGE sql AS $$
  INSERT INTO audit_log (actor, action, area_code, month, reason, detail)
  SELECT DISTINCT coalesce(nullif(current_setting('wardboard.actor', true), ''), current_user), 'write', k.area, k.month, wb_override_reason(), p_what
  FROM unnest(p_keys, p_months) k(area, month)
  WHERE wb_month_locked(k.area, k.month)
$$;

-- The leaf `p_area` in month p_month, or an error naming what is wrong.
CREATE OR REPLACE FUNCTION wb_leaf_in_month(p_area text, p_month date) RETURNS areas LANGUAGE plpgsql STABLE AS $$
DECLARE area areas;
BEGIN
  SELECT * INTO area FROM areas WHERE code = p_area AND wb_counts_in(valid_from, valid_to, p_month);
  IF NOT FOUND THEN
    RAISE EXCEPTION 'area ''%'' does not exist in %', p_area, to_char(p_month, 'YYYY-MM') USING ERRCODE = 'no_data_found';
  END IF;
  RETURN area;
END $$;

-- Whether p_actor_area is a strict ancestor of p_area in p_month.
CREATE OR REPLACE FUNCTION wb_is_ancestor(p_actor_area text, p_area text, p_month date) RETURNS boolean LANGUAGE sql STABLE AS $$
  WITH RECURSIVE up(code) AS (
    SELECT a.parent_code FROM areas a WHERE a.code = p_area AND wb_counts_in(a.valid_from, a.valid_to, p_month)
    UNION
    SELECT a.parent_code FROM areas a JOIN up ON a.code = up.code WHERE wb_counts_in(a.valid_from, a.valid_to, p_month))
  SELECT EXISTS (SELECT 1 FROM up WHERE code = p_actor_area)
$$;

-- Submit (p_action 'submit') or withdraw ('withdraw') a leaf's month: the leaf's own editor or an
-- admin; only the submitter (or an admin) withdraws. Returns the new state.
CREATE OR REPLACE FUNCTION wb_submit_month(p_action text, p_area text, p_month date, p_actor text, p_token bigint, p_role text, p_actor_area text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  leaf areas := wb_leaf_in_month(p_area, p_month);
  current month_states;
BEGIN
  IF NOT wb_is_leaf_kind(leaf.kind) THEN
    RAISE EXCEPTION '''%'' is a %: only a ward, commune, town or special zone submits its month', p_area, leaf.kind USING ERRCODE = 'WB409';
  END IF;
  IF p_role <> 'admin' AND p_actor_area IS DISTINCT FROM p_area THEN
    RAISE EXCEPTION 'only the editor of % (or an admin) may % its month', p_area, p_action USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO current FROM month_states WHERE area_code = p_area AND month = p_month FOR UPDATE;
  IF p_action = 'submit' THEN
    IF coalesce(current.state, 'open') <> 'open' THEN
      RAISE EXCEPTION 'the month % of % is % already', to_char(p_month, 'YYYY-MM'), p_area, current.state USING ERRCODE = 'WB409';
    END IF;
    INSERT INTO month_states (area_code, month, state, submitted_by, submitted_by_token, submitted_at)
    VALUES (p_area, p_month, 'submitted', p_actor, p_token, now())
    ON CONFLICT (area_code, month) DO UPDATE SET state = 'submitted', submitted_by = excluded.submitted_by,
      submitted_by_token = excluded.submitted_by_token, submitted_at = excluded.submitted_at, approved_by = NULL, approved_at = NULL;
  ELSE
    IF coalesce(current.state, 'open') <> 'submitted' THEN
      RAISE EXCEPTION 'the month % of % is %: only a submitted month can be withdrawn', to_char(p_month, 'YYYY-MM'), p_area,
        coalesce(current.state, 'open') USING ERRCODE = 'WB409';
    END IF;
    IF p_role <> 'admin' AND current.submitted_by_token IS DISTINCT FROM p_token THEN
      RAISE EXCEPTION 'only whoever submitted the month (%) may withdraw it', current.submitted_by USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE month_states SET state = 'open' WHERE area_code = p_area AND month = p_month;
  END IF;
  INSERT INTO audit_log (actor, action, area_code, month) VALUES (p_actor, p_action, p_area, p_month);
  RETURN CASE p_action WHEN 'submit' THEN 'submitted' ELSE 'open' END;
END $$;

-- Approve the submitted months of p_area (a leaf) or of every leaf below it (a parent) in
-- p_month: an editor of a strict ancestor, or an admin; never a month the actor submitted.
-- Returns each leaf below with what happened: approved, or why not (not_submitted,
-- approved_already, submitted_by_you).
CREATE OR REPLACE FUNCTION wb_approve_month(p_area text, p_month date, p_actor text, p_token bigint, p_role text, p_actor_area text)
RETURNS TABLE (area_code text, outcome text) LANGUAGE plpgsql AS $$
DECLARE
  target areas := wb_leaf_in_month(p_area, p_month);
BEGIN
  IF p_role <> 'admin' AND NOT (p_actor_area IS NOT NULL AND (p_actor_area = p_area AND NOT wb_is_leaf_kind(target.kind)
                                                              OR wb_is_ancestor(p_actor_area, p_area, p_month))) THEN
    RAISE EXCEPTION 'only an editor of an area above % (or an admin) may approve its months', p_area USING ERRCODE = 'insufficient_privilege';
  END IF;
  CREATE TEMP TABLE IF NOT EXISTS wb_approvals (area_code text COLLATE "C", outcome text) ON COMMIT DROP;
  TRUNCATE pg_temp.wb_approvals;
  INSERT INTO pg_temp.wb_approvals
  WITH RECURSIVE down(code) AS (
    SELECT p_area::text COLLATE "C"
    UNION
    SELECT c.code FROM down d JOIN areas c ON c.parent_code = d.code AND wb_counts_in(c.valid_from, c.valid_to, p_month))
  SELECT d.code, CASE WHEN coalesce(s.state, 'open') = 'open' THEN 'not_submitted'
                      WHEN s.state = 'approved' THEN 'approved_already'
                      WHEN s.submitted_by_token = p_token THEN 'submitted_by_you'
                      ELSE 'approved' END
  FROM down d
  JOIN areas a ON a.code = d.code AND wb_counts_in(a.valid_from, a.valid_to, p_month) AND wb_is_leaf_kind(a.kind)
  LEFT JOIN month_states s ON s.area_code = d.code AND s.month = p_month;
  UPDATE month_states s SET state = 'approved', approved_by = p_actor, approved_at = now()
  FROM pg_temp.wb_approvals x WHERE x.outcome = 'approved' AND s.area_code = x.area_code AND s.month = p_month;
  INSERT INTO audit_log (actor, action, area_code, month)
  SELECT p_actor, 'approve', x.area_code, p_month FROM pg_temp.wb_approvals x WHERE x.outcome = 'approved';
  RETURN QUERY SELECT x.area_code::text, x.outcome FROM pg_temp.wb_approvals x ORDER BY x.area_code;
END $$;

-- Reopen a leaf's submitted or approved month with a reason: whoever may approve it.
CREATE OR REPLACE FUNCTION wb_reopen_month(p_area text, p_month date, p_reason text, p_actor text, p_role text, p_actor_area text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  leaf areas := wb_leaf_in_month(p_area, p_month);
BEGIN
  IF coalesce(btrim(p_reason, E' \t'), '') = '' THEN
    RAISE EXCEPTION 'a reopening needs a reason' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT wb_is_leaf_kind(leaf.kind) THEN
    RAISE EXCEPTION '''%'' is a %: months are reopened leaf by leaf', p_area, leaf.kind USING ERRCODE = 'WB409';
  END IF;
  IF p_role <> 'admin' AND NOT (p_actor_area IS NOT NULL AND wb_is_ancestor(p_actor_area, p_area, p_month)) THEN
    RAISE EXCEPTION 'only an editor of an area above % (or an admin) may reopen its months', p_area USING ERRCODE = 'insufficient_privilege';
  END IF;
  INSERT INTO month_states (area_code, month, state, reopened_at) VALUES (p_area, p_month, 'open', now())
  ON CONFLICT (area_code, month) DO UPDATE SET state = 'open', approved_by = NULL, approved_at = NULL, reopened_at = now();
  INSERT INTO audit_log (actor, action, area_code, month, reason) VALUES (p_actor, 'reopen', p_area, p_month, p_reason);
  RETURN 'open';
END $$;

-- Refuses a write that touches a closed month (SQLSTATE WB409), naming the first.
CREATE OR REPLACE FUNCTION wb_refuse_closed_months(p_areas text[], p_months date[], p_source text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE bad record;
BEGIN
  SELECT DISTINCT k.area, k.month INTO bad FROM unnest(p_areas, p_months) k(area, month) WHERE wb_month_locked(k.area, k.month) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION '% for area %, month %: the month is closed (approved, or locked by age): it takes no more figures unless an admin writes with a reason',
      p_source, bad.area, to_char(bad.month, 'YYYY-MM') USING ERRCODE = 'WB409';
  END IF;
END $$;
