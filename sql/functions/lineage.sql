-- The lineage of every area through successions (DATA.md "Comparable figures"): for each area,
-- every area whose figures count into its comparable figures, with the product of the shares
-- along the chain and the window in which the chain applies; and the epochs that follow from it.
--
-- Reads: successions, area_codes. Writes: area_lineage and area_epochs (rebuilt whole).

-- (area, pred, factor, first_eff, last_eff): pred's figures count into area's comparable figure
-- for an earlier month M' measured as of month M when first_eff > M' and last_eff <= M; the self
-- row (factor 1, first_eff 'infinity', last_eff '-infinity') always applies.
CREATE OR REPLACE FUNCTION wb_rebuild_lineage() RETURNS void LANGUAGE sql AS $$
  DELETE FROM area_lineage;
  INSERT INTO area_lineage
  WITH RECURSIVE chain(area_code, pred_code, factor, first_eff, last_eff, depth) AS (
    SELECT to_code, from_code, share, effective_month::date, effective_month::date, 1 FROM successions
    UNION ALL
    SELECT c.area_code, s.from_code, c.factor * s.share, s.effective_month::date, c.last_eff, c.depth + 1
    FROM chain c JOIN successions s ON s.to_code = c.pred_code AND s.effective_month < c.first_eff
    WHERE c.depth < 32
  )
  SELECT area_code, pred_code, factor, first_eff, last_eff FROM chain
  UNION ALL
  SELECT code, code, 1, 'infinity'::date, '-infinity'::date FROM area_codes;
  -- The epochs of every area: the months from which successions into it count, each the
  -- territory a comparable series up to that month or later is measured on, until the next.
  DELETE FROM area_epochs;
  INSERT INTO area_epochs
  SELECT area_code, as_of, lead(as_of, 1, 'infinity') OVER (PARTITION BY area_code ORDER BY as_of)
  FROM (SELECT DISTINCT area_code, last_eff AS as_of FROM area_lineage WHERE first_eff <> 'infinity') e;
$$;
