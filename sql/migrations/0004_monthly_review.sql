-- The monthly review (DATA.md "Completeness and timeliness", "Closing a month"): who reported and
-- when, and the state of each leaf's month. The functions are in sql/functions/review.sql and
-- months.sql.

-- When an indicator is due and whether it is expected at all.
ALTER TABLE indicators
  ADD COLUMN due_days smallint CONSTRAINT indicators_due_days CHECK (due_days BETWEEN 0 AND 60),
  ADD COLUMN required boolean NOT NULL DEFAULT true,
  ADD COLUMN expected_from month_start;

-- Defaults: 5 days after a period ends; months are not locked by age.
INSERT INTO settings VALUES ('due_days', '5'), ('lock_after_days', 'off');

-- The first instant each reported key had a value, kept when it happens (an observation's first
-- write, a fact batch's load, or the reported_at of an admin's import), and the corrections made
-- after its deadline, which never move it.
CREATE TABLE key_arrivals (
  indicator_code indicator_code COLLATE "C" NOT NULL,
  area_code area_code COLLATE "C" NOT NULL,
  month date NOT NULL,
  arrived_at timestamptz NOT NULL,
  revisions_after_deadline integer NOT NULL DEFAULT 0,
  PRIMARY KEY (indicator_code, area_code, month)
);

-- The first month in which any area has a value for an indicator (its default expected_from).
CREATE TABLE indicator_first_months (
  indicator_code indicator_code COLLATE "C" PRIMARY KEY,
  first_month date NOT NULL
);

-- Per area (any level), month and expected indicator: the reports expected of the leaves below it
-- that month, and how many arrived, on time or late, and were revised after the deadline. The
-- worker keeps them; missing and pending follow from the deadline at the time of asking.
CREATE TABLE review_counts (
  indicator_code indicator_code COLLATE "C" NOT NULL,
  area_code area_code COLLATE "C" NOT NULL,
  month date NOT NULL,
  deadline timestamptz NOT NULL,
  expected integer NOT NULL,
  reported integer NOT NULL,
  on_time integer NOT NULL,
  late integer NOT NULL,
  revised integer NOT NULL,
  PRIMARY KEY (indicator_code, area_code, month)
);
CREATE INDEX review_counts_by_area ON review_counts (area_code, month);

-- The state of a leaf's month; no row: open.
CREATE TABLE month_states (
  area_code area_code COLLATE "C" NOT NULL REFERENCES area_codes,
  month month_start NOT NULL,
  state text NOT NULL CONSTRAINT month_states_state CHECK (state IN ('open', 'submitted', 'approved')),
  submitted_by text,
  submitted_by_token bigint,
  submitted_at timestamptz,
  approved_by text,
  approved_at timestamptz,
  reopened_at timestamptz,
  PRIMARY KEY (area_code, month)
);

-- Every submit, withdrawal, approval and reopening, and every write into a closed month, with who,
-- when and the reason.
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor text NOT NULL,
  action text NOT NULL CONSTRAINT audit_log_action CHECK (action IN ('submit', 'withdraw', 'approve', 'reopen', 'write')),
  area_code area_code COLLATE "C" NOT NULL,
  month date NOT NULL,
  reason text,
  detail text
);
CREATE INDEX audit_log_by_area ON audit_log (area_code, month);

-- The best arrivals a database made before this can tell: an observation's key arrived when it
-- was first written (updated_at, unless the history shows it was replaced earlier still); a key
-- of facts when the first batch with a fact in its period was loaded.
INSERT INTO key_arrivals (indicator_code, area_code, month, arrived_at)
SELECT o.indicator_code, o.area_code, o.month, least(o.updated_at, h.first_change)
FROM observations o
LEFT JOIN (SELECT indicator_code, area_code, month, min(changed_at) AS first_change FROM observation_history GROUP BY 1, 2, 3) h
  USING (indicator_code, area_code, month);
DO $$
BEGIN
  -- wb_period is defined by sql/functions/periods.sql, present in any database that has facts.
  IF EXISTS (SELECT 1 FROM facts) THEN
    EXECUTE $sql$
      INSERT INTO key_arrivals (indicator_code, area_code, month, arrived_at)
      SELECT f.indicator_code, f.area_code,
             wb_period(f.occurred_at, coalesce(i.cutoff_day, (SELECT value::int FROM settings WHERE key = 'cutoff_day')),
                       (SELECT value FROM settings WHERE key = 'timezone')),
             min(b.imported_at)
      FROM facts f JOIN fact_batches b ON b.id = f.batch_id JOIN indicators i ON i.code = f.indicator_code
      GROUP BY 1, 2, 3
      ON CONFLICT (indicator_code, area_code, month) DO UPDATE SET arrived_at = least(key_arrivals.arrived_at, excluded.arrived_at)
    $sql$;
  END IF;
END $$;
INSERT INTO indicator_first_months
SELECT indicator_code, min(month) FROM key_arrivals GROUP BY 1;

INSERT INTO aggregate_rebuild_requests (reason) VALUES ('completeness counts');

-- The reporting rules also say whether a problem is a closed month: a new result type.
DROP FUNCTION IF EXISTS wb_first_report_problem(text);
DROP FUNCTION IF EXISTS wb_report_problems(text);
