/// An area row: one code may have several, with non-overlapping validity (DATA.md "Areas").
public struct Area: Sendable, Hashable, Codable {
    public var code: String
    public var name: String
    public var kind: AreaKind
    public var parentCode: String?
    public var validFrom: LocalDate
    /// Last day it exists; nil: still exists.
    public var validTo: LocalDate?

    public init(code: String, name: String, kind: AreaKind, parentCode: String?, validFrom: LocalDate, validTo: LocalDate?) {
        self.code = code
        self.name = name
        self.kind = kind
        self.parentCode = parentCode
        self.validFrom = validFrom
        self.validTo = validTo
    }

    /// Whether this row counts for `month`: the month's first day lies in its validity.
    public func counts(in month: Month) -> Bool {
        let first = LocalDate(year: month.year, month: month.month, day: 1)
        return validFrom <= first && (validTo.map { $0 >= first } ?? true)
    }
}

/// From `effectiveMonth` on, `share` of `fromCode` belongs to `toCode`.
public struct Succession: Sendable, Hashable, Codable {
    public var fromCode: String
    public var toCode: String
    public var effectiveMonth: Month
    public var share: String

    public init(fromCode: String, toCode: String, effectiveMonth: Month, share: String = "1") {
        self.fromCode = fromCode
        self.toCode = toCode
        self.effectiveMonth = effectiveMonth
        self.share = share
    }
}

public struct Indicator: Sendable, Hashable, Codable {
    public var code: String
    public var nameVi: String
    public var nameEn: String
    public var unit: String
    public var kind: IndicatorKind
    public var direction: Direction
    public var category: String
    public var numeratorCode: String?
    public var denominatorCode: String?
    public var cutoffDay: Int?
    /// Days after its period ends that a report is due (nil: the setting, 5 by default).
    public var dueDays: Int?
    /// Whether every leaf is expected to report it (DATA.md "Completeness and timeliness").
    public var required: Bool
    /// The first month it is expected (nil: the first month any area has a value for it).
    public var expectedFrom: Month?

    public init(code: String, nameVi: String, nameEn: String, unit: String, kind: IndicatorKind, direction: Direction,
                category: String, numeratorCode: String? = nil, denominatorCode: String? = nil, cutoffDay: Int? = nil,
                dueDays: Int? = nil, required: Bool = true, expectedFrom: Month? = nil) {
        self.code = code
        self.nameVi = nameVi
        self.nameEn = nameEn
        self.unit = unit
        self.kind = kind
        self.direction = direction
        self.category = category
        self.numeratorCode = numeratorCode
        self.denominatorCode = denominatorCode
        self.cutoffDay = cutoffDay
        self.dueDays = dueDays
        self.required = required
        self.expectedFrom = expectedFrom
    }
}

/// A chi bộ: a party cell of a ward.
public struct PartyCell: Sendable, Hashable, Codable {
    public var code: String
    public var areaCode: String
    public var name: String
    public var kind: String
    public var members: Int
    public var foundedOn: LocalDate?
    public var dissolvedOn: LocalDate?

    public init(code: String, areaCode: String, name: String, kind: String, members: Int, foundedOn: LocalDate?, dissolvedOn: LocalDate? = nil) {
        self.code = code
        self.areaCode = areaCode
        self.name = name
        self.kind = kind
        self.members = members
        self.foundedOn = foundedOn
        self.dissolvedOn = dissolvedOn
    }
}

/// A reported month value. Values are decimal text, exact.
public struct Observation: Sendable, Hashable {
    public var areaCode: String
    public var indicatorCode: String
    public var month: Month
    public var value: String

    public init(areaCode: String, indicatorCode: String, month: Month, value: String) {
        self.areaCode = areaCode
        self.indicatorCode = indicatorCode
        self.month = month
        self.value = value
    }
}

/// A raw incident or receipt record.
public struct Fact: Sendable, Hashable {
    public var areaCode: String
    public var indicatorCode: String
    /// Seconds since 1970, with the offset already applied.
    public var occurredAt: Double
    public var amount: String

    public init(areaCode: String, indicatorCode: String, occurredAt: Double, amount: String = "1") {
        self.areaCode = areaCode
        self.indicatorCode = indicatorCode
        self.occurredAt = occurredAt
        self.amount = amount
    }
}

public struct Target: Sendable, Hashable {
    public var areaCode: String
    public var indicatorCode: String
    public var year: Int
    public var target: String

    public init(areaCode: String, indicatorCode: String, year: Int, target: String) {
        self.areaCode = areaCode
        self.indicatorCode = indicatorCode
        self.year = year
        self.target = target
    }
}
