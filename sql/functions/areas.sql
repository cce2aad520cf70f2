-- The tree of areas over time and the successions between areas (DATA.md "Areas", "Mergers and
-- splits").
--
-- Reads: areas, successions. Refuses successions whose shares of one area sum past 1.

-- An area row counts for month M when M's first day lies in its validity period.
CREATE OR REPLACE FUNCTION wb_counts_in(p_from date, p_to date, p_month date) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT p_from <= p_month AND (p_to IS NULL OR p_to >= p_month) $$;

-- The kinds that report (leaves); the others are roll-ups.
CREATE OR REPLACE FUNCTION wb_is_leaf_kind(p_kind text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT p_kind IN ('ward', 'commune', 'town') $$;

-- A split's shares sum to at most 1.
CREATE OR REPLACE FUNCTION wb_check_succession_shares() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE bad record;
BEGIN
  SELECT from_code, sum(share) AS total INTO bad FROM successions GROUP BY from_code HAVING sum(share) > 1 LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'shares of area % sum to %, more than 1', bad.from_code, bad.total
      USING ERRCODE = 'check_violation', CONSTRAINT = 'successions_share_sum';
  END IF;
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER successions_shares AFTER INSERT OR UPDATE ON successions
  FOR EACH STATEMENT EXECUTE FUNCTION wb_check_succession_shares();

-- An area and every area below it, in any month (an editor writes for these).
CREATE OR REPLACE FUNCTION wb_area_subtree(p_code text) RETURNS TABLE (code text) LANGUAGE sql STABLE AS $$
  WITH RECURSIVE down(code) AS (
    SELECT p_code COLLATE "C"
    UNION SELECT a.code FROM areas a JOIN down ON a.parent_code = down.code)
  SELECT code FROM down
$$;
