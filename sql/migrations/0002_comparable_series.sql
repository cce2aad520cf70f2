-- Comparable series, computed by the worker (sql/functions/aggregates.sql) instead of by the
-- feed: for an area that succeeded others, its figures for the months before each of its
-- successions' effective months ("epochs"), measured on its territory as of that epoch. A series
-- asked for as comparable up to month T reads these rows for the area's last epoch at or before T,
-- and the aggregate rows from that epoch on (DATA.md "Mergers and splits").
CREATE TABLE comparable_series (
  indicator_code indicator_code COLLATE "C" NOT NULL,
  area_code area_code COLLATE "C" NOT NULL,
  -- The epoch: the territory is the area's as of this month.
  as_of date NOT NULL,
  month date NOT NULL,
  value numeric NOT NULL,
  previous numeric,
  change numeric,
  change_pct numeric,
  yoy_change_pct numeric,
  ytd numeric,
  -- The target moves with the territory like the figures (DATA.md).
  target numeric,
  target_pct numeric,
  computed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (indicator_code, area_code, as_of, month)
);

-- Filled by the next full rebuild.
INSERT INTO aggregate_rebuild_requests (reason) VALUES ('comparable series are computed by the worker');
