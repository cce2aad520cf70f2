-- The worker's first step: adds the facts of batches not yet summed to fact_sums and queues
-- their keys, once per batch (batches claimed with FOR UPDATE SKIP LOCKED, so several workers
-- can run). A batch's own sums (fact_batch_sums, written by a small statement) are added as they
-- are; the facts of the other batches are read through the BRIN index on occurred_at, between
-- the batch's first and last fact.
--
-- Reads: fact_batches, fact_batch_sums, facts, indicators, settings.
-- Writes: fact_sums, aggregate_queue, fact_batches (summed), fact_batch_sums (emptied),
-- key_arrivals and indicator_first_months (review.sql).

-- Sums up to p_limit batches; returns the number of facts summed (0: nothing was waiting).
-- Right after a load the statistics of facts know nothing of the new rows (an estimate of 19
-- rows for 1.3 million made a nested loop over the indicators, 3.8 s): hash joins and a hash
-- aggregate are right for a batch of any size.
CREATE OR REPLACE FUNCTION wb_fold_fact_batches(p_limit int) RETURNS bigint LANGUAGE plpgsql
SET work_mem = '128MB' SET enable_nestloop = off SET enable_sort = off AS $$
DECLARE
  v_batches bigint[];
  v_read bigint[];
  v_first timestamptz;
  v_last timestamptz;
  n bigint;
  v_tz text := wb_setting('timezone');
  v_cutoff int := wb_setting('cutoff_day')::int;
BEGIN
  -- A full rebuild holds this lock exclusively while it recounts fact_sums.
  PERFORM pg_advisory_xact_lock_shared(wb_rebuild_lock());
  SELECT array_agg(id), array_agg(id) FILTER (WHERE NOT sums_complete),
         min(first_at) FILTER (WHERE NOT sums_complete), max(last_at) FILTER (WHERE NOT sums_complete)
    INTO v_batches, v_read, v_first, v_last
    FROM (SELECT id, sums_complete, first_at, last_at FROM fact_batches WHERE NOT summed ORDER BY id LIMIT p_limit FOR UPDATE SKIP LOCKED) b;
  IF v_batches IS NULL THEN RETURN 0; END IF;
  CREATE TEMP TABLE IF NOT EXISTS wb_fact_folded (indicator_code text COLLATE "C", area_code text COLLATE "C", month date,
    amount numeric, facts bigint, loaded_at timestamptz) ON COMMIT DROP;
  TRUNCATE pg_temp.wb_fact_folded;
  INSERT INTO pg_temp.wb_fact_folded
    SELECT x.indicator_code, x.area_code, x.month, sum(x.amount), sum(x.facts), min(b.imported_at)
    FROM (SELECT s.batch_id, s.indicator_code, s.area_code, s.month, s.amount, s.facts
          FROM fact_batch_sums s
          WHERE s.batch_id = ANY (v_batches) AND NOT s.batch_id = ANY (coalesce(v_read, '{}'))
          UNION ALL
          SELECT f.batch_id, f.indicator_code, f.area_code, wb_period(f.occurred_at, coalesce(i.cutoff_day, v_cutoff), v_tz), f.amount, 1
          FROM facts f JOIN indicators i ON i.code = f.indicator_code
          WHERE v_read IS NOT NULL AND f.batch_id = ANY (v_read) AND f.occurred_at BETWEEN v_first AND v_last) x
    JOIN fact_batches b ON b.id = x.batch_id
    GROUP BY 1, 2, 3;
  INSERT INTO fact_sums AS s (indicator_code, area_code, month, amount, facts)
    SELECT indicator_code, area_code, month, amount, facts FROM pg_temp.wb_fact_folded
    ON CONFLICT (indicator_code, area_code, month)
    DO UPDATE SET amount = s.amount + excluded.amount, facts = s.facts + excluded.facts;
  INSERT INTO aggregate_queue (indicator_code, area_code, month)
    SELECT indicator_code, area_code, month FROM pg_temp.wb_fact_folded ON CONFLICT DO NOTHING;
  -- Arrivals (review.sql): a key of facts arrived when the first batch with a fact in its period
  -- was loaded; a batch loaded after the deadline into a key that had a value revises it.
  UPDATE key_arrivals k SET revisions_after_deadline = k.revisions_after_deadline + 1
    FROM pg_temp.wb_fact_folded x JOIN indicators i ON i.code = x.indicator_code,
         (SELECT wb_setting('due_days')::int AS due_days) d
    WHERE (k.indicator_code, k.area_code, k.month) = (x.indicator_code, x.area_code, x.month)
      AND k.arrived_at < x.loaded_at
      AND x.loaded_at >= wb_deadline(x.month, coalesce(i.cutoff_day, v_cutoff), coalesce(i.due_days, d.due_days), v_tz);
  INSERT INTO key_arrivals AS k (indicator_code, area_code, month, arrived_at)
    SELECT indicator_code, area_code, month, loaded_at FROM pg_temp.wb_fact_folded
    ON CONFLICT (indicator_code, area_code, month) DO UPDATE SET arrived_at = least(k.arrived_at, excluded.arrived_at);
  PERFORM wb_first_months_lowered(array_agg(indicator_code), array_agg(first_month), array_agg(last_month))
  FROM (SELECT indicator_code, min(month) AS first_month, max(month) AS last_month FROM pg_temp.wb_fact_folded GROUP BY 1) m;
  DELETE FROM fact_batch_sums WHERE batch_id = ANY (v_batches);
  UPDATE fact_batches SET summed = true WHERE id = ANY (v_batches);
  SELECT coalesce(sum(facts), 0) INTO n FROM pg_temp.wb_fact_folded;
  RETURN n;
END $$;
