-- A full rebuild builds beside the live tables and swaps its tables in at the end
-- (sql/functions/rebuild.sql), while edits keep being processed on the live ones.
--
-- The keys that were queued when a rebuild began: its snapshot holds their changes, so the
-- batches that run meanwhile leave them alone; the swap empties this table. Rows left here
-- mean a rebuild was interrupted, and the worker runs it again (wb_rebuild_needed).
CREATE TABLE rebuild_covered (
  indicator_code indicator_code COLLATE "C" NOT NULL,
  area_code area_code COLLATE "C" NOT NULL,
  month date NOT NULL,
  PRIMARY KEY (indicator_code, area_code, month)
);

-- The keys batches processed on the live tables while a rebuild was building: changes its
-- snapshot may not hold. After the swap they go back to the queue, to be applied to the new tables.
CREATE TABLE rebuild_replay (
  indicator_code indicator_code COLLATE "C" NOT NULL,
  area_code area_code COLLATE "C" NOT NULL,
  month date NOT NULL
);
