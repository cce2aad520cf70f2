import Foundation

/// The kinds of administrative unit (DATA.md "Areas").
public enum AreaKind: String, Sendable, CaseIterable, Codable {
    case country, province, city, district, town, ward, commune
    /// Đặc khu: the island special zones of 2025, which report like a ward.
    case specialZone = "special_zone"

    /// Wards, communes, towns and special zones report; the others are roll-ups.
    public var reports: Bool { self == .ward || self == .commune || self == .town || self == .specialZone }
}

/// How an indicator behaves over time and across areas (DATA.md "Indicators").
public enum IndicatorKind: String, Sendable, CaseIterable, Codable {
    case count, amount, stock, ratio
}

/// Which way is better.
public enum Direction: String, Sendable, CaseIterable, Codable {
    case higherIsBetter = "higher_is_better"
    case lowerIsBetter = "lower_is_better"
    case neutral
}

/// Validation rules of DATA.md that need no database.
public enum Rules {
    public static func month(_ text: String, field: String = "month") throws(RuleViolation) -> Month {
        guard let month = Month(text) else { throw RuleViolation(field: field, "'\(Printable.excerpt(text))' is not a month in the form YYYY-MM") }
        return month
    }

    /// A name in Unicode NFC, trimmed, not empty, without control characters.
    public static func name(_ text: String, field: String = "name") throws(RuleViolation) -> String {
        let trimmed = try self.text(text, field: field).trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw RuleViolation(field: field, "is empty") }
        return trimmed.precomposedStringWithCanonicalMapping
    }

    /// Free text: no control characters (a NUL byte, say, which no database column can hold).
    public static func text(_ text: String, field: String) throws(RuleViolation) -> String {
        if text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7F }) {
            throw RuleViolation(field: field, "'\(Printable.excerpt(text))' contains a control character")
        }
        return text
    }

    /// A decimal number without exponent (`12`, `-3.5`), surrounding spaces allowed.
    public static func decimal(_ text: String, field: String) throws(RuleViolation) -> ExactDecimal {
        guard let number = ExactDecimal(text.trimmingCharacters(in: .whitespaces)) else {
            throw RuleViolation(field: field, "'\(Printable.excerpt(text))' is not a number")
        }
        return number
    }

    /// ISO 8601 with an offset: `2023-11-30T23:30:00+07:00`, `2023-11-30T16:30:00Z`, fractions allowed.
    /// Returns seconds since 1970 (UTC).
    public static func timestamp(_ text: String, field: String = "occurred_at") throws(RuleViolation) -> Date {
        Date(timeIntervalSince1970: try epochSeconds(text, field: field))
    }

    /// The same as ``timestamp(_:field:)`` without Foundation's formatter: fast enough for millions of rows.
    public static func epochSeconds(_ text: String, field: String = "occurred_at") throws(RuleViolation) -> Double {
        var utf8 = text.utf8[...]
        func fail() -> RuleViolation {
            RuleViolation(field: field, "'\(Printable.excerpt(text))' is not an ISO 8601 timestamp with offset (e.g. 2023-11-30T23:30:00+07:00)")
        }
        func number(_ count: Int) -> Int? {
            var value = 0
            for _ in 0..<count {
                guard let byte = utf8.first, byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
                utf8 = utf8.dropFirst()
            }
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard utf8.first == byte else { return false }
            utf8 = utf8.dropFirst()
            return true
        }
        guard let year = number(4), expect(45), let month = number(2), expect(45), let day = number(2),
              expect(84) || expect(116) || expect(32),
              let hour = number(2), expect(58), let minute = number(2), expect(58), let second = number(2),
              let monthValue = Month(year: year, month: month), (1...monthValue.dayCount).contains(day),
              hour < 24, minute < 60, second < 61 else { throw fail() }
        var fraction = 0.0
        if expect(46) {
            var scale = 0.1
            var digits = 0
            while let byte = utf8.first, byte >= 48, byte <= 57 {
                fraction += Double(byte - 48) * scale
                scale /= 10
                digits += 1
                utf8 = utf8.dropFirst()
            }
            if digits == 0 { throw fail() }
        }
        var offset = 0
        if expect(90) || expect(122) {
            offset = 0
        } else if let sign = utf8.first, sign == 43 || sign == 45 {
            utf8 = utf8.dropFirst()
            guard let hours = number(2) else { throw fail() }
            _ = expect(58)
            guard let minutes = number(2), hours <= 14, minutes < 60 else { throw fail() }
            offset = (hours * 3600 + minutes * 60) * (sign == 45 ? -1 : 1)
        } else {
            throw fail()
        }
        guard utf8.isEmpty else { throw fail() }
        let days = Self.daysSinceEpoch(year: year, month: month, day: day)
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second - offset) + fraction
    }

    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
