-- DATA.md now has the kinds of 2025: a `country` above the provinces, and `special_zone` (đặc
-- khu), a leaf that reports like a ward. Successions are checked by every rule DATA.md lists
-- (sql/functions/areas.sql), not only by their shares: the old share trigger goes.
ALTER TABLE areas DROP CONSTRAINT areas_kind;
ALTER TABLE areas ADD CONSTRAINT areas_kind
  CHECK (kind IN ('country', 'province', 'city', 'district', 'town', 'ward', 'commune', 'special_zone'));

DROP TRIGGER IF EXISTS successions_shares ON successions;
DROP FUNCTION IF EXISTS wb_check_succession_shares();

-- Successions are looked up by their `to` area too (chains, cycles, comparable targets).
CREATE INDEX successions_to ON successions (to_code);

-- "An area cannot succeed itself" is one of those rules (wb_succession_problems), checked with
-- the others at commit and by the importer, naming the line.
ALTER TABLE successions DROP CONSTRAINT successions_not_self;
