-- Functions whose arguments changed: the old signatures would make calls ambiguous (sql/README.md).
-- wb_refresh_values() took no argument before p_emptied (values.sql); wb_build_index() indexed
-- every table at once before each table was indexed on its own, and wb_rebuild_build(date)
-- built every indicator before the indicators were split between lanes (rebuild.sql).
DROP FUNCTION IF EXISTS wb_refresh_values();
DROP FUNCTION IF EXISTS wb_build_index();
DROP FUNCTION IF EXISTS wb_rebuild_build(date);
