/// A calendar month, written `YYYY-MM`: the unit every figure is reported in.
public struct Month: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public let year: Int
    /// 1 to 12.
    public let month: Int

    public init?(year: Int, month: Int) {
        guard (1...12).contains(month), (1...9999).contains(year) else { return nil }
        self.year = year
        self.month = month
    }

    /// What ``init(_:)`` accepts, as a regular expression (ECMA-262, for the OpenAPI document):
    /// years 0001 to 9999, months 01 to 12.
    public static let pattern = "^([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-(0[1-9]|1[0-2])$"

    /// Parses exactly `YYYY-MM`.
    public init?(_ text: String) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 7, utf8[4] == UInt8(ascii: "-"),
              utf8.enumerated().allSatisfy({ $0.offset == 4 || ($0.element >= 48 && $0.element <= 57) }),
              let year = Int(text.prefix(4)), let month = Int(text.suffix(2)) else { return nil }
        self.init(year: year, month: month)
    }

    /// Months since January of year 0: a total order and easy arithmetic.
    public var index: Int { year * 12 + (month - 1) }

    public init(index: Int) {
        self.year = index / 12
        self.month = index % 12 + 1
    }

    public func adding(months: Int) -> Month { Month(index: index + months) }
    public var next: Month { adding(months: 1) }
    public var previous: Month { adding(months: -1) }
    public var yearAgo: Month { adding(months: -12) }
    public var january: Month { Month(index: year * 12) }

    /// Number of days in this month (leap years included).
    public var dayCount: Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public var description: String {
        let y = String(year), m = String(month)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-" + (m.count < 2 ? "0" : "") + m
    }

    public static func < (lhs: Month, rhs: Month) -> Bool { lhs.index < rhs.index }

    /// Months from `self` through `end`, inclusive.
    public func through(_ end: Month) -> [Month] {
        guard end >= self else { return [] }
        return (index...end.index).map(Month.init(index:))
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let month = Month(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a month in the form YYYY-MM"))
        }
        self = month
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
