-- Data quality (DATA.md "Data quality: rules and outliers"): rules between indicators, and the
-- outlier scores the worker keeps. The functions are in sql/functions/rules.sql and outliers.sql.

-- A rule holds or breaks for a leaf and month where both sides have a value: each side is an
-- indicator or a number.
CREATE TABLE rules (
  code indicator_code COLLATE "C" PRIMARY KEY,
  left_indicator indicator_code COLLATE "C" REFERENCES indicators,
  left_number numeric,
  operator text NOT NULL CONSTRAINT rules_operator CHECK (operator IN ('<=', '<', '>=', '>', '==', '!=')),
  right_indicator indicator_code COLLATE "C" REFERENCES indicators,
  right_number numeric,
  severity text NOT NULL CONSTRAINT rules_severity CHECK (severity IN ('error', 'warning')),
  message_vi text NOT NULL CONSTRAINT rules_message_vi CHECK (btrim(message_vi) <> ''),
  CONSTRAINT rules_left CHECK ((left_indicator IS NULL) <> (left_number IS NULL)),
  CONSTRAINT rules_right CHECK ((right_indicator IS NULL) <> (right_number IS NULL)),
  CONSTRAINT rules_an_indicator CHECK (left_indicator IS NOT NULL OR right_indicator IS NOT NULL)
);
CREATE INDEX rules_left_indicator ON rules (left_indicator);
CREATE INDEX rules_right_indicator ON rules (right_indicator);

-- Each scored leaf value: the window it was scored against (the area's own values of the 24
-- months before it, at least 8), their median and median absolute deviation, and the modified
-- z-score. Values without a score (too few values, MAD 0, ratios, parents) have no row.
CREATE TABLE outlier_scores (
  indicator_code indicator_code COLLATE "C" NOT NULL,
  area_code area_code COLLATE "C" NOT NULL,
  month date NOT NULL,
  value numeric NOT NULL,
  window_values smallint NOT NULL,
  median numeric NOT NULL,
  mad numeric NOT NULL,
  score numeric NOT NULL,
  PRIMARY KEY (indicator_code, area_code, month)
);

-- Rules checked when a transaction commits (rules.sql): the keys its observation writes touched.
CREATE TABLE rule_check_requests (
  txid xid8 PRIMARY KEY DEFAULT pg_current_xact_id()
);

-- Each aggregate row carries its area's score (a copy, for the feeds: one join less per row).
ALTER TABLE aggregates ADD COLUMN outlier_score numeric;

INSERT INTO aggregate_rebuild_requests (reason) VALUES ('outlier scores');

-- The last month the review is counted for (review.sql), so that a worker's pass knows in an
-- instant whether a new month has begun (max(month) of review_counts reads a million rows).
CREATE TABLE review_extent (
  one boolean PRIMARY KEY DEFAULT true CONSTRAINT review_extent_one CHECK (one),
  last_month date
);
INSERT INTO review_extent (last_month) SELECT max(month) FROM review_counts;
