-- The full rebuild: lineage, fact_sums, area_values and aggregates recomputed from what was
-- reported, by the same steps as an incremental batch (values.sql, aggregates.sql), so a
-- rebuild and a sequence of batches produce the same rows by construction. The structure it was
-- built from is kept as a fingerprint, so that a change of names only needs none
-- (wb_rebuild_needed, below).
--
-- Reads: successions, facts, fact_batches, observations, areas, indicators, targets, settings,
-- key_arrivals. Writes: rebuild_basis, period_basis, area_lineage, fact_batches (every batch it can see is summed by it),
-- fact_batch_sums, fact_sums, indicator_first_months, aggregate_queue, rebuild_covered, rebuild_replay,
-- aggregate_rebuild_requests; replaces area_values, outlier_scores, aggregates, comparable_series,
-- review_counts and review_extent (wb_rebuilt_tables) with new tables.

-- The advisory lock a rebuild holds for as long as it builds beside the live tables ("WARDBUIL"):
-- one rebuild at a time, and batches that cannot share it know a rebuild is building.
CREATE OR REPLACE FUNCTION wb_build_lock() RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT 6287397008177448268::bigint $$;

-- Whether a rebuild is building (some session of this database holds wb_build_lock()).
CREATE OR REPLACE FUNCTION wb_rebuild_building() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM pg_locks
                 WHERE locktype = 'advisory' AND granted AND objsubid = 1
                   AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                   AND ((classid::bigint << 32) | objid::bigint) = wb_build_lock())
$$;

-- The tables a rebuild builds beside the live ones (in schema wb_build) and swaps in, in the
-- order the feeds' queries name them (a series reads comparable_series, then aggregates; a
-- comparison aggregates, then review_counts): the swap locks them in this order, and so does a
-- replica replaying it, where a read that had locked them in another order would be cancelled.
CREATE OR REPLACE FUNCTION wb_rebuilt_tables() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY['comparable_series', 'aggregates', 'review_counts', 'review_extent', 'area_values', 'outlier_scores']
$$;

-- A full rebuild, on one connection holding wb_build_lock() (session) throughout:
--   1. wb_rebuild_prepare sets the queued keys aside as covered and sums the facts waiting (when
--      the period rules moved, recounts them, holding up batches meanwhile).
--   2. wb_build_begin commits empty tables in schema wb_build. wb_rebuild_build computes the
--      new rows into them (the same functions as a batch, with wb_build first on the search
--      path), in REPEATABLE READ, so that every step reads the one snapshot taken after step 1;
--      the indicators may be split between lanes (connections sharing that snapshot, one core
--      each). Once every lane has committed, wb_build_finish gives the tables their keys and
--      indexes. Meanwhile batches go on processing new keys on the live tables, and log what
--      they claimed in rebuild_replay (their wb_process_queue cannot share wb_build_lock()).
--   3. wb_rebuild_catch_up applies the logged keys to the new tables, as a batch would (changes
--      the snapshot may not hold): first while batches go on and log more, then, holding
--      wb_rebuild_lock() for what is left, it swaps the new tables in, in the same transaction;
--      the old ones are dropped after (wb_rebuild_retire).
-- Readers see the old tables until that commit, then the new ones with every change applied:
-- a change committed during a rebuild is visible within a batch, and stays visible.
-- Why a batch's keys are logged whenever they must be: a batch claims its keys, then tries
-- wb_build_lock(); when it gets it, it holds it to its commit, so a rebuild taking the lock (and,
-- after it, its snapshot) starts after the changes of those keys had committed.
-- An interrupted rebuild leaves its covered keys (and maybe schema wb_build, dropped by the next
-- one): the worker runs it again (wb_rebuild_needed).

-- Step 1: sets the queued keys aside as covered (the coming snapshot holds their changes; the
-- keys batches are processing are left to them), and sums the facts waiting. When the period
-- rules moved since fact_sums was counted (a cut-off day, the time zone), recounts fact_sums and
-- the indicators' first months from the facts instead, holding wb_rebuild_lock() exclusively
-- (batches and fact folding wait: 12 s at national scale); otherwise batches go on.
CREATE OR REPLACE FUNCTION wb_rebuild_prepare(p_from date) RETURNS void LANGUAGE plpgsql
SET work_mem = '256MB' AS $$
DECLARE v_periods text := wb_period_fingerprint();
BEGIN
  IF v_periods IS DISTINCT FROM (SELECT fingerprint FROM period_basis) THEN
    PERFORM pg_advisory_xact_lock(wb_rebuild_lock());
    -- From the facts of summed batches only (a load committing meanwhile waits for the next fold).
    UPDATE fact_batches SET summed = true WHERE NOT summed;
    DELETE FROM fact_batch_sums WHERE batch_id IN (SELECT id FROM fact_batches WHERE summed);
    DELETE FROM fact_sums;
    INSERT INTO fact_sums
      SELECT f.indicator_code, f.area_code,
             wb_period(f.occurred_at, coalesce(i.cutoff_day, wb_setting('cutoff_day')::int), wb_setting('timezone')),
             sum(f.amount), count(*)
      FROM facts f JOIN indicators i ON i.code = f.indicator_code
      WHERE f.batch_id IN (SELECT id FROM fact_batches WHERE summed)
      GROUP BY 1, 2, 3;
    ANALYZE fact_sums;
    -- Kept by the observations' and facts' triggers otherwise.
    DELETE FROM indicator_first_months;
    INSERT INTO indicator_first_months SELECT indicator_code, min(month) FROM leaf_values GROUP BY 1;
    INSERT INTO period_basis (fingerprint) VALUES (v_periods)
      ON CONFLICT (only_row) DO UPDATE SET fingerprint = excluded.fingerprint;
  ELSE
    PERFORM wb_fold_fact_batches(2147483647);
  END IF;
  -- Kept by the successions' trigger (structure.sql); made again here all the same.
  PERFORM pg_advisory_xact_lock(wb_lineage_lock());
  PERFORM wb_rebuild_lineage();
  ANALYZE area_lineage, area_epochs;
  -- Logged by batches before now: the coming snapshot holds their changes.
  DELETE FROM rebuild_replay;
  WITH picked AS MATERIALIZED (
    SELECT indicator_code, area_code, month FROM aggregate_queue
    WHERE p_from IS NULL OR month >= p_from FOR UPDATE SKIP LOCKED),
  taken AS (
    DELETE FROM aggregate_queue q USING picked c
    WHERE (q.indicator_code, q.area_code, q.month) = (c.indicator_code, c.area_code, c.month)
    RETURNING q.indicator_code, q.area_code, q.month)
  INSERT INTO rebuild_covered SELECT * FROM taken ON CONFLICT DO NOTHING;
END $$;

-- Step 2: rebuilds everything from p_from (NULL: every month) beside the live tables, for the
-- indicators p_indicators (NULL: every one); returns the aggregate rows written. Run in a
-- REPEATABLE READ transaction, after wb_build_begin has committed the empty tables. Every value,
-- score, review count and aggregate of an indicator reads only rows of the same indicator (a
-- ratio reads its parts' reports, not their values), so the indicators can be split between
-- lanes: transactions on several connections sharing one snapshot (pg_export_snapshot), each
-- writing its indicators' rows into the same new tables, on as many cores (the steps are bound
-- by one core: a 1,000-ward rebuild kept one of two cores busy, with no I/O wait to speak of).
-- p_review_until: the last month the review counts (wb_rebuild_review_until, the same for every
-- lane). The first lane (p_record_basis) records the structure it read.
-- A full rebuild reads every row: hash and merge joins are always right for it. Left to its
-- estimates (temporary tables of a million keys, freshly analysed), the planner sometimes chose
-- a million index lookups instead: the same step took 3 s in one run and 70 s in the next.
-- Every lane may sort and hash in memory (work_mem 256MB); with the default 4MB a national
-- rebuild wrote 32 GB of temporary files in one step.
CREATE OR REPLACE FUNCTION wb_rebuild_build(p_from date, p_indicators text[], p_review_until date, p_record_basis boolean)
RETURNS bigint LANGUAGE plpgsql
SET enable_nestloop = off SET work_mem = '256MB' AS $$
DECLARE
  n bigint;
  v_path text := current_setting('search_path');
BEGIN
  IF p_record_basis AND p_from IS NULL THEN
    INSERT INTO rebuild_basis (fingerprint) VALUES (wb_structure_fingerprint())
      ON CONFLICT (only_row) DO UPDATE SET fingerprint = excluded.fingerprint, rebuilt_at = now();
  END IF;
  -- From here on, area_values, aggregates and the rest are the new tables.
  PERFORM set_config('search_path', 'wb_build, ' || v_path, true);
  -- Left over from an earlier rebuild of this transaction (no NOTICE when there is none).
  IF to_regclass('pg_temp.wb_lane') IS NOT NULL THEN DROP TABLE pg_temp.wb_lane; END IF;
  CREATE TEMP TABLE wb_lane ON COMMIT DROP AS
    SELECT code::text COLLATE "C" AS code, kind FROM indicators WHERE p_indicators IS NULL OR code = ANY (p_indicators);

  PERFORM wb_value_keys_reset();
  PERFORM wb_aggregate_keys_reset();
  -- Every area and indicator, in every month from the first month with data to the last.
  INSERT INTO pg_temp.wb_value_keys
  SELECT i.code, a.code, m.month::date
  FROM wb_leaf_month_range() r
  CROSS JOIN LATERAL generate_series(greatest(r.lo, coalesce(p_from, r.lo)), r.hi, interval '1 month') m(month)
  JOIN areas a ON wb_counts_in(a.valid_from, a.valid_to, m.month::date)
  CROSS JOIN pg_temp.wb_lane i;
  PERFORM wb_refresh_values(p_emptied => true);
  -- No ANALYZE of the new tables here: its lock conflicts with itself, and held to the end of
  -- this lane's transaction it would stop the next lane's, which the first waits for.

  -- Outlier scores of every leaf value (outliers.sql). The new area_values has no index yet
  -- (another lane may be writing into it): a 1,000-ward rebuild scored in 10.6 s without one,
  -- 11.0 s with.
  PERFORM wb_score_keys_reset();
  INSERT INTO pg_temp.wb_score_keys SELECT indicator_code, area_code, month FROM area_values
    WHERE value IS NOT NULL AND (p_from IS NULL OR month >= p_from);
  PERFORM wb_refresh_scores(false);

  -- Who reported: every area, indicator and month from the first month any indicator is
  -- expected to the last with data or the current period, whichever is later (review.sql).
  PERFORM wb_review_keys_reset();
  INSERT INTO pg_temp.wb_review_keys
  SELECT i.code, a.code, m.month::date
  FROM (SELECT wb_review_first_month() AS lo) r
  CROSS JOIN LATERAL generate_series(greatest(r.lo, coalesce(p_from, r.lo)), p_review_until, interval '1 month') m(month)
  JOIN areas a ON wb_counts_in(a.valid_from, a.valid_to, m.month::date)
  CROSS JOIN pg_temp.wb_lane i
  WHERE i.kind <> 'ratio';
  PERFORM wb_refresh_review();

  INSERT INTO pg_temp.wb_aggregate_keys SELECT indicator_code, area_code, month FROM area_values
    WHERE p_from IS NULL OR month >= p_from;
  -- Every epoch's comparable series: each indicator, every month with data before the epoch.
  INSERT INTO pg_temp.wb_series_keys
  SELECT i.code, e.area_code, m.month::date, e.as_of
  FROM (SELECT min(month) AS lo FROM area_values) r
  CROSS JOIN area_epochs e
  CROSS JOIN LATERAL generate_series(greatest(r.lo, coalesce(p_from, r.lo)), (e.as_of - interval '1 month')::date, interval '1 month') m(month)
  CROSS JOIN pg_temp.wb_lane i;
  n := wb_compute_aggregates();

  PERFORM set_config('search_path', v_path, true);
  RETURN n;
END $$;

-- The indicators of each of p_lanes lanes: dealt out in turn, ratios last (they have no scores
-- and no review, so the lanes get as many of the costlier ones as they can).
CREATE OR REPLACE FUNCTION wb_rebuild_lanes(p_lanes int) RETURNS TABLE (lane int, indicators text[]) LANGUAGE sql STABLE AS $$
  SELECT n % greatest(p_lanes, 1), array_agg(code ORDER BY n)
  FROM (SELECT code, (row_number() OVER (ORDER BY kind = 'ratio', code) - 1)::int AS n FROM indicators) i
  GROUP BY 1 ORDER BY 1
$$;

-- The last month a rebuild counts the review for: the last with data or the current period,
-- whichever is later; none before any data.
CREATE OR REPLACE FUNCTION wb_rebuild_review_until() RETURNS date LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN wb_review_first_month() IS NOT NULL THEN greatest((SELECT hi FROM wb_leaf_month_range()), wb_review_horizon()) END
$$;

-- Step 2, ended once every lane has committed: the review's extent, and the keys and indexes of
-- the new tables that have none yet (the caller may have given them theirs on several
-- connections at once, wb_build_index).
CREATE OR REPLACE FUNCTION wb_build_finish(p_review_until date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t text;
BEGIN
  UPDATE wb_build.review_extent SET last_month = p_review_until;
  FOREACH t IN ARRAY wb_rebuilt_tables() LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_index WHERE indrelid = format('wb_build.%I', t)::regclass) THEN
      PERFORM wb_build_index(t);
    END IF;
  END LOOP;
END $$;

-- After the swap: drops the tables it retired (reads that began before the swap may still hold
-- them: wb_lock_rebuilt).
CREATE OR REPLACE FUNCTION wb_rebuild_retire() RETURNS void LANGUAGE plpgsql
SET client_min_messages = warning AS $$
BEGIN
  PERFORM wb_lock_rebuilt('wb_retired');
  DROP SCHEMA IF EXISTS wb_retired CASCADE;
END $$;

-- Step 3: applies the keys batches logged since the last call to the new tables, as a batch
-- would (wb_process_claimed with wb_build first on the search path); returns how many. With
-- p_swap, first takes wb_rebuild_lock() (no batch is half way, none starts), and swaps the new
-- tables in after.
CREATE OR REPLACE FUNCTION wb_rebuild_catch_up(p_swap boolean) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
  v_path text := current_setting('search_path');
BEGIN
  IF p_swap THEN PERFORM pg_advisory_xact_lock(wb_rebuild_lock()); END IF;
  PERFORM wb_dirty_reset();
  WITH moved AS (DELETE FROM rebuild_replay RETURNING indicator_code, area_code, month, structural)
  INSERT INTO pg_temp.wb_dirty SELECT indicator_code, area_code, month, bool_or(structural) FROM moved GROUP BY 1, 2, 3;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n > 0 THEN
    PERFORM set_config('search_path', 'wb_build, ' || v_path, true);
    PERFORM wb_process_claimed();
    PERFORM set_config('search_path', v_path, true);
  END IF;
  IF p_swap THEN PERFORM wb_build_swap(); END IF;
  RETURN n;
END $$;

-- The steps in one transaction (tests, psql), each statement with its own snapshot: batches go
-- on meanwhile, and what they log is caught up at the swap like any other.
CREATE OR REPLACE FUNCTION wb_rebuild(p_from date) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
  v_until date;
BEGIN
  PERFORM pg_advisory_xact_lock(wb_build_lock());
  PERFORM wb_rebuild_prepare(p_from);
  PERFORM wb_build_begin(p_from);
  v_until := wb_rebuild_review_until();
  n := wb_rebuild_build(p_from, NULL, v_until, true);
  PERFORM wb_build_finish(v_until);
  PERFORM wb_rebuild_catch_up(p_swap => true);
  PERFORM wb_rebuild_retire();
  RETURN n;
END $$;

-- Empty copies of the rebuilt tables in schema wb_build (columns, defaults and checks; their
-- keys and indexes come once each is loaded, wb_build_index), holding the live rows of the months
-- before p_from (review_extent: its row); and what the swap needs to know: the months rebuilt
-- and the rebuild requests the build answers (those made before its snapshot, which comes after
-- this commits). Rows copied here and changed before the swap are among the keys batches log.
CREATE OR REPLACE FUNCTION wb_build_begin(p_from date) RETURNS void LANGUAGE plpgsql
SET client_min_messages = warning AS $$
DECLARE t text;
BEGIN
  DROP SCHEMA IF EXISTS wb_build CASCADE;
  CREATE SCHEMA wb_build;
  FOREACH t IN ARRAY wb_rebuilt_tables() LOOP
    -- Without autovacuum until the swap: it would vacuum the freshly loaded tables, and the swap,
    -- holding the live tables, waited 1 s for each to be cancelled (2 s at national scale).
    EXECUTE format('CREATE TABLE wb_build.%I (LIKE public.%I INCLUDING ALL EXCLUDING INDEXES) WITH (autovacuum_enabled = false)', t, t);
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = format('public.%I', t)::regclass AND attname = 'month') THEN
      EXECUTE format('INSERT INTO wb_build.%I SELECT * FROM public.%I', t, t);
    ELSIF p_from IS NOT NULL THEN
      EXECUTE format('INSERT INTO wb_build.%I SELECT * FROM public.%I WHERE month < $1', t, t) USING p_from;
    END IF;
  END LOOP;
  CREATE TABLE wb_build.rebuilt_from AS SELECT p_from AS month;
  CREATE TABLE wb_build.answered_requests AS SELECT id FROM public.aggregate_rebuild_requests;
END $$;

-- Gives a new table the live one's keys and indexes, with the same names (built once over the
-- loaded rows instead of row by row), and its statistics.
CREATE OR REPLACE FUNCTION wb_build_index(p_table text) RETURNS void LANGUAGE plpgsql
SET maintenance_work_mem = '512MB' AS $$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.conname, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
           WHERE c.conrelid = format('public.%I', p_table)::regclass AND c.contype IN ('p', 'u') LOOP
    EXECUTE format('ALTER TABLE wb_build.%I ADD CONSTRAINT %I %s', p_table, r.conname, r.def);
  END LOOP;
  FOR r IN SELECT pg_get_indexdef(i.indexrelid) AS def FROM pg_index i
           WHERE i.indrelid = format('public.%I', p_table)::regclass
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = i.indrelid AND c.conindid = i.indexrelid) LOOP
    EXECUTE regexp_replace(r.def, ' ON \S+ USING ', format(' ON wb_build.%I USING ', p_table));
  END LOOP;
  EXECUTE format('ANALYZE wb_build.%I', p_table);
END $$;

-- Locks the rebuilt tables of each schema given (those it has) before the caller moves or drops
-- any: the live ones and those a failed retire left (the swap), the retired ones (their drop).
-- A read holds one of them while it waits for another (its query names several; a read that
-- began before the swap committed locks the old tables), so a swap or a drop that waited while
-- it held some could deadlock with it: after deadlock_timeout (1 s) one of the two failed, the
-- read (a 500) or the rebuild. Each attempt waits at most 100 ms, then lets go of what it holds
-- and tries again: the reads waiting on it go on in the meantime, and no deadlock lasts long
-- enough to be detected. Before: 78 of 550,000 reads and 1 of 40 swaps failed so, on the demo
-- database; now none (bench/RESULTS.md, session 10; make bench-replica). An autovacuum holding
-- one of the tables is cancelled between tries (wb_cancel_autovacuum).
CREATE OR REPLACE FUNCTION wb_lock_rebuilt(VARIADIC p_schemas text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_tables regclass[] := (SELECT array_agg(to_regclass(format('%I.%I', s, t)) ORDER BY i, n)
                          FROM unnest(p_schemas) WITH ORDINALITY a(s, i), unnest(wb_rebuilt_tables()) WITH ORDINALITY u(t, n)
                          WHERE to_regclass(format('%I.%I', s, t)) IS NOT NULL);
  v_list text := array_to_string(v_tables, ', ');
  v_timeout text := current_setting('lock_timeout');
  v_wait_for regclass;
BEGIN
  IF v_tables IS NULL THEN RETURN; END IF;
  LOOP
    BEGIN
      IF v_wait_for IS NOT NULL THEN
        -- An autovacuum this role may not cancel: wait for its table alone, holding no other,
        -- until PostgreSQL cancels it (after deadlock_timeout, as for any lock waiter).
        PERFORM set_config('lock_timeout', (extract(epoch FROM current_setting('deadlock_timeout')::interval) * 1000 + 1000)::int::text, true);
        EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', v_wait_for);
      END IF;
      PERFORM set_config('lock_timeout', '100ms', true);
      EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', v_list);
      PERFORM set_config('lock_timeout', v_timeout, true);
      RETURN;
    EXCEPTION WHEN lock_not_available THEN
      -- The subtransaction's locks are released and its lock_timeout undone; reads go on.
      v_wait_for := wb_cancel_autovacuum(v_tables);
      PERFORM pg_sleep(0.005);
    END;
  END LOOP;
END $$;

-- Cancels the autovacuums holding any of the tables, as PostgreSQL does for a lock waiter once it
-- has waited deadlock_timeout, which wb_lock_rebuilt's tries of 100 ms never do: without this a
-- swap waited for a live table's autovacuum to end, however long (minutes for a large table),
-- holding readers up to 100 ms at each try. Not one run to prevent wraparound (PostgreSQL does not
-- cancel those either). Returns a table for the caller to wait on instead, alone: one held by an
-- autovacuum this role may not cancel (before PostgreSQL 17 only a superuser may), or by a
-- vacuum this role may not see (pg_stat_activity hides other roles' sessions, autovacuum's
-- included, from a role without pg_read_all_stats); NULL when there is none.
CREATE OR REPLACE FUNCTION wb_cancel_autovacuum(p_tables regclass[]) RETURNS regclass LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  FOR r IN SELECT DISTINCT ON (l.pid) l.pid, l.relation::regclass AS tbl, a.backend_type
           FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
           WHERE l.locktype = 'relation' AND l.granted AND l.mode = 'ShareUpdateExclusiveLock'
             AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
             AND l.relation = ANY (p_tables::oid[]) AND l.pid <> pg_backend_pid()
             AND (a.backend_type IS NULL
                  OR a.backend_type = 'autovacuum worker' AND a.query NOT LIKE '%(to prevent wraparound)') LOOP
    IF r.backend_type IS NULL THEN RETURN r.tbl; END IF;
    BEGIN
      IF pg_cancel_backend(r.pid) THEN
        RAISE LOG 'wardboard: cancelled the autovacuum of % (pid %) for a rebuild''s swap', r.tbl, r.pid;
      END IF;
    EXCEPTION WHEN insufficient_privilege THEN
      RETURN r.tbl;
    END;
  END LOOP;
  RETURN NULL;
END $$;

-- Its name for an hour of main (56031c0), when it locked the live tables only.
DROP FUNCTION IF EXISTS wb_swap_lock();

-- Moves the live tables out to schema wb_retired and the new ones in; drops the requests the
-- rebuild answered and the keys it covered. The caller holds wb_rebuild_lock(). Statements
-- prepared on the old tables are planned again on the new ones (PostgreSQL invalidates them when
-- a table they read moves). The old tables are dropped after the swap has committed
-- (wb_rebuild_retire): with the drop in the swap, its commit took 2.6 s at national scale, all of
-- it under the tables' exclusive locks.
CREATE OR REPLACE FUNCTION wb_build_swap() RETURNS void LANGUAGE plpgsql
SET client_min_messages = warning AS $$
DECLARE t text;
BEGIN
  PERFORM wb_lock_rebuilt('public', 'wb_retired');
  CREATE SCHEMA IF NOT EXISTS wb_retired;
  FOREACH t IN ARRAY wb_rebuilt_tables() LOOP
    EXECUTE format('DROP TABLE IF EXISTS wb_retired.%I', t);
    EXECUTE format('ALTER TABLE public.%I SET SCHEMA wb_retired', t);
    EXECUTE format('ALTER TABLE wb_build.%I SET SCHEMA public', t);
    EXECUTE format('ALTER TABLE public.%I RESET (autovacuum_enabled)', t);
  END LOOP;
  DELETE FROM aggregate_rebuild_requests WHERE id IN (SELECT id FROM wb_build.answered_requests);
  DELETE FROM rebuild_covered WHERE month >= coalesce((SELECT month FROM wb_build.rebuilt_from), '-infinity');
  DROP SCHEMA wb_build CASCADE;
END $$;

-- What the aggregates read from indicators and settings, as an md5: every column but names,
-- units and categories (feeds join those when they are read). Areas and successions are not in
-- it: their changes are applied key by key (structure.sql).
CREATE OR REPLACE FUNCTION wb_structure_fingerprint() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT md5(concat_ws(E'\n',
    (SELECT string_agg(ROW(code, kind, direction, numerator_code, denominator_code, cutoff_day, due_days, required, expected_from)::text,
                       ';' ORDER BY code) FROM indicators),
    (SELECT string_agg(ROW(key, value)::text, ';' ORDER BY key) FROM settings WHERE key = ANY (wb_rebuild_settings()))))
$$;

-- Whether a full rebuild is due: an interrupted one left its covered keys or its new tables, or some request asks
-- for one, and either it stands whatever the structure (a migration's, a command's) or the
-- structure's fingerprint differs from the last rebuild's (if_fingerprint_moved: an indicator's
-- or a setting's change). Requests about a structure that is as it was are dropped: a renamed
-- indicator changes names only. Not while a rebuild is building (its swap drops
-- the requests its snapshot answers; the lock, shared here, keeps one from starting meanwhile).
-- One statement, one snapshot: a change committed meanwhile keeps its request for the next pass
-- (the DELETE in WITH runs whether or not the query reads it).
CREATE OR REPLACE FUNCTION wb_rebuild_needed() RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE v_needed boolean;
BEGIN
  IF NOT pg_try_advisory_xact_lock_shared(wb_build_lock()) THEN RETURN false; END IF;
  WITH seen AS (SELECT id, if_fingerprint_moved FROM aggregate_rebuild_requests),
  decision AS (
    SELECT EXISTS (SELECT 1 FROM rebuild_covered)
       -- Its new tables left behind: its first lane may have recorded the structure it read
       -- (rebuild_basis) although the live tables never got it.
       OR to_regnamespace('wb_build') IS NOT NULL
       OR (EXISTS (SELECT 1 FROM seen)
           AND (EXISTS (SELECT 1 FROM seen WHERE NOT if_fingerprint_moved)
                OR wb_structure_fingerprint() IS DISTINCT FROM (SELECT fingerprint FROM rebuild_basis))) AS needed
  ),
  dropped AS (
    DELETE FROM aggregate_rebuild_requests r USING seen s, decision d WHERE r.id = s.id AND NOT d.needed RETURNING r.id
  )
  SELECT d.needed INTO v_needed FROM decision d;
  RETURN v_needed;
END $$;
