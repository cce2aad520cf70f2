-- The epochs of every area (the months from which successions into it count), with the month the
-- next begins: written with the lineage by wb_rebuild_lineage (sql/functions/lineage.sql). They
-- were two views over area_lineage, whose DISTINCT and window read every area's lineage in each
-- edit's batch (3–5 ms at national scale, where the batch needs a handful of areas).
DROP VIEW IF EXISTS area_epoch_spans;
DROP VIEW IF EXISTS area_epochs;
CREATE TABLE area_epochs (
  area_code area_code COLLATE "C" NOT NULL,
  as_of date NOT NULL,
  until date NOT NULL,
  PRIMARY KEY (area_code, as_of)
);
-- A database made before this migration: its lineage as the views read it (from now on
-- wb_rebuild_lineage writes both).
INSERT INTO area_epochs
  SELECT area_code, as_of, lead(as_of, 1, 'infinity') OVER (PARTITION BY area_code ORDER BY as_of)
  FROM (SELECT DISTINCT area_code, last_eff AS as_of FROM area_lineage WHERE first_eff <> 'infinity') e;
