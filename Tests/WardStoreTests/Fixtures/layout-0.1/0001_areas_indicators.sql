-- Areas (with validity periods), successions, party cells, indicators, settings.
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Vietnamese order: "Đ" after "D" and before "E" (ICU), not byte order.
CREATE COLLATION IF NOT EXISTS vietnamese (provider = icu, locale = 'vi-VN');

CREATE DOMAIN area_code AS text
  CONSTRAINT area_code_format CHECK (VALUE ~ '^[a-z0-9-]{1,64}$');

CREATE DOMAIN indicator_code AS text
  CONSTRAINT indicator_code_format CHECK (VALUE ~ '^[a-z0-9_]{1,64}$');

-- The first day of a month.
CREATE DOMAIN month_start AS date
  CONSTRAINT month_start_first_day CHECK (extract(day FROM VALUE) = 1);

-- Settings the executable writes from its environment (time zone, default cut-off day).
CREATE TABLE settings (
  key text PRIMARY KEY,
  value text NOT NULL
);
INSERT INTO settings VALUES ('timezone', 'Asia/Ho_Chi_Minh'), ('cutoff_day', '1');

CREATE FUNCTION wb_setting(p_key text) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT value FROM settings WHERE key = p_key $$;

-- Every code ever used, so that other tables can reference a code whatever its validity rows.
CREATE TABLE area_codes (
  code area_code PRIMARY KEY
);

CREATE TABLE areas (
  id bigserial PRIMARY KEY,
  code area_code NOT NULL REFERENCES area_codes,
  name text COLLATE vietnamese NOT NULL
    CONSTRAINT areas_name_nfc CHECK (name IS NFC NORMALIZED AND btrim(name) <> ''),
  kind text NOT NULL
    CONSTRAINT areas_kind CHECK (kind IN ('province', 'city', 'district', 'town', 'ward', 'commune')),
  parent_code area_code REFERENCES area_codes,
  valid_from date NOT NULL,
  valid_to date,
  CONSTRAINT areas_valid_range CHECK (valid_to IS NULL OR valid_to >= valid_from),
  CONSTRAINT areas_not_own_parent CHECK (parent_code IS DISTINCT FROM code),
  -- One code, several rows over time, never overlapping.
  CONSTRAINT areas_no_overlap EXCLUDE USING gist (
    code WITH =, daterange(valid_from, valid_to, '[]') WITH &&)
);
CREATE INDEX areas_parent ON areas (parent_code);
CREATE INDEX areas_code ON areas (code, valid_from);

-- An area row counts for month M when M's first day lies in its validity period.
CREATE FUNCTION wb_counts_in(p_from date, p_to date, p_month date) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT p_from <= p_month AND (p_to IS NULL OR p_to >= p_month) $$;

CREATE FUNCTION wb_is_leaf_kind(p_kind text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT p_kind IN ('ward', 'commune', 'town') $$;

CREATE TABLE successions (
  from_code area_code NOT NULL REFERENCES area_codes,
  to_code area_code NOT NULL REFERENCES area_codes,
  effective_month month_start NOT NULL,
  share numeric NOT NULL DEFAULT 1
    CONSTRAINT successions_share CHECK (share > 0 AND share <= 1),
  PRIMARY KEY (from_code, to_code),
  CONSTRAINT successions_not_self CHECK (from_code <> to_code)
);

-- A split's shares sum to at most 1.
CREATE FUNCTION wb_check_succession_shares() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE bad record;
BEGIN
  SELECT from_code, sum(share) AS total INTO bad FROM successions GROUP BY from_code HAVING sum(share) > 1 LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'shares of area % sum to %, more than 1', bad.from_code, bad.total
      USING ERRCODE = 'check_violation', CONSTRAINT = 'successions_share_sum';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER successions_shares AFTER INSERT OR UPDATE ON successions
  FOR EACH STATEMENT EXECUTE FUNCTION wb_check_succession_shares();

CREATE TABLE party_cells (
  code text PRIMARY KEY CONSTRAINT party_cells_code CHECK (code ~ '^[a-z0-9-]{1,64}$'),
  area_code area_code NOT NULL REFERENCES area_codes,
  name text COLLATE vietnamese NOT NULL CONSTRAINT party_cells_name_nfc CHECK (name IS NFC NORMALIZED AND btrim(name) <> ''),
  kind text NOT NULL CONSTRAINT party_cells_kind CHECK (btrim(kind) <> ''),
  members integer NOT NULL CONSTRAINT party_cells_members CHECK (members >= 0),
  founded_on date,
  dissolved_on date,
  CONSTRAINT party_cells_dissolved_after_founded CHECK (dissolved_on IS NULL OR founded_on IS NULL OR dissolved_on >= founded_on)
);
CREATE INDEX party_cells_area ON party_cells (area_code);

CREATE TABLE indicators (
  code indicator_code PRIMARY KEY,
  name_vi text NOT NULL CONSTRAINT indicators_name_vi_nfc CHECK (name_vi IS NFC NORMALIZED AND btrim(name_vi) <> ''),
  name_en text NOT NULL,
  unit text NOT NULL,
  kind text NOT NULL CONSTRAINT indicators_kind CHECK (kind IN ('count', 'amount', 'stock', 'ratio')),
  direction text NOT NULL
    CONSTRAINT indicators_direction CHECK (direction IN ('higher_is_better', 'lower_is_better', 'neutral')),
  category text NOT NULL,
  numerator_code indicator_code REFERENCES indicators,
  denominator_code indicator_code REFERENCES indicators,
  cutoff_day smallint CONSTRAINT indicators_cutoff_day CHECK (cutoff_day BETWEEN 1 AND 28),
  CONSTRAINT indicators_ratio_parts CHECK (
    (kind = 'ratio') = (numerator_code IS NOT NULL AND denominator_code IS NOT NULL)
    AND (numerator_code IS NULL) = (denominator_code IS NULL))
);

-- A ratio's parts are count or amount indicators.
CREATE FUNCTION wb_check_ratio_parts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE bad record;
BEGIN
  SELECT r.code, p.code AS part, p.kind INTO bad
  FROM indicators r JOIN indicators p ON p.code IN (r.numerator_code, r.denominator_code)
  WHERE r.kind = 'ratio' AND p.kind NOT IN ('count', 'amount') LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ratio indicator % uses % of kind %; its parts must be count or amount indicators',
      bad.code, bad.part, bad.kind USING ERRCODE = 'check_violation', CONSTRAINT = 'indicators_ratio_part_kind';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER indicators_ratio_parts AFTER INSERT OR UPDATE ON indicators
  FOR EACH STATEMENT EXECUTE FUNCTION wb_check_ratio_parts();

-- The reporting period of a timestamp: local time in p_tz, cut-off day p_cutoff (1 = calendar month).
-- With d > 1, period M runs from day d of M-1 (inclusive) to day d of M (exclusive).
CREATE FUNCTION wb_period(p_at timestamptz, p_cutoff integer, p_tz text) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN p_cutoff > 1 AND extract(day FROM p_at AT TIME ZONE p_tz) >= p_cutoff
              THEN (date_trunc('month', p_at AT TIME ZONE p_tz) + interval '1 month')::date
              ELSE date_trunc('month', p_at AT TIME ZONE p_tz)::date END
$$;

-- The local date range [start, end) of period p_month for a cut-off day.
CREATE FUNCTION wb_period_start(p_month date, p_cutoff integer) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p_cutoff > 1 THEN (p_month - interval '1 month')::date + (p_cutoff - 1) ELSE p_month END
$$;
CREATE FUNCTION wb_period_end(p_month date, p_cutoff integer) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p_cutoff > 1 THEN p_month + (p_cutoff - 2) ELSE (p_month + interval '1 month')::date - 1 END
$$;
