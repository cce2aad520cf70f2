-- The tree of areas over time and the successions between areas (DATA.md "Areas", "Mergers and
-- splits").
--
-- Reads: areas, successions. Refuses, whatever the path, successions that break DATA.md's rules.

-- An area row counts for month M when M's first day lies in its validity period.
CREATE OR REPLACE FUNCTION wb_counts_in(p_from date, p_to date, p_month date) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT p_from <= p_month AND (p_to IS NULL OR p_to >= p_month) $$;

-- The kinds that report (leaves); the others are roll-ups.
CREATE OR REPLACE FUNCTION wb_is_leaf_kind(p_kind text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT p_kind IN ('ward', 'commune', 'town', 'special_zone') $$;

-- Every succession that breaks a rule of DATA.md ("Successions that are refused"), with the
-- field at fault: a `from` area that still counts in the effective month or later, a `to` area
-- that does not count then, an area succeeding itself, a cycle, shares of one `from` above 1.
-- p_codes: only the successions that involve these areas (NULL: all).
CREATE OR REPLACE FUNCTION wb_succession_problems(p_codes text[] DEFAULT NULL)
RETURNS TABLE (from_code text, to_code text, field text, message text)
LANGUAGE sql STABLE AS $$
  WITH s AS (
    SELECT x.* FROM successions x
    WHERE p_codes IS NULL OR x.from_code = ANY (p_codes) OR x.to_code = ANY (p_codes)),
  cycles AS (
    WITH RECURSIVE walk(start_from, start_to, node, path) AS (
      SELECT s.from_code::text, s.to_code::text, s.to_code::text, ARRAY[s.from_code::text, s.to_code::text] FROM s
      UNION ALL
      SELECT w.start_from, w.start_to, n.to_code, w.path || n.to_code::text
      FROM walk w JOIN successions n ON n.from_code = w.node
      WHERE NOT n.to_code = ANY (w.path[2:]) AND cardinality(w.path) < 64)
    SELECT DISTINCT ON (w.start_from, w.start_to) w.start_from, w.start_to, w.path
    FROM walk w JOIN successions n ON n.from_code = w.node AND n.to_code = w.start_from
    ORDER BY w.start_from, w.start_to, cardinality(w.path))
  SELECT s.from_code, s.to_code, 'from_code',
         format('area ''%s'' still exists in %s or later: the area a succession comes from must end before the month it takes effect',
                s.from_code, to_char(s.effective_month, 'YYYY-MM'))
  FROM s WHERE EXISTS (
    SELECT 1 FROM areas a WHERE a.code = s.from_code
      AND (a.valid_to IS NULL OR greatest(s.effective_month,
             CASE WHEN extract(day FROM a.valid_from) = 1 THEN a.valid_from
                  ELSE (date_trunc('month', a.valid_from) + interval '1 month')::date END) <= a.valid_to))
  UNION ALL
  SELECT s.from_code, s.to_code, 'to_code',
         format('area ''%s'' does not exist in %s, the month the succession takes effect', s.to_code, to_char(s.effective_month, 'YYYY-MM'))
  FROM s WHERE NOT EXISTS (SELECT 1 FROM areas a WHERE a.code = s.to_code AND wb_counts_in(a.valid_from, a.valid_to, s.effective_month))
  UNION ALL
  SELECT s.from_code, s.to_code, 'to_code', 'an area cannot succeed itself' FROM s WHERE s.from_code = s.to_code
  UNION ALL
  SELECT c.start_from, c.start_to, 'to_code', format('the successions make a cycle: %s', array_to_string(c.path || c.start_from, ' → '))
  FROM cycles c
  UNION ALL
  SELECT s.from_code, NULL, 'share', format('the shares of ''%s'' sum to %s, more than 1', s.from_code, sum(x.share))
  FROM (SELECT DISTINCT from_code FROM s) s JOIN successions x ON x.from_code = s.from_code
  GROUP BY s.from_code HAVING sum(x.share) > 1
$$;

-- Every area that is its own ancestor in some month (DATA.md "Areas": a parent's figures are
-- roll-ups of its children in that month's tree): the first such month and the path, following
-- the parents of the rows that count then. Before this, nothing refused one, and a rebuild's
-- walk up the tree never ended. p_codes: only cycles through these areas (NULL: all); a cycle a
-- change makes passes through a row it wrote.
CREATE OR REPLACE FUNCTION wb_area_cycles(p_codes text[] DEFAULT NULL)
RETURNS TABLE (code text, month date, message text) LANGUAGE sql STABLE AS $$
  WITH RECURSIVE walk(start, node, lo, hi, path) AS (
    SELECT a.code::text, a.parent_code::text, a.valid_from, coalesce(a.valid_to, 'infinity'), ARRAY[a.code::text]
    FROM areas a WHERE a.parent_code IS NOT NULL AND (p_codes IS NULL OR a.code = ANY (p_codes))
    UNION ALL
    SELECT w.start, p.parent_code, greatest(w.lo, p.valid_from), least(w.hi, coalesce(p.valid_to, 'infinity')), w.path || w.node
    FROM walk w JOIN areas p ON p.code = w.node
    WHERE p.parent_code IS NOT NULL AND NOT w.node = ANY (w.path)
      AND greatest(w.lo, p.valid_from) <= least(w.hi, coalesce(p.valid_to, 'infinity'))),
  cycles AS (
    -- The first month whose first day lies in the periods all along the path.
    SELECT w.start, w.path || w.node AS path,
           CASE WHEN extract(day FROM w.lo) = 1 THEN w.lo ELSE (date_trunc('month', w.lo) + interval '1 month')::date END AS month, w.hi
    FROM walk w WHERE w.node = w.start)
  SELECT DISTINCT ON (c.start) c.start, c.month,
         format('area ''%s'' is its own ancestor in %s: %s', c.start, to_char(c.month, 'YYYY-MM'), array_to_string(c.path, ' → '))
  FROM cycles c WHERE c.month <= c.hi
  ORDER BY c.start, c.month, cardinality(c.path)
$$;

-- Areas and successions changed by any path leave every succession valid and no area its own
-- ancestor, checked once per transaction at commit (an import replaces an area's rows in two
-- statements, between which they need not be; the importer checks first, naming the line).
CREATE OR REPLACE FUNCTION wb_check_structure_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE bad record;
BEGIN
  IF current_setting('wardboard.structure_checked', true) = txid_current()::text THEN RETURN NULL; END IF;
  PERFORM set_config('wardboard.structure_checked', txid_current()::text, true);
  SELECT * INTO bad FROM wb_succession_problems() LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'succession % → %: %', bad.from_code, coalesce(bad.to_code, '…'), bad.message
      USING ERRCODE = 'check_violation', CONSTRAINT = 'successions_rules';
  END IF;
  SELECT * INTO bad FROM wb_area_cycles() LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'area %: %', bad.code, bad.message USING ERRCODE = 'check_violation', CONSTRAINT = 'areas_tree';
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS successions_checked ON successions;
CREATE CONSTRAINT TRIGGER successions_checked AFTER INSERT OR UPDATE ON successions
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION wb_check_structure_at_commit();
DROP TRIGGER IF EXISTS areas_successions_checked ON areas;
DROP TRIGGER IF EXISTS areas_tree_checked ON areas;
DROP TRIGGER IF EXISTS areas_checked ON areas;
CREATE CONSTRAINT TRIGGER areas_checked AFTER INSERT OR UPDATE OR DELETE ON areas
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION wb_check_structure_at_commit();
-- Their names before one function checked both.
DROP FUNCTION IF EXISTS wb_check_successions_at_commit();
DROP FUNCTION IF EXISTS wb_check_area_tree_at_commit();

-- The depth of each area and month of a table of keys (columns area_code, month) in that month's
-- tree: 0 for a root or an area not counting then, else its parent's + 1 (the roll-ups of values
-- and of the review sum each level's children, deepest first), as a subquery for the callers'
-- statements. One walk up per distinct area and month, not per key; no area is its own ancestor
-- (wb_area_cycles), so every walk ends (the depth limit only keeps the planner's estimates,
-- and with them the plan, as they were). (As a function returning the rows, a national lane's keys
-- took 8.3 s instead of 5.2: the planner cannot see how many it returns; into a temporary table
-- of its own, an edit took 3–5 ms longer.)
CREATE OR REPLACE FUNCTION wb_key_depths_sql(p_keys regclass) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT format($sql$(
    WITH RECURSIVE areas_then AS (SELECT DISTINCT area_code, month FROM %s),
    up(area_code, month, node, depth) AS (
      SELECT area_code, month, area_code, 0 FROM areas_then
      UNION ALL
      SELECT u.area_code, u.month, a.parent_code, u.depth + 1
      FROM up u JOIN areas a ON a.code = u.node AND wb_counts_in(a.valid_from, a.valid_to, u.month)
      WHERE a.parent_code IS NOT NULL AND u.depth < 32)
    SELECT area_code, month, max(depth) AS depth FROM up GROUP BY area_code, month)$sql$, p_keys)
$$;
-- Its first form, a function returning the rows (never released).
DROP FUNCTION IF EXISTS wb_key_depths(regclass);

-- An area and every area below it, in any month (an editor writes for these).
CREATE OR REPLACE FUNCTION wb_area_subtree(p_code text) RETURNS TABLE (code text) LANGUAGE sql STABLE AS $$
  WITH RECURSIVE down(code) AS (
    SELECT p_code COLLATE "C"
    UNION SELECT a.code FROM areas a JOIN down ON a.parent_code = down.code)
  SELECT code FROM down
$$;

-- The leaves below p_parent (itself when a leaf) as the tree stood in p_month.
CREATE OR REPLACE FUNCTION wb_leaves_below(p_parent text, p_month date) RETURNS SETOF text LANGUAGE sql STABLE AS $$
  WITH RECURSIVE down(code) AS (
    SELECT p_parent COLLATE "C"
    UNION ALL
    SELECT c.code FROM down d JOIN areas c ON c.parent_code = d.code AND wb_counts_in(c.valid_from, c.valid_to, p_month)
  )
  SELECT d.code FROM down d JOIN areas a ON a.code = d.code AND wb_counts_in(a.valid_from, a.valid_to, p_month)
  WHERE wb_is_leaf_kind(a.kind)
$$;
