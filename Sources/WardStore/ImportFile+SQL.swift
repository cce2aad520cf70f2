import PQ
import WardCore

/// The SQL side of an import: checks that need the database (unknown codes, periods, duplicates)
/// reported by line, and the merge. Everything reads the staging table `pg_temp.import_stage`.
extension ImportFile {
    /// Statements that prepare the checks: observations and facts fill the input of the
    /// reporting rules (`wb_report_problems`, sql/functions/report_rules.sql) from the staging table.
    var checkPreparation: [String] {
        switch self {
        case .observations:
            return ["SELECT wb_new_reports_reset()", """
                INSERT INTO pg_temp.wb_new_reports (line, area_code, indicator_code, month, least_value, all_whole, latest_at)
                SELECT line, area_code, indicator_code, month, value, value = trunc(value), reported_at FROM pg_temp.import_stage
                """, "ANALYZE pg_temp.wb_new_reports"]
        case .facts:
            return ["SELECT wb_new_reports_reset()", """
                INSERT INTO pg_temp.wb_new_reports (line, area_code, indicator_code, month, least_value, all_whole, latest_at)
                SELECT s.line, s.area_code, s.indicator_code, wb_period(s.occurred_at, coalesce(i.cutoff_day, c.cutoff), c.tz),
                       s.amount, s.amount = trunc(s.amount), s.occurred_at
                FROM pg_temp.import_stage s LEFT JOIN indicators i ON i.code = s.indicator_code,
                     (SELECT wb_setting('cutoff_day')::int AS cutoff, wb_setting('timezone') AS tz) c
                """, "ANALYZE pg_temp.wb_new_reports"]
        default:
            return []
        }
    }

    /// `(line, column, message)` for every row the database side refuses, and for observations
    /// and facts a fourth column, `locked`: the row is refused because its month is closed.
    /// `$1`, where it appears, is what a position is called in messages ("line" of a file, "row"
    /// of a request).
    var checks: String {
        switch self {
        case .areas:
            return """
                SELECT line, 'parent_code', format('unknown area ''%s''', parent_code) FROM pg_temp.import_stage s
                WHERE parent_code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM area_codes c WHERE c.code = s.parent_code)
                  AND NOT EXISTS (SELECT 1 FROM pg_temp.import_stage p WHERE p.code = s.parent_code)
                UNION ALL
                SELECT b.line, 'valid_from', format('validity of ''%s'' overlaps its row on %s %s', b.code, $1::text, a.line)
                FROM pg_temp.import_stage a JOIN pg_temp.import_stage b ON a.code = b.code AND a.line < b.line
                WHERE daterange(a.valid_from, a.valid_to, '[]') && daterange(b.valid_from, b.valid_to, '[]')
                UNION ALL
                SELECT s.line, 'parent_code', format('''%s'' is a %s: wards, communes, towns and special zones have no children', s.parent_code, p.kind)
                FROM pg_temp.import_stage s JOIN pg_temp.import_stage p ON p.code = s.parent_code
                WHERE wb_is_leaf_kind(p.kind)
                """
        case .successions:
            return """
                SELECT line, 'from_code', format('unknown area ''%s''', from_code) FROM pg_temp.import_stage s
                WHERE NOT EXISTS (SELECT 1 FROM area_codes WHERE code = s.from_code)
                UNION ALL
                SELECT line, 'to_code', format('unknown area ''%s''', to_code) FROM pg_temp.import_stage s
                WHERE NOT EXISTS (SELECT 1 FROM area_codes WHERE code = s.to_code)

                """
        case .indicators:
            return """
                SELECT line, c.col, format('unknown indicator ''%s''', c.code)
                FROM pg_temp.import_stage s, LATERAL (VALUES ('numerator', s.numerator), ('denominator', s.denominator)) c(col, code)
                WHERE c.code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM indicators i WHERE i.code = c.code)
                  AND NOT EXISTS (SELECT 1 FROM pg_temp.import_stage p WHERE p.code = c.code)
                UNION ALL
                SELECT s.line, c.col, format('''%s'' is a %s indicator; a ratio''s parts must be count or amount', c.code, coalesce(p.kind, i.kind))
                FROM pg_temp.import_stage s, LATERAL (VALUES ('numerator', s.numerator), ('denominator', s.denominator)) c(col, code)
                LEFT JOIN pg_temp.import_stage p ON p.code = c.code LEFT JOIN indicators i ON i.code = c.code
                WHERE c.code IS NOT NULL AND coalesce(p.kind, i.kind) NOT IN ('count', 'amount')
                UNION ALL
                SELECT b.line, 'code', format('indicator ''%s'' is also on %s %s', b.code, $1::text, a.line)
                FROM pg_temp.import_stage a JOIN pg_temp.import_stage b ON a.code = b.code AND a.line < b.line
                """
        case .rules:
            return """
                SELECT s.line, c.col, format('unknown indicator ''%s''', c.operand)
                FROM pg_temp.import_stage s, LATERAL (VALUES ('left', s."left"), ('right', s."right")) c(col, operand)
                WHERE wb_rule_operand_number(c.operand) IS NULL AND NOT EXISTS (SELECT 1 FROM indicators i WHERE i.code = c.operand)
                UNION ALL
                SELECT s.line, c.col, format('''%s'' is a ratio: a rule compares its numerator and denominator instead', c.operand)
                FROM pg_temp.import_stage s, LATERAL (VALUES ('left', s."left"), ('right', s."right")) c(col, operand)
                JOIN indicators i ON i.code = c.operand AND i.kind = 'ratio'
                UNION ALL
                SELECT b.line, 'code', format('rule ''%s'' is also on %s %s', b.code, $1::text, a.line)
                FROM pg_temp.import_stage a JOIN pg_temp.import_stage b ON a.code = b.code AND a.line < b.line
                """
        case .partyCells:
            return """
                SELECT line, 'area_code', format('unknown area ''%s''', area_code) FROM pg_temp.import_stage s
                WHERE NOT EXISTS (SELECT 1 FROM area_codes WHERE code = s.area_code)
                UNION ALL
                SELECT b.line, 'code', format('party cell ''%s'' is also on %s %s', b.code, $1::text, a.line)
                FROM pg_temp.import_stage a JOIN pg_temp.import_stage b ON a.code = b.code AND a.line < b.line
                """
        case .observations:
            return """
                SELECT line, field, message, locked FROM wb_report_problems('observation')
                UNION ALL
                SELECT b.line, 'month', format('the same area, indicator and month as %s %s', $1::text, a.line), false
                FROM pg_temp.import_stage a JOIN pg_temp.import_stage b
                  ON (a.area_code, a.indicator_code, a.month) = (b.area_code, b.indicator_code, b.month) AND a.line < b.line
                """
        case .facts:
            return "SELECT line, field, message, locked FROM wb_report_problems('fact')"
        case .targets:
            return """
                SELECT line, 'area_code', format('unknown area ''%s''', area_code) FROM pg_temp.import_stage s
                WHERE NOT EXISTS (SELECT 1 FROM area_codes WHERE code = s.area_code)
                UNION ALL
                SELECT line, 'indicator_code', format('unknown indicator ''%s''', indicator_code) FROM pg_temp.import_stage s
                WHERE NOT EXISTS (SELECT 1 FROM indicators WHERE code = s.indicator_code)
                UNION ALL
                SELECT line, 'year', format('area ''%s'' exists in no month of %s', area_code, year) FROM pg_temp.import_stage s
                WHERE EXISTS (SELECT 1 FROM area_codes WHERE code = s.area_code) AND NOT EXISTS (
                  SELECT 1 FROM areas a, generate_series(make_date(s.year, 1, 1), make_date(s.year, 12, 1), interval '1 month') m
                  WHERE a.code = s.area_code AND wb_counts_in(a.valid_from, a.valid_to, m::date))
                UNION ALL
                SELECT b.line, 'year', format('the same area, indicator and year as %s %s', $1::text, a.line)
                FROM pg_temp.import_stage a JOIN pg_temp.import_stage b
                  ON (a.area_code, a.indicator_code, a.year) = (b.area_code, b.indicator_code, b.year) AND a.line < b.line
                """
        }
    }

    /// `(line, column, message)` for what the merged file breaks in rows it did not write:
    /// successions (DATA.md "Successions that are refused", sql/functions/areas.sql) that a
    /// successions file adds, or that an areas file's new validity makes invalid; an area an
    /// areas file makes its own ancestor.
    var afterMergeChecks: String? {
        switch self {
        case .successions:
            return """
                SELECT coalesce((SELECT min(s.line) FROM pg_temp.import_stage s
                                 WHERE s.from_code = p.from_code AND (p.to_code IS NULL OR s.to_code = p.to_code)), 1),
                       p.field, p.message
                FROM wb_succession_problems(ARRAY(SELECT from_code FROM pg_temp.import_stage UNION SELECT to_code FROM pg_temp.import_stage)) p
                """
        case .areas:
            return """
                SELECT coalesce((SELECT min(s.line) FROM pg_temp.import_stage s
                                 WHERE s.code = CASE p.field WHEN 'from_code' THEN p.from_code ELSE coalesce(p.to_code, p.from_code) END), 1),
                       CASE p.field WHEN 'from_code' THEN 'valid_to' ELSE 'valid_from' END,
                       format('succession %s → %s: %s', p.from_code, coalesce(p.to_code, '…'), p.message)
                FROM wb_succession_problems(ARRAY(SELECT DISTINCT code FROM pg_temp.import_stage)) p
                UNION ALL
                SELECT coalesce((SELECT min(s.line) FROM pg_temp.import_stage s WHERE s.code = c.code), 1), 'parent_code', c.message
                FROM wb_area_cycles(ARRAY(SELECT DISTINCT code FROM pg_temp.import_stage)) c
                """
        case .observations:
            // Rules between indicators (sql/functions/rules.sql): an error rule the file leaves
            // broken, on the state after it, at the first line that wrote one of its sides.
            return "SELECT line, 'value', message FROM wb_written_rule_breaks() WHERE severity = 'error'"
        default:
            return nil
        }
    }

    /// Statements run after the merge, before ``afterMergeChecks`` and ``afterMergeWarnings``.
    var afterMergePreparation: [String] {
        switch self {
        case .observations:
            return ["SELECT wb_rule_keys_reset()", """
                INSERT INTO pg_temp.wb_rule_keys (line, indicator_code, area_code, month)
                SELECT s.line, s.indicator_code, s.area_code, s.month FROM pg_temp.import_stage s
                WHERE EXISTS (SELECT 1 FROM rules r WHERE s.indicator_code IN (r.left_indicator, r.right_indicator))
                """, "ANALYZE pg_temp.wb_rule_keys"]
        default:
            return []
        }
    }

    /// `(line, column, message)` of what the merged file breaks without being refused: the
    /// warning rules, listed in the answer.
    var afterMergeWarnings: String? {
        switch self {
        case .observations: "SELECT line, 'value', message FROM wb_written_rule_breaks() WHERE severity = 'warning'"
        default: nil
        }
    }

    /// Whether the merge would change anything (structure changes ask for a full rebuild, so a
    /// second import of the same file must not touch those tables at all).
    var changesSomething: String? {
        switch self {
        case .areas:
            return """
                SELECT EXISTS (SELECT 1 FROM pg_temp.import_stage s WHERE NOT EXISTS (
                         SELECT 1 FROM areas a WHERE (a.code, a.name, a.kind, a.parent_code, a.valid_from, a.valid_to)
                           IS NOT DISTINCT FROM (s.code, s.name, s.kind, s.parent_code, s.valid_from, s.valid_to)))
                    OR EXISTS (SELECT 1 FROM areas a WHERE a.code IN (SELECT code FROM pg_temp.import_stage) AND NOT EXISTS (
                         SELECT 1 FROM pg_temp.import_stage s WHERE (a.code, a.name, a.kind, a.parent_code, a.valid_from, a.valid_to)
                           IS NOT DISTINCT FROM (s.code, s.name, s.kind, s.parent_code, s.valid_from, s.valid_to)))
                """
        case .successions:
            return """
                SELECT EXISTS (SELECT 1 FROM pg_temp.import_stage s WHERE NOT EXISTS (
                  SELECT 1 FROM successions x WHERE (x.from_code, x.to_code, x.effective_month, x.share) = (s.from_code, s.to_code, s.effective_month, s.share)))
                """
        case .indicators:
            return """
                SELECT EXISTS (SELECT 1 FROM pg_temp.import_stage s WHERE NOT EXISTS (
                  SELECT 1 FROM indicators i WHERE (i.code, i.name_vi, i.name_en, i.unit, i.kind, i.direction, i.category, i.numerator_code, i.denominator_code,
                                                    i.cutoff_day, i.due_days, i.required, i.expected_from)
                    IS NOT DISTINCT FROM (s.code, s.name_vi, s.name_en, s.unit, s.kind, s.direction, s.category, s.numerator, s.denominator,
                                          s.cutoff_day::int2, s.due_days::int2, s.required, s.expected_from)))
                """
        default:
            return nil
        }
    }

    /// Statements that merge the staging table; `$1` is who imports (observations), or the batch id (facts).
    var merge: [String] {
        switch self {
        case .areas:
            return [
                "INSERT INTO area_codes SELECT DISTINCT code FROM pg_temp.import_stage ON CONFLICT DO NOTHING",
                """
                DELETE FROM areas a WHERE a.code IN (SELECT code FROM pg_temp.import_stage) AND NOT EXISTS (
                  SELECT 1 FROM pg_temp.import_stage s WHERE (a.code, a.name, a.kind, a.parent_code, a.valid_from, a.valid_to)
                    IS NOT DISTINCT FROM (s.code, s.name, s.kind, s.parent_code, s.valid_from, s.valid_to))
                """,
                """
                INSERT INTO areas (code, name, kind, parent_code, valid_from, valid_to)
                SELECT code, name, kind, parent_code, valid_from, valid_to FROM pg_temp.import_stage s WHERE NOT EXISTS (
                  SELECT 1 FROM areas a WHERE (a.code, a.name, a.kind, a.parent_code, a.valid_from, a.valid_to)
                    IS NOT DISTINCT FROM (s.code, s.name, s.kind, s.parent_code, s.valid_from, s.valid_to))
                ORDER BY line
                """,
            ]
        case .successions:
            return ["""
                INSERT INTO successions AS x (from_code, to_code, effective_month, share)
                SELECT from_code, to_code, effective_month, share FROM pg_temp.import_stage
                ON CONFLICT (from_code, to_code) DO UPDATE SET effective_month = excluded.effective_month, share = excluded.share
                  WHERE (x.effective_month, x.share) IS DISTINCT FROM (excluded.effective_month, excluded.share)
                """]
        case .rules:
            return ["""
                INSERT INTO rules AS r (code, left_indicator, left_number, operator, right_indicator, right_number, severity, message_vi)
                SELECT code, CASE WHEN wb_rule_operand_number("left") IS NULL THEN "left" END, wb_rule_operand_number("left"), operator,
                       CASE WHEN wb_rule_operand_number("right") IS NULL THEN "right" END, wb_rule_operand_number("right"), severity, message_vi
                FROM pg_temp.import_stage ORDER BY line
                ON CONFLICT (code) DO UPDATE SET left_indicator = excluded.left_indicator, left_number = excluded.left_number,
                  operator = excluded.operator, right_indicator = excluded.right_indicator, right_number = excluded.right_number,
                  severity = excluded.severity, message_vi = excluded.message_vi
                  WHERE (r.left_indicator, r.left_number, r.operator, r.right_indicator, r.right_number, r.severity, r.message_vi)
                    IS DISTINCT FROM (excluded.left_indicator, excluded.left_number, excluded.operator, excluded.right_indicator,
                                      excluded.right_number, excluded.severity, excluded.message_vi)
                """]
        case .indicators:
            return ["""
                INSERT INTO indicators AS i (code, name_vi, name_en, unit, kind, direction, category, numerator_code, denominator_code, cutoff_day,
                                             due_days, required, expected_from)
                SELECT code, name_vi, name_en, unit, kind, direction, category, numerator, denominator, cutoff_day, due_days, required, expected_from
                FROM pg_temp.import_stage ORDER BY line
                ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, name_en = excluded.name_en, unit = excluded.unit, kind = excluded.kind,
                  direction = excluded.direction, category = excluded.category, numerator_code = excluded.numerator_code,
                  denominator_code = excluded.denominator_code, cutoff_day = excluded.cutoff_day, due_days = excluded.due_days,
                  required = excluded.required, expected_from = excluded.expected_from
                  WHERE (i.name_vi, i.name_en, i.unit, i.kind, i.direction, i.category, i.numerator_code, i.denominator_code, i.cutoff_day,
                         i.due_days, i.required, i.expected_from)
                    IS DISTINCT FROM (excluded.name_vi, excluded.name_en, excluded.unit, excluded.kind, excluded.direction, excluded.category,
                                      excluded.numerator_code, excluded.denominator_code, excluded.cutoff_day, excluded.due_days,
                                      excluded.required, excluded.expected_from)
                """]
        case .partyCells:
            return ["""
                INSERT INTO party_cells AS p (code, area_code, name, kind, members, founded_on)
                SELECT code, area_code, name, kind, members, founded_on FROM pg_temp.import_stage
                ON CONFLICT (code) DO UPDATE SET area_code = excluded.area_code, name = excluded.name, kind = excluded.kind,
                  members = excluded.members, founded_on = excluded.founded_on
                  WHERE (p.area_code, p.name, p.kind, p.members, p.founded_on)
                    IS DISTINCT FROM (excluded.area_code, excluded.name, excluded.kind, excluded.members, excluded.founded_on)
                """]
        case .observations:
            return ["""
                INSERT INTO observations AS o (area_code, indicator_code, month, value, updated_by)
                SELECT area_code, indicator_code, month, value, $1 FROM pg_temp.import_stage
                ON CONFLICT (indicator_code, area_code, month) DO UPDATE
                  SET value = excluded.value, updated_at = now(), updated_by = excluded.updated_by
                  WHERE o.value IS DISTINCT FROM excluded.value
                """, """
                UPDATE key_arrivals k SET arrived_at = s.reported_at FROM pg_temp.import_stage s
                WHERE s.reported_at IS NOT NULL AND (k.indicator_code, k.area_code, k.month) = (s.indicator_code, s.area_code, s.month)
                  AND s.reported_at < k.arrived_at
                """]
        case .facts:
            return ["""
                INSERT INTO facts (area_code, indicator_code, occurred_at, amount, batch_id)
                SELECT area_code, indicator_code, occurred_at, amount, $1::int8 FROM pg_temp.import_stage
                """]
        case .targets:
            return ["""
                INSERT INTO targets AS t (area_code, indicator_code, year, target)
                SELECT area_code, indicator_code, year, target FROM pg_temp.import_stage
                ON CONFLICT (indicator_code, area_code, year) DO UPDATE SET target = excluded.target, updated_at = now()
                  WHERE t.target IS DISTINCT FROM excluded.target
                """]
        }
    }
}
