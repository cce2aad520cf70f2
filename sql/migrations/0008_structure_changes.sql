-- Changes of areas and successions are applied key by key (sql/functions/structure.sql), and a
-- rebuild recounts fact_sums only when the period rules moved (sql/functions/rebuild.sql).
--
-- A queued key whose area moved in the tree or in the lineage: what depends on it is recomputed
-- even when its own value does not move. The same for the keys batches log during a rebuild.
ALTER TABLE aggregate_queue ADD COLUMN structural boolean NOT NULL DEFAULT false;
ALTER TABLE rebuild_replay ADD COLUMN structural boolean NOT NULL DEFAULT false;

-- The period rules fact_sums was last recounted under (wb_period_fingerprint in
-- sql/functions/periods.sql): a rebuild recounts fact_sums, holding up batches, only when they
-- moved. Empty until the first rebuild.
CREATE TABLE period_basis (
  only_row boolean PRIMARY KEY DEFAULT true CONSTRAINT period_basis_one_row CHECK (only_row),
  fingerprint text NOT NULL
);
