-- Structure changes, applied key by key (part of DATA.md "Areas", "Mergers and splits"): an area
-- inserted, moved under another parent, given another validity or kind, or removed; a succession
-- added, changed or removed. Each statement queues, for every indicator and every month of the
-- review's range, the keys of the areas it touches, marked structural: a batch recomputes their
-- values and their ancestors' (in the tree as it now stands), and treats them as changed even when
-- their value did not move, so that their siblings' ranks, their parents' children counts and
-- their comparable figures follow (wb_process_claimed, queue.sql).
-- What an area row touches: its code in the months the old and the new row count, the old
-- parent in the months the old row counted (the new parent is its ancestor now), and its
-- children (their shares are of its value; it may have stopped counting above them). What a
-- succession touches: the areas whose lineage moved (area_lineage before and after), in every
-- month (their comparable series reach back before they existed). A name changes nothing here.
-- A statement that touches more than wb_structure_area_limit() areas (a reorganisation) asks for
-- a full rebuild instead, which is cheaper than recomputing its keys one by one.
--
-- Reads: areas, successions, area_codes, indicators, indicator_first_months, review_extent.
-- Writes: area_lineage (kept current here, under wb_lineage_lock()), aggregate_queue,
-- aggregate_rebuild_requests.

-- The advisory lock of writes to area_lineage ("WARDLINE").
CREATE OR REPLACE FUNCTION wb_lineage_lock() RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT 6287397008177449285::bigint $$;

-- The most areas one statement may touch and still be applied key by key.
CREATE OR REPLACE FUNCTION wb_structure_area_limit() RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT 50 $$;

-- The areas a statement touched, made empty: each in the months (from, to) counts in, or in
-- every month when whole; changed: a row of the area itself changed (not its old parent's).
CREATE OR REPLACE FUNCTION wb_structure_areas_reset() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS wb_structure_areas (area_code text COLLATE "C", valid_from date, valid_to date, whole boolean, changed boolean) ON COMMIT DROP;
  TRUNCATE pg_temp.wb_structure_areas;
END $$;

-- Queues the keys of pg_temp.wb_structure_areas as structural, from the review's first month to
-- the last it counts (nothing before any data); or asks for a full rebuild when they are too many.
CREATE OR REPLACE FUNCTION wb_queue_structure(p_reason text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_areas int := (SELECT count(DISTINCT area_code) FROM pg_temp.wb_structure_areas);
  v_lo date := wb_review_first_month();
  v_hi date := greatest((SELECT last_month FROM review_extent), wb_review_horizon());
BEGIN
  IF v_areas = 0 OR v_lo IS NULL THEN RETURN; END IF;
  IF v_areas > wb_structure_area_limit() THEN
    INSERT INTO aggregate_rebuild_requests (reason) VALUES (format('%s: %s areas', p_reason, v_areas));
  ELSE
    INSERT INTO aggregate_queue AS q (indicator_code, area_code, month, structural)
    SELECT DISTINCT i.code, s.area_code, m.month::date, true
    FROM pg_temp.wb_structure_areas s
    CROSS JOIN generate_series(v_lo, v_hi, interval '1 month') m(month)
    CROSS JOIN indicators i
    WHERE s.whole OR wb_counts_in(s.valid_from, s.valid_to, m.month::date)
    ON CONFLICT (indicator_code, area_code, month) DO UPDATE SET structural = true WHERE NOT q.structural;
  END IF;
  PERFORM pg_notify('wardboard_dirty', p_reason);
END $$;

CREATE OR REPLACE FUNCTION wb_areas_restructured() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM wb_structure_areas_reset();
  IF TG_OP = 'INSERT' THEN
    INSERT INTO pg_temp.wb_structure_areas SELECT code, valid_from, valid_to, false, true FROM new_rows;
    -- A new code is its own lineage (lineage.sql).
    PERFORM pg_advisory_xact_lock(wb_lineage_lock());
    INSERT INTO area_lineage (area_code, pred_code, factor, first_eff, last_eff)
    SELECT DISTINCT n.code, n.code, 1, 'infinity'::date, '-infinity'::date FROM new_rows n
    WHERE NOT EXISTS (SELECT 1 FROM area_lineage l WHERE l.area_code = n.code AND l.pred_code = n.code AND l.first_eff = 'infinity');
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO pg_temp.wb_structure_areas
    SELECT code, valid_from, valid_to, false, true FROM old_rows
    UNION ALL SELECT parent_code, valid_from, valid_to, false, false FROM old_rows WHERE parent_code IS NOT NULL;
  ELSE
    INSERT INTO pg_temp.wb_structure_areas
    SELECT x.code, x.valid_from, x.valid_to, false, x.changed
    FROM old_rows o JOIN new_rows n USING (id),
    LATERAL (VALUES (o.code, o.valid_from, o.valid_to, true), (n.code, n.valid_from, n.valid_to, true),
                    (o.parent_code, o.valid_from, o.valid_to, false)) x(code, valid_from, valid_to, changed)
    WHERE ROW(o.code, o.kind, o.parent_code, o.valid_from, o.valid_to) IS DISTINCT FROM ROW(n.code, n.kind, n.parent_code, n.valid_from, n.valid_to)
      AND x.code IS NOT NULL;
  END IF;
  -- The children of a changed area: their shares are of its value, and it may no longer count
  -- above them (the old parent's other children are reached through the parent's own keys).
  INSERT INTO pg_temp.wb_structure_areas
  SELECT c.code, c.valid_from, c.valid_to, false, false
  FROM areas c
  WHERE c.parent_code IN (SELECT area_code FROM pg_temp.wb_structure_areas WHERE changed);
  PERFORM wb_queue_structure('areas changed');
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION wb_successions_restructured() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(wb_lineage_lock());
  IF to_regclass('pg_temp.wb_lineage_before') IS NOT NULL THEN DROP TABLE pg_temp.wb_lineage_before; END IF;
  CREATE TEMP TABLE wb_lineage_before ON COMMIT DROP AS SELECT * FROM area_lineage;
  PERFORM wb_rebuild_lineage();
  PERFORM wb_structure_areas_reset();
  INSERT INTO pg_temp.wb_structure_areas
  SELECT DISTINCT area_code, NULL::date, NULL::date, true, true
  FROM ((SELECT * FROM pg_temp.wb_lineage_before EXCEPT ALL SELECT * FROM area_lineage)
        UNION ALL (SELECT * FROM area_lineage EXCEPT ALL SELECT * FROM pg_temp.wb_lineage_before)) moved;
  DROP TABLE pg_temp.wb_lineage_before;
  PERFORM wb_queue_structure('successions changed');
  RETURN NULL;
END $$;

-- (They replace the statement triggers that asked for a full rebuild on any change.)
DROP TRIGGER IF EXISTS areas_changed ON areas;
DROP TRIGGER IF EXISTS successions_changed ON successions;
CREATE OR REPLACE TRIGGER areas_inserted_restructure AFTER INSERT ON areas
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_areas_restructured();
CREATE OR REPLACE TRIGGER areas_updated_restructure AFTER UPDATE ON areas
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_areas_restructured();
CREATE OR REPLACE TRIGGER areas_deleted_restructure AFTER DELETE ON areas
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION wb_areas_restructured();
CREATE OR REPLACE TRIGGER successions_restructure AFTER INSERT OR UPDATE OR DELETE ON successions
  FOR EACH STATEMENT EXECUTE FUNCTION wb_successions_restructured();
