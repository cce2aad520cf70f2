-- The structure the aggregates were last fully rebuilt from, as a fingerprint
-- (wb_structure_fingerprint in sql/functions/rebuild.sql): a change to areas, successions,
-- indicators or settings that leaves it as it was (an area or an indicator renamed, a file
-- imported again) needs no rebuild. Empty until the first full rebuild.
CREATE TABLE rebuild_basis (
  only_row boolean PRIMARY KEY DEFAULT true CONSTRAINT rebuild_basis_one_row CHECK (only_row),
  fingerprint text NOT NULL,
  rebuilt_at timestamptz NOT NULL DEFAULT now()
);
