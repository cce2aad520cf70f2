import Foundation

/// Places a timestamp in a reporting period (DATA.md "Reporting periods").
///
/// The timestamp's local time in `timeZone` counts. With cut-off day 1 the period is the
/// calendar month; with cut-off day `d > 1`, period M runs from day `d` of M−1 (inclusive) to
/// day `d` of M (exclusive): report "2023-11" with `d = 15` covers 15 Oct 00:00 to 14 Nov 23:59:59.
public struct ReportingPeriod: Sendable, Hashable {
    public let cutoffDay: Int
    public let timeZone: TimeZone

    public init(cutoffDay: Int = 1, timeZone: TimeZone) throws(RuleViolation) {
        guard (1...28).contains(cutoffDay) else { throw RuleViolation(field: "cutoff_day", "must be a day from 1 to 28, not \(cutoffDay)") }
        self.cutoffDay = cutoffDay
        self.timeZone = timeZone
    }

    /// The period that `date` falls in.
    public func month(of date: Date) -> Month {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        let month = Month(year: parts.year ?? 1970, month: parts.month ?? 1) ?? Month(index: 0)
        return cutoffDay > 1 && (parts.day ?? 1) >= cutoffDay ? month.next : month
    }

    /// First and last local dates of a period (inclusive), for labels and feeds.
    public func dates(of month: Month) -> (start: LocalDate, end: LocalDate) {
        if cutoffDay <= 1 {
            return (LocalDate(year: month.year, month: month.month, day: 1), LocalDate(year: month.year, month: month.month, day: month.dayCount))
        }
        let before = month.previous
        return (LocalDate(year: before.year, month: before.month, day: cutoffDay), LocalDate(year: month.year, month: month.month, day: cutoffDay - 1))
    }
}

/// A date without time or zone, `YYYY-MM-DD`.
public struct LocalDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              let month = Month(year: y, month: m), (1...month.dayCount).contains(d) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public var monthValue: Month { Month(year: year, month: month) ?? Month(index: 0) }

    public var description: String {
        func pad(_ v: Int, _ n: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool { (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day) }
}

extension LocalDate: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = LocalDate(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a date in the form YYYY-MM-DD"))
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
