-- How many of a parent's children have a value (reporting) of those counting that month
-- (expected): counted with the parent's value, from the children it sums (sql/functions/values.sql),
-- instead of for every aggregate row again (in a national rebuild, a sort of 19 M child rows a
-- lane; in an edit's batch, every child of every province beside the edited one).
ALTER TABLE area_values ADD COLUMN reporting integer, ADD COLUMN expected integer;
-- A database made before this migration: the counts its aggregates hold (they were computed
-- from the same rows; a parent without an aggregate row, its value null, gets them when next
-- computed).
UPDATE area_values v SET reporting = a.reporting, expected = a.expected
FROM aggregates a
WHERE (a.indicator_code, a.area_code, a.month) = (v.indicator_code, v.area_code, v.month) AND a.expected IS NOT NULL;
