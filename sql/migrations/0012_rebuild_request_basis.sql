-- A request for a full rebuild that stands only if what the aggregates read from indicators and
-- settings moved (wb_structure_fingerprint() against rebuild_basis, wb_rebuild_needed): the
-- triggers of indicators and settings ask so, since their change may be of names only. Any other
-- request (a command, a migration, many areas at once) stands. wb_rebuild_needed told the two
-- apart by the text of their reason before.
ALTER TABLE aggregate_rebuild_requests ADD COLUMN if_fingerprint_moved boolean NOT NULL DEFAULT false;
-- A database made before this migration: its waiting requests of those two kinds, by the reasons
-- the triggers wrote then.
UPDATE aggregate_rebuild_requests SET if_fingerprint_moved = true WHERE reason IN ('indicators changed', 'settings changed');
