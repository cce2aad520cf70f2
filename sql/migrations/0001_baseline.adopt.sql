-- Takes over, in place, a database made before v0.2.0 by the first layout of sql/ (migrations
-- 0001-0007, each of which redefined the functions of the ones before). Its tables are exactly
-- those of 0001_baseline.sql; its functions, triggers and views are replaced by sql/functions/,
-- applied right after this in the same transaction. Only the final text of those seven files is
-- accepted (checksums below): a database made by an earlier, edited version of them may differ
-- in its tables, and is refused rather than guessed at.

DO $$
DECLARE
  expected text := '0001_areas_indicators.sql 0ca4e3876d6f90885d70c9c0225e3d4e286109b05b5868f80b1826dedf6c02c6,'
                || '0002_observations_facts_targets.sql 62ad43b2381e5828b72b60c13716c9694771b70248b94c57d7acd8812fbb0f66,'
                || '0003_aggregates.sql 9bb2d588044fd7ed7ff4bf3ee601d83b973ce6cf9957fda86805429529ef73ae,'
                || '0004_facts_at_copy_speed.sql 9f1cc65d8f32fc1c5f95bb1fe844e4b5f234e44f2b5d3fe70ef261a23d67e034,'
                || '0005_comparable_by_key.sql 7b5522c228bbf58cfaef202e32b8bcdff39ddf250cbe09dd651752d39be33742,'
                || '0006_code_keys_in_c_collation.sql 33d28b01b37772d355edd33d03e88bcf7c73cb1abbedc7567d02ed26d1a476b1,'
                || '0007_facts_summed_by_the_worker.sql a98aca54f3c33bc9c502f7af2e4f7e7fe896986794f0899e1ecd97306057e39d';
  found text;
BEGIN
  SELECT string_agg(name || ' ' || checksum, ',' ORDER BY version) INTO found FROM schema_migrations;
  IF found IS DISTINCT FROM expected THEN
    RAISE EXCEPTION 'this database was made by a development version of Wardboard that v0.2.0 cannot take over (its migrations: %); export its data and import it into a new database', found;
  END IF;
END $$;

-- What the first layout defined and sql/functions/ no longer does.
DROP FUNCTION wb_process_dirty();
DROP FUNCTION wb_first_bad_report(text);
