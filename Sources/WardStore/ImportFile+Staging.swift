import Foundation
import PQ
import WardCore

/// How each import file is staged: typed columns, and per-row format checks.
extension ImportFile {
    /// Staging table columns (after `line int4`), all typed so COPY binary carries them.
    var stagingColumns: [(String, String)] {
        switch self {
        case .areas: [("code", "text"), ("name", "text"), ("kind", "text"), ("parent_code", "text"), ("valid_from", "date"), ("valid_to", "date")]
        case .successions: [("from_code", "text"), ("to_code", "text"), ("effective_month", "date"), ("share", "numeric")]
        case .indicators: [("code", "text"), ("name_vi", "text"), ("name_en", "text"), ("unit", "text"), ("kind", "text"), ("direction", "text"),
                           ("category", "text"), ("numerator", "text"), ("denominator", "text"), ("cutoff_day", "int4")]
        case .partyCells: [("area_code", "text"), ("code", "text"), ("name", "text"), ("kind", "text"), ("members", "int4"), ("founded_on", "date")]
        case .observations: [("area_code", "text"), ("indicator_code", "text"), ("month", "date"), ("value", "numeric")]
        case .facts: [("area_code", "text"), ("indicator_code", "text"), ("occurred_at", "timestamptz"), ("amount", "numeric")]
        case .targets: [("area_code", "text"), ("indicator_code", "text"), ("year", "int4"), ("target", "numeric")]
        }
    }

    /// Checks one record's format and turns it into staging values. `fields` are in `columns` order.
    func stage(_ fields: [String]) -> Result<[any SQLEncodable], RuleViolation> {
        do throws(RuleViolation) {
            func date(_ text: String, _ field: String) throws(RuleViolation) -> SQLDate? {
                if text.isEmpty { return nil }
                guard let d = LocalDate(text) else { throw RuleViolation(field: field, "'\(text)' is not a date in the form YYYY-MM-DD") }
                return SQLDate(year: d.year, month: d.month, day: d.day)
            }
            func required(_ text: String, _ field: String) throws(RuleViolation) -> String {
                if text.trimmingCharacters(in: .whitespaces).isEmpty { throw RuleViolation(field: field, "is empty") }
                return text
            }
            func month(_ text: String, _ field: String) throws(RuleViolation) -> SQLDate {
                let m = try Rules.month(text, field: field)
                return SQLDate(year: m.year, month: m.month, day: 1)
            }
            func number(_ text: String, _ field: String) throws(RuleViolation) -> Numeric {
                guard let n = Numeric(try Rules.decimal(text, field: field)) else { throw RuleViolation(field: field, "'\(text)' is not a number") }
                return n
            }
            func integer(_ text: String, _ field: String) throws(RuleViolation) -> Int32 {
                guard let n = Int32(text.trimmingCharacters(in: .whitespaces)) else { throw RuleViolation(field: field, "'\(text)' is not a whole number") }
                return n
            }
            switch self {
            case .areas:
                let code = try Rules.areaCode(fields[0], field: "code")
                let name = try Rules.name(fields[1])
                guard AreaKind(rawValue: fields[2]) != nil else {
                    throw RuleViolation(field: "kind", "'\(fields[2])' is not one of \(AreaKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                let parent = fields[3].isEmpty ? nil : try Rules.areaCode(fields[3], field: "parent_code")
                guard let from = try date(fields[4], "valid_from") else { throw RuleViolation(field: "valid_from", "is empty") }
                let to = try date(fields[5], "valid_to")
                if let to, to < from { throw RuleViolation(field: "valid_to", "\(to) is before valid_from \(from)") }
                return .success([code, name, fields[2], parent, from, to])
            case .successions:
                let from = try Rules.areaCode(fields[0], field: "from_code")
                let to = try Rules.areaCode(fields[1], field: "to_code")
                if from == to { throw RuleViolation(field: "to_code", "an area cannot succeed itself") }
                let share = fields[3].isEmpty ? Numeric(1) : try number(fields[3], "share")
                if share <= Numeric(0) || share > Numeric(1) { throw RuleViolation(field: "share", "\(share) is not in (0, 1]") }
                return .success([from, to, try month(fields[2], "effective_month"), share])
            case .indicators:
                let code = try Rules.indicatorCode(fields[0], field: "code")
                let nameVi = try Rules.name(fields[1], field: "name_vi")
                guard let kind = IndicatorKind(rawValue: fields[4]) else {
                    throw RuleViolation(field: "kind", "'\(fields[4])' is not one of count, amount, stock, ratio")
                }
                guard Direction(rawValue: fields[5]) != nil else {
                    throw RuleViolation(field: "direction", "'\(fields[5])' is not one of higher_is_better, lower_is_better, neutral")
                }
                let numerator = fields[7].isEmpty ? nil : try Rules.indicatorCode(fields[7], field: "numerator")
                let denominator = fields[8].isEmpty ? nil : try Rules.indicatorCode(fields[8], field: "denominator")
                if kind == .ratio && (numerator == nil || denominator == nil) { throw RuleViolation(field: numerator == nil ? "numerator" : "denominator", "a ratio needs a numerator and a denominator indicator") }
                if kind != .ratio && (numerator != nil || denominator != nil) { throw RuleViolation(field: "numerator", "only ratio indicators have a numerator and denominator") }
                let cutoff = fields[9].isEmpty ? nil : try integer(fields[9], "cutoff_day")
                if let cutoff, !(1...28).contains(cutoff) { throw RuleViolation(field: "cutoff_day", "must be a day from 1 to 28, not \(cutoff)") }
                return .success([code, nameVi, fields[2], try required(fields[3], "unit"), fields[4], fields[5], try required(fields[6], "category"), numerator, denominator, cutoff])
            case .partyCells:
                let area = try Rules.areaCode(fields[0])
                let code = try Rules.areaCode(fields[1], field: "code")
                let members = try integer(fields[4], "members")
                if members < 0 { throw RuleViolation(field: "members", "cannot be negative (\(members))") }
                return .success([area, code, try Rules.name(fields[2]), try required(fields[3], "kind"), members, try date(fields[5], "founded_on")])
            case .observations:
                return .success([try Rules.areaCode(fields[0]), try Rules.indicatorCode(fields[1]), try month(fields[2], "month"), try number(fields[3], "value")])
            case .facts:
                let at = try Rules.epochSeconds(fields[2])
                let amount = fields[3].isEmpty ? Numeric(1) : try number(fields[3], "amount")
                return .success([try Rules.areaCode(fields[0]), try Rules.indicatorCode(fields[1]), Date(timeIntervalSince1970: at), amount])
            case .targets:
                let year = try integer(fields[2], "year")
                if !(1900...2200).contains(year) { throw RuleViolation(field: "year", "\(year) is not a plausible year") }
                let target = try number(fields[3], "target")
                if target.isNegative { throw RuleViolation(field: "target", "cannot be negative (\(target))") }
                return .success([try Rules.areaCode(fields[0]), try Rules.indicatorCode(fields[1]), year, target])
            }
        } catch {
            return .failure(error)
        }
    }
}
