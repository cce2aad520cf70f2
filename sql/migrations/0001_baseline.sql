-- Wardboard's tables as of v0.2.0: what the wards report, the tree of areas over time, and what
-- the worker derives. Functions, triggers and views live in sql/functions/ (one current
-- definition each); this file and the migrations after it hold tables, indexes and data only.
--
-- A database made before v0.2.0 (migrations 0001-0007 of the first layout) is not re-created:
-- 0001_baseline.adopt.sql takes it over in place (see that file).

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Vietnamese order for names: "Đ" after "D" and before "E" (ICU), not byte order.
CREATE COLLATION IF NOT EXISTS vietnamese (provider = icu, locale = 'vi-VN');

-- Codes are ASCII identifiers compared byte by byte (every code column is COLLATE "C"): lowercase
-- a-z, digits and '-' for areas, '_' for indicators, 1 to 64 bytes. WardCore's Code checks the
-- same rule on input and names the field; these domains guard what is stored.
CREATE DOMAIN area_code AS text
  CONSTRAINT area_code_format CHECK (octet_length(VALUE) BETWEEN 1 AND 64 AND ltrim(VALUE, 'abcdefghijklmnopqrstuvwxyz0123456789-') = '');
CREATE DOMAIN indicator_code AS text
  CONSTRAINT indicator_code_format CHECK (octet_length(VALUE) BETWEEN 1 AND 64 AND ltrim(VALUE, 'abcdefghijklmnopqrstuvwxyz0123456789_') = '');

-- The first day of a month: how a month `YYYY-MM` is stored.
CREATE DOMAIN month_start AS date
  CONSTRAINT month_start_first_day CHECK (extract(day FROM VALUE) = 1);

-- The database's settings: the one source every process reads (`wardboard settings`).
CREATE TABLE settings (
  key text PRIMARY KEY,
  value text NOT NULL
);
INSERT INTO settings VALUES ('timezone', 'Asia/Ho_Chi_Minh'), ('cutoff_day', '1');

-- Areas ------------------------------------------------------------------------------------

-- Every code ever used, so that other tables can reference a code whatever its validity rows.
CREATE TABLE area_codes (
  code area_code COLLATE "C" PRIMARY KEY
);

-- One row per code and validity period (names, kinds and parents change over time).
CREATE TABLE areas (
  id bigserial PRIMARY KEY,
  code area_code COLLATE "C" NOT NULL REFERENCES area_codes,
  name text COLLATE vietnamese NOT NULL
    CONSTRAINT areas_name_nfc CHECK (name IS NFC NORMALIZED AND btrim(name) <> ''),
  kind text NOT NULL
    CONSTRAINT areas_kind CHECK (kind IN ('province', 'city', 'district', 'town', 'ward', 'commune')),
  parent_code area_code COLLATE "C" REFERENCES area_codes,
  valid_from date NOT NULL,
  valid_to date,
  CONSTRAINT areas_valid_range CHECK (valid_to IS NULL OR valid_to >= valid_from),
  CONSTRAINT areas_not_own_parent CHECK (parent_code IS DISTINCT FROM code),
  CONSTRAINT areas_no_overlap EXCLUDE USING gist (code WITH =, daterange(valid_from, valid_to, '[]') WITH &&)
);
CREATE INDEX areas_parent ON areas (parent_code);
CREATE INDEX areas_code ON areas (code, valid_from);

-- From effective_month on, share of from_code's territory and figures belongs to to_code.
CREATE TABLE successions (
  from_code area_code COLLATE "C" NOT NULL REFERENCES area_codes,
  to_code area_code COLLATE "C" NOT NULL REFERENCES area_codes,
  effective_month month_start NOT NULL,
  share numeric NOT NULL DEFAULT 1 CONSTRAINT successions_share CHECK (share > 0 AND share <= 1),
  PRIMARY KEY (from_code, to_code),
  CONSTRAINT successions_not_self CHECK (from_code <> to_code)
);

-- Party cells (chi bộ) of a ward.
CREATE TABLE party_cells (
  code text PRIMARY KEY CONSTRAINT party_cells_code CHECK (code ~ '^[a-z0-9-]{1,64}$'),
  area_code area_code COLLATE "C" NOT NULL REFERENCES area_codes,
  name text COLLATE vietnamese NOT NULL CONSTRAINT party_cells_name_nfc CHECK (name IS NFC NORMALIZED AND btrim(name) <> ''),
  kind text NOT NULL CONSTRAINT party_cells_kind CHECK (btrim(kind) <> ''),
  members integer NOT NULL CONSTRAINT party_cells_members CHECK (members >= 0),
  founded_on date,
  dissolved_on date,
  CONSTRAINT party_cells_dissolved_after_founded CHECK (dissolved_on IS NULL OR founded_on IS NULL OR dissolved_on >= founded_on)
);
CREATE INDEX party_cells_area ON party_cells (area_code);

-- Indicators --------------------------------------------------------------------------------

CREATE TABLE indicators (
  code indicator_code COLLATE "C" PRIMARY KEY,
  name_vi text NOT NULL CONSTRAINT indicators_name_vi_nfc CHECK (name_vi IS NFC NORMALIZED AND btrim(name_vi) <> ''),
  name_en text NOT NULL,
  unit text NOT NULL,
  kind text NOT NULL CONSTRAINT indicators_kind CHECK (kind IN ('count', 'amount', 'stock', 'ratio')),
  direction text NOT NULL
    CONSTRAINT indicators_direction CHECK (direction IN ('higher_is_better', 'lower_is_better', 'neutral')),
  category text NOT NULL,
  numerator_code indicator_code COLLATE "C" REFERENCES indicators,
  denominator_code indicator_code COLLATE "C" REFERENCES indicators,
  cutoff_day smallint CONSTRAINT indicators_cutoff_day CHECK (cutoff_day BETWEEN 1 AND 28),
  CONSTRAINT indicators_ratio_parts CHECK (
    (kind = 'ratio') = (numerator_code IS NOT NULL AND denominator_code IS NOT NULL)
    AND (numerator_code IS NULL) = (denominator_code IS NULL))
);

-- What wards report ----------------------------------------------------------------------------

CREATE TABLE observations (
  area_code area_code COLLATE "C" NOT NULL REFERENCES area_codes,
  indicator_code indicator_code COLLATE "C" NOT NULL REFERENCES indicators,
  month month_start NOT NULL,
  value numeric NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text NOT NULL DEFAULT current_user,
  PRIMARY KEY (indicator_code, area_code, month)
);

-- Replaced values: old, new, by whom, when.
CREATE TABLE observation_history (
  id bigserial PRIMARY KEY,
  area_code area_code COLLATE "C" NOT NULL,
  indicator_code indicator_code COLLATE "C" NOT NULL,
  month date NOT NULL,
  old_value numeric,
  new_value numeric,
  changed_by text NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX observation_history_key ON observation_history (indicator_code, area_code, month);

-- A batch of facts: an imported file (its SHA-256, so the same file adds nothing twice), a
-- request, or a transaction's facts that named none. The worker sums a batch once (summed).
CREATE TABLE fact_batches (
  id bigserial PRIMARY KEY,
  sha256 text NOT NULL UNIQUE,
  source text NOT NULL,
  rows bigint NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now(),
  summed boolean NOT NULL DEFAULT false,
  -- The time of its first and last fact: the worker finds them through the BRIN index.
  first_at timestamptz,
  last_at timestamptz,
  -- Its per-period sums are all in fact_batch_sums (false: the worker reads its facts).
  sums_complete boolean NOT NULL DEFAULT true
);

-- Raw incident and receipt records. No identity: two identical rows are two events. The checks
-- a foreign key would make per row are made per statement by the facts trigger; batch_id's
-- default (a batch of the transaction's own) is set in sql/functions/facts.sql with its function.
CREATE TABLE facts (
  area_code text COLLATE "C" NOT NULL,
  indicator_code text COLLATE "C" NOT NULL,
  occurred_at timestamptz NOT NULL,
  amount numeric NOT NULL DEFAULT 1,
  batch_id bigint NOT NULL
);
-- Facts arrive month by month: one period's scan stays in that period's blocks.
CREATE INDEX facts_by_time ON facts USING brin (occurred_at);

-- Per-period sums of a batch that took at most 10,000 facts in one statement.
CREATE TABLE fact_batch_sums (
  batch_id bigint NOT NULL REFERENCES fact_batches ON DELETE CASCADE,
  indicator_code text COLLATE "C" NOT NULL,
  area_code text COLLATE "C" NOT NULL,
  month date NOT NULL,
  amount numeric NOT NULL,
  facts bigint NOT NULL
);
CREATE INDEX fact_batch_sums_by_batch ON fact_batch_sums (batch_id);

CREATE TABLE targets (
  area_code area_code COLLATE "C" NOT NULL REFERENCES area_codes,
  indicator_code indicator_code COLLATE "C" NOT NULL REFERENCES indicators,
  year integer NOT NULL CONSTRAINT targets_year CHECK (year BETWEEN 1900 AND 2200),
  target numeric NOT NULL CONSTRAINT targets_non_negative CHECK (target >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (indicator_code, area_code, year)
);

-- API tokens: only their SHA-256 is stored.
CREATE TABLE api_tokens (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  role text NOT NULL CONSTRAINT api_tokens_role CHECK (role IN ('viewer', 'editor', 'admin')),
  area_code area_code COLLATE "C" REFERENCES area_codes,
  token_sha256 bytea NOT NULL UNIQUE CONSTRAINT api_tokens_hash_length CHECK (length(token_sha256) = 32),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  CONSTRAINT api_tokens_editor_area CHECK (role <> 'editor' OR area_code IS NOT NULL)
);

-- What the worker derives ------------------------------------------------------------------------

-- Keys whose aggregates are stale. Writers add; workers claim with FOR UPDATE SKIP LOCKED.
CREATE TABLE aggregate_queue (
  indicator_code indicator_code COLLATE "C" NOT NULL,
  area_code area_code COLLATE "C" NOT NULL,
  month date NOT NULL,
  enqueued_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (indicator_code, area_code, month)
);

-- A request for a full rebuild (areas, successions, indicators or settings changed).
CREATE TABLE aggregate_rebuild_requests (
  id bigserial PRIMARY KEY,
  from_month date,
  reason text NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Per (indicator, ward, period): the sum and number of its facts in summed batches.
CREATE TABLE fact_sums (
  indicator_code indicator_code COLLATE "C" NOT NULL,
  area_code area_code COLLATE "C" NOT NULL,
  month date NOT NULL,
  amount numeric NOT NULL,
  facts bigint NOT NULL,
  PRIMARY KEY (indicator_code, area_code, month)
);

-- Every area's month value (leaves: observation, else facts; parents: roll-up); ratios carry
-- their summed numerator and denominator.
CREATE TABLE area_values (
  indicator_code indicator_code COLLATE "C" NOT NULL,
  area_code area_code COLLATE "C" NOT NULL,
  month date NOT NULL,
  value numeric,
  num numeric,
  den numeric,
  PRIMARY KEY (indicator_code, area_code, month)
);
CREATE INDEX area_values_by_area ON area_values (area_code, month);

-- (area, pred, factor, first_eff, last_eff): pred's figures count into area's comparable figure
-- for an earlier month M' measured as of month M when first_eff > M' and last_eff <= M. The
-- self row (factor 1, first_eff 'infinity', last_eff '-infinity') always applies.
CREATE TABLE area_lineage (
  area_code area_code COLLATE "C" NOT NULL,
  pred_code area_code COLLATE "C" NOT NULL,
  factor numeric NOT NULL,
  first_eff date NOT NULL,
  last_eff date NOT NULL
);
CREATE INDEX area_lineage_area ON area_lineage (area_code);
CREATE INDEX area_lineage_pred ON area_lineage (pred_code);

-- What the feeds read (DATA.md "Month-over-month aggregates").
CREATE TABLE aggregates (
  indicator_code indicator_code COLLATE "C" NOT NULL,
  area_code area_code COLLATE "C" NOT NULL,
  month date NOT NULL,
  value numeric NOT NULL,
  previous numeric,
  change numeric,
  change_pct numeric,
  yoy_value numeric,
  yoy_change_pct numeric,
  ytd numeric,
  target numeric,
  target_pct numeric,
  rank integer,
  share_pct numeric,
  worsened boolean NOT NULL,
  reporting integer,
  expected integer,
  computed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (indicator_code, month, area_code)
);
CREATE INDEX aggregates_by_area ON aggregates (area_code, indicator_code, month);

CREATE TABLE aggregate_runs (
  id bigserial PRIMARY KEY,
  kind text NOT NULL CONSTRAINT aggregate_runs_kind CHECK (kind IN ('incremental', 'full')),
  worker text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at timestamptz,
  keys bigint NOT NULL DEFAULT 0,
  rows bigint NOT NULL DEFAULT 0,
  status text NOT NULL DEFAULT 'running' CONSTRAINT aggregate_runs_status CHECK (status IN ('running', 'ok', 'failed')),
  error text
);
