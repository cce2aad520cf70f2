import Foundation

/// The import files of DATA.md, in dependency order: their columns and the checks of one row
/// that need no database. The one list of columns: the importer stages them, JSON writes are
/// read by them, the generator writes them and the facts fast lane scans them.
public enum ImportFile: String, CaseIterable, Sendable {
    case areas, successions, indicators, rules, partyCells = "party_cells", observations, facts, targets

    public var fileName: String { rawValue + ".csv" }

    public var columns: [ImportColumn] {
        switch self {
        case .areas:
            [.init("code", .areaCode), .init("name", .name), .init("kind", .text), .init("parent_code", .areaCode, empty: .null),
             .init("valid_from", .date), .init("valid_to", .date, empty: .null)]
        case .successions:
            [.init("from_code", .areaCode), .init("to_code", .areaCode), .init("effective_month", .month),
             .init("share", .decimal, empty: .decimal(1))]
        case .indicators:
            [.init("code", .indicatorCode), .init("name_vi", .name), .init("name_en", .text, empty: .text("")), .init("unit", .text), .init("kind", .text),
             .init("direction", .text), .init("category", .text), .init("numerator", .indicatorCode, empty: .null),
             .init("denominator", .indicatorCode, empty: .null), .init("cutoff_day", .integer, empty: .null),
             .init("due_days", .integer, empty: .null, optional: true), .init("required", .boolean, empty: .boolean(true), optional: true),
             .init("expected_from", .month, empty: .null, optional: true)]
        case .rules:
            [.init("code", .indicatorCode), .init("left", .operand), .init("operator", .text), .init("right", .operand),
             .init("severity", .text), .init("message_vi", .name)]
        case .partyCells:
            [.init("area_code", .areaCode), .init("code", .areaCode), .init("name", .name), .init("kind", .text),
             .init("members", .integer), .init("founded_on", .date, empty: .null)]
        case .observations:
            [.init("area_code", .areaCode), .init("indicator_code", .indicatorCode), .init("month", .month), .init("value", .decimal),
             .init("reported_at", .instant, empty: .null, optional: true)]
        case .facts:
            [.init("area_code", .areaCode), .init("indicator_code", .indicatorCode), .init("occurred_at", .instant),
             .init("amount", .decimal, empty: .decimal(1))]
        case .targets:
            [.init("area_code", .areaCode), .init("indicator_code", .indicatorCode), .init("year", .integer), .init("target", .decimal)]
        }
    }

    public var columnNames: [String] { columns.map(\.name) }

    /// Whether the rows are reported figures (observations, facts), checked by the reporting rules.
    public var checksFigures: Bool { self == .observations || self == .facts }

    /// Whether each row writes for the area in its `area_code` column (an editor may write only
    /// for its own area and those below it).
    public var writesForAnArea: Bool {
        switch self {
        case .observations, .facts, .targets: true
        default: false
        }
    }

    /// Reads one row. `fields` are in ``columns`` order; nil stands for a column the header (or a
    /// JSON object) left out. Returns the typed values, or the first violation with its column.
    public func parse(_ fields: [String?]) throws(RuleViolation) -> [ImportValue] {
        var values = [ImportValue]()
        values.reserveCapacity(fields.count)
        for (column, field) in zip(columns, fields) {
            values.append(try column.parse(field))
        }
        try check(values)
        return values
    }

    /// The rules between the columns of one row.
    private func check(_ values: [ImportValue]) throws(RuleViolation) {
        switch self {
        case .areas:
            guard case .text(let kind) = values[2], AreaKind(rawValue: kind) != nil else {
                throw RuleViolation(field: "kind", "'\(Printable.excerpt(values[2].text ?? ""))' is not one of \(AreaKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if case .date(let from) = values[4], case .date(let to) = values[5], to < from {
                throw RuleViolation(field: "valid_to", "\(to) is before valid_from \(from)")
            }
        case .successions:
            if case .decimal(let share) = values[3], share <= 0 || share > 1 {
                throw RuleViolation(field: "share", "\(share) is not in (0, 1]")
            }
        case .indicators:
            guard let kind = values[4].text.flatMap(IndicatorKind.init(rawValue:)) else {
                throw RuleViolation(field: "kind", "'\(Printable.excerpt(values[4].text ?? ""))' is not one of count, amount, stock, ratio")
            }
            guard values[5].text.flatMap(Direction.init(rawValue:)) != nil else {
                throw RuleViolation(field: "direction", "'\(Printable.excerpt(values[5].text ?? ""))' is not one of higher_is_better, lower_is_better, neutral")
            }
            let hasParts = (values[7] != .null, values[8] != .null)
            if kind == .ratio && !(hasParts.0 && hasParts.1) {
                throw RuleViolation(field: hasParts.0 ? "denominator" : "numerator", "a ratio needs a numerator and a denominator indicator")
            }
            if kind != .ratio && (hasParts.0 || hasParts.1) {
                throw RuleViolation(field: "numerator", "only ratio indicators have a numerator and denominator")
            }
            if case .integer(let day) = values[9], !(1...28).contains(day) {
                throw RuleViolation(field: "cutoff_day", "must be a day from 1 to 28, not \(day)")
            }
            if case .integer(let days) = values[10], !(0...60).contains(days) {
                throw RuleViolation(field: "due_days", "must be a number of days from 0 to 60, not \(days)")
            }
        case .rules:
            guard let op = values[2].text, RuleOperator(rawValue: op) != nil else {
                throw RuleViolation(field: "operator", "'\(Printable.excerpt(values[2].text ?? ""))' is not one of \(RuleOperator.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let severity = values[4].text, RuleSeverity(rawValue: severity) != nil else {
                throw RuleViolation(field: "severity", "'\(Printable.excerpt(values[4].text ?? ""))' is not one of error, warning")
            }
            if Operand(values[1]).number != nil && Operand(values[3]).number != nil {
                throw RuleViolation(field: "right", "one side of a rule must be an indicator (both are numbers)")
            }
        case .partyCells:
            if case .integer(let members) = values[4], members < 0 { throw RuleViolation(field: "members", "cannot be negative (\(members))") }
        case .targets:
            if case .integer(let year) = values[2], !(1900...2200).contains(year) {
                throw RuleViolation(field: "year", "\(year) is not a plausible year")
            }
            if case .decimal(let target) = values[3], target.isNegative { throw RuleViolation(field: "target", "cannot be negative (\(target))") }
        case .observations, .facts:
            break
        }
    }
}

/// One column of an import file.
public struct ImportColumn: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case areaCode, indicatorCode
        /// A name: trimmed, Unicode NFC, not empty.
        case name
        /// Other text: not empty, no control characters.
        case text
        /// `YYYY-MM-DD`.
        case date
        /// `YYYY-MM`.
        case month
        /// An exact decimal number.
        case decimal
        case integer
        /// ISO 8601 with an offset.
        case instant
        /// `true`/`false` (also `yes`/`no`, `1`/`0`).
        case boolean
        /// A side of a rule: a number, or else an indicator code (``Operand``).
        case operand
    }

    public let name: String
    public let kind: Kind
    /// What an empty field means; nil: the field is required.
    public let empty: ImportValue?
    /// Whether a header may leave the column out (its fields are then empty).
    public let optional: Bool

    public init(_ name: String, _ kind: Kind, empty: ImportValue? = nil, optional: Bool = false) {
        self.name = name
        self.kind = kind
        self.empty = empty
        self.optional = optional
    }

    /// The typed value of one field; nil: the column was left out.
    public func parse(_ field: String?) throws(RuleViolation) -> ImportValue {
        let text = field ?? ""
        if text.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let empty else { throw RuleViolation(field: name, field == nil ? "is missing" : "is empty") }
            return empty
        }
        switch kind {
        case .areaCode: return .text(try Code.check(text, .area, field: name))
        case .indicatorCode: return .text(try Code.check(text, .indicator, field: name))
        case .name: return .text(try Rules.name(text, field: name))
        case .text: return .text(try Rules.text(text, field: name))
        case .date:
            guard let date = LocalDate(text) else { throw RuleViolation(field: name, "'\(Printable.excerpt(text))' is not a date in the form YYYY-MM-DD") }
            return .date(date)
        case .month: return .month(try Rules.month(text, field: name))
        case .decimal: return .decimal(try Rules.decimal(text, field: name))
        case .integer:
            guard let number = Int32(text.trimmingCharacters(in: .whitespaces)) else {
                throw RuleViolation(field: name, "'\(Printable.excerpt(text))' is not a whole number")
            }
            return .integer(Int(number))
        case .instant: return .instant(try Rules.epochSeconds(text, field: name))
        case .operand: return .text(try Operand.parse(text, field: name).text)
        case .boolean:
            switch text.trimmingCharacters(in: .whitespaces).lowercased() {
            case "true", "yes", "1": return .boolean(true)
            case "false", "no", "0": return .boolean(false)
            default: throw RuleViolation(field: name, "'\(Printable.excerpt(text))' is not true or false")
            }
        }
    }
}

/// A typed field of an import row.
public enum ImportValue: Sendable, Hashable {
    case null
    case text(String)
    case date(LocalDate)
    case month(Month)
    case decimal(ExactDecimal)
    case integer(Int)
    /// Seconds since 1970, UTC.
    case instant(Double)
    case boolean(Bool)

    public var text: String? { if case .text(let value) = self { value } else { nil } }
}

/// The comparisons a rule may make (DATA.md "Data quality: rules and outliers").
public enum RuleOperator: String, CaseIterable, Sendable {
    case lessOrEqual = "<=", less = "<", greaterOrEqual = ">=", greater = ">", equal = "==", notEqual = "!="
}

public enum RuleSeverity: String, CaseIterable, Sendable {
    /// A write that leaves it broken is refused.
    case error
    /// Listed, never blocking.
    case warning
}

/// A side of a rule: a number when it reads as one, else an indicator code. Staged as text: a
/// number in its canonical form (``ExactDecimal``'s digits, which `wb_rule_operand_number` in
/// sql/functions/rules.sql reads back), a code as is; a code of digits alone reads as a number.
public struct Operand: Sendable, Hashable {
    public let text: String
    public let number: ExactDecimal?

    init(_ value: ImportValue) {
        text = value.text ?? ""
        number = ExactDecimal(text)
    }

    public static func parse(_ text: String, field: String) throws(RuleViolation) -> Operand {
        if let number = try? Rules.decimal(text, field: field) { return Operand(.text(number.description)) }
        return Operand(.text(try Code.check(text.trimmingCharacters(in: .whitespaces), .indicator, field: field)))
    }
}
