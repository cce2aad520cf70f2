-- Indicators (DATA.md "Indicators"): a ratio is built from two count or amount indicators.
--
-- Reads: indicators. Refuses a ratio whose parts are of another kind.

CREATE OR REPLACE FUNCTION wb_check_ratio_parts() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE OR REPLACE TRIGGER indicators_ratio_parts AFTER INSERT OR UPDATE ON indicators
  FOR EACH STATEMENT EXECUTE FUNCTION wb_check_ratio_parts();
