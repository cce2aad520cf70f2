import Foundation

/// Writes a realistic, deterministic dataset in the import formats of DATA.md.
///
/// By default the Long Xuyên demo; with `wards`, synthetic cities of `cityWards` wards each (50
/// unless said) under one province, for benchmarks; with `national`, every commune of Viet Nam through the 2025
/// reorganisation (``NationalAreas``), 20 indicators, facts for one leaf in ten. Seasonality: Tết (January–February) raises thefts and vagrancy, the
/// dry season (January–April) encroachment, the rainy season (June–October) sanitation problems;
/// budget revenue peaks in December. Thefts and encroachments arrive partly (demo) or wholly
/// (synthetic) as raw facts with timestamps spread over whole months, boundaries included.
/// Planted for the quality feed: one ward's thefts jump tenfold in the last month (an outlier),
/// and now and then a ward holds fewer than the 4 citizen reception sessions a rule asks for (a
/// warning).
public struct DatasetGenerator: Sendable {
    public var wards: Int?
    /// Wards per synthetic city.
    public var cityWards: Int
    public var months: Int?
    public var seed: UInt64
    /// The last month with data.
    public var lastMonth: Month
    /// The national dataset instead of the demo or the synthetic cities.
    public var national: Bool
    /// How many of the national dataset's 20 indicators (``NationalIndicators/first(_:)``).
    public var indicatorCount: Int
    /// The first month with data, instead of one derived from `months`.
    public var from: Month?

    public init(wards: Int? = nil, months: Int? = nil, seed: UInt64 = 2025, lastMonth: Month = Month(year: 2026, month: 10) ?? Month(index: 0),
                national: Bool = false, indicatorCount: Int = 20, from: Month? = nil, cityWards: Int = 50) {
        self.wards = wards
        self.cityWards = max(1, cityWards)
        self.months = months
        self.seed = seed
        self.lastMonth = lastMonth
        self.national = national
        self.indicatorCount = indicatorCount
        self.from = from
    }

    public var firstMonth: Month {
        if let from { return from }
        if let months { return lastMonth.adding(months: -(max(1, months) - 1)) }
        if national { return Month(year: 2021, month: 1) ?? lastMonth }
        return wards == nil ? Month(year: 2023, month: 1) ?? lastMonth : lastMonth.adding(months: -59)
    }

    /// The Long Xuyên demo (neither synthetic cities nor the national dataset).
    var isDemo: Bool { wards == nil && !national }

    /// Emits rows (header first) for each file, in dependency order.
    public func generate(_ emit: (ImportFile, [String]) throws -> Void) throws {
        let (areas, successions) = national ? NationalAreas.make(seed: seed)
            : wards.map { Self.syntheticAreas(wards: $0, perCity: cityWards) } ?? (DemoAreas.areas, DemoAreas.successions)
        let indicators = national ? NationalIndicators.first(indicatorCount) : DemoIndicators.all
        let indicatorCodes = Set(indicators.map(\.code))
        for file in ImportFile.allCases { try emit(file, file.columnNames) }

        for area in areas {
            try emit(.areas, [area.code, area.name, area.kind.rawValue, area.parentCode ?? "", area.validFrom.description, area.validTo?.description ?? ""])
        }
        for s in successions { try emit(.successions, [s.fromCode, s.toCode, s.effectiveMonth.description, s.share]) }
        for i in indicators {
            try emit(.indicators, [i.code, i.nameVi, i.nameEn, i.unit, i.kind.rawValue, i.direction.rawValue, i.category,
                                   i.numeratorCode ?? "", i.denominatorCode ?? "", i.cutoffDay.map(String.init) ?? "",
                                   i.dueDays.map(String.init) ?? "", i.required ? "true" : "false", i.expectedFrom?.description ?? ""])
        }
        for rule in DemoRules.all where [rule[1], rule[3]].allSatisfy({ indicatorCodes.contains($0) || Double($0) != nil }) {
            try emit(.rules, rule)
        }

        let months = firstMonth.through(lastMonth)
        let leaves = areas.filter { $0.kind.reports }
        let leafCodes = Array(Set(leaves.map(\.code))).sorted()
        let leafRows = Dictionary(grouping: leaves, by: \.code)
        func counts(_ code: String, in month: Month) -> Bool { leafRows[code]?.contains { $0.counts(in: month) } ?? false }
        var cellsPerWard = [String: Int]()
        var rng = SplitMix64(seed: seed)

        // Party cells of the wards that exist in the last month.
        for code in leafCodes where counts(code, in: lastMonth) {
            let count = Int.random(in: 6...14, using: &rng)
            var members = 0
            for index in 1...count {
                let (kind, name) = Self.cellKind(index, using: &rng)
                let size = Int.random(in: 8...45, using: &rng)
                members += size
                let founded = LocalDate(year: Int.random(in: 1976...2020, using: &rng), month: Int.random(in: 1...12, using: &rng), day: Int.random(in: 1...28, using: &rng))
                try emit(.partyCells, [code, "\(code)-cb-\(index < 10 ? "0" : "")\(index)", name, kind, String(size), founded.description])
            }
            cellsPerWard[code] = members
        }

        let sizes = Sizes(codes: leafCodes, areas: areas, successions: successions, seed: seed)
        for (wardIndex, code) in leafCodes.enumerated() {
            var ward = SplitMix64(seed: seed &+ UInt64(wardIndex + 1) &* 0x9E37_79B9)
            // Arrival times on their own stream, so the figures stay what they were.
            var arrivals = SplitMix64(seed: seed &+ UInt64(wardIndex + 1) &* 0xA24B_AED4)
            let habituallyLate = isDemo ? code == DemoAreas.habituallyLate : wardIndex % 40 == 7
            let theftSurge = isDemo ? code == DemoAreas.theftSurge : wardIndex % 97 == 13
            let cutoffs = Dictionary(uniqueKeysWithValues: indicators.map { ($0.code, $0.cutoffDay ?? 1) })
            let reportsFacts = national ? wardIndex % 10 == 0 : wards != nil || wardIndex % 2 == 0
            let activeMonths = months.filter { counts(code, in: $0) }
            let firstSize = activeMonths.first.map { sizes.size(of: code, in: $0) } ?? 1
            var accounts = firstSize * 15_000 * Double.random(in: 0.25...0.4, using: &ward)
            var members = Double(cellsPerWard[code] ?? Int(firstSize * 180))
            var targets = [Int: Double]()
            for month in activeMonths {
                let size = sizes.size(of: code, in: month)
                let annualTarget = (size * 12_000_000_000 / 1_000_000).rounded() * 1_000_000
                targets[month.year] = annualTarget
                // Absorbed wards bring their accounts and members along.
                accounts = max(accounts, size * 15_000 * 0.3)
                members = max(members, size * 150)
                let tet = month.month <= 2 ? 1.6 : 1.0
                let dry = month.month <= 4 ? 1.3 : 1.0
                let rainy = (6...10).contains(month.month) ? 1.4 : 1.0
                func count(_ base: Double) -> Int { max(0, Int((base * Double.random(in: 0.6...1.4, using: &ward)).rounded())) }
                var values: [(String, String)] = [
                    ("vagrancy_cases", String(count(3 * size * tet))),
                    ("sanitation_violations", String(count(5 * size * rainy))),
                    ("public_disorder", String(count(2 * size))),
                    ("school_violence", String((6...8).contains(month.month) ? 0 : count(0.6 * size))),
                    ("public_land_violations", String(count(1 * size))),
                    ("citizen_receptions", String(4 + Int.random(in: 0...3, using: &ward) - (month.index % 7 == wardIndex % 7 && wardIndex % 3 == 1 ? 2 : 0))),
                    ("new_party_members", String(Int.random(in: 0...3, using: &ward))),
                    ("party_inspections", String(Int.random(in: 1...4, using: &ward))),
                ]
                let december = month.month == 12 ? 2.2 : (month.month == 1 ? 0.7 : 1.0)
                let revenue = (annualTarget / 12 * december * Double.random(in: 0.8...1.15, using: &ward) / 1000).rounded() * 1000
                values.append(("budget_revenue", String(Int64(revenue))))
                let received = count(120 * size)
                values.append(("admin_received", String(received)))
                values.append(("admin_on_time", String(Int((Double(received) * Double.random(in: 0.82...0.99, using: &ward)).rounded()))))
                if national {
                    // On their own stream, so the review's 16 are the same with or without these.
                    var extra = SplitMix64(seed: seed &+ UInt64(wardIndex + 1) &* 0x85EB_CA6B &+ UInt64(month.index))
                    func extraCount(_ base: Double) -> Int { max(0, Int((base * Double.random(in: 0.6...1.4, using: &extra)).rounded())) }
                    values.append(("fire_incidents", String(extraCount(0.3 * size * dry))))
                    values.append(("traffic_accidents", String(extraCount(1.2 * size * tet))))
                    let online = 0.25 + 0.08 * Double(month.year - 2021) + Double.random(in: -0.05...0.05, using: &extra)
                    values.append(("admin_online", String(Int((Double(received) * min(0.95, max(0, online))).rounded()))))
                }
                accounts += size * 15_000 * Double.random(in: 0.005...0.02, using: &ward)
                values.append(("vneid_accounts", String(Int(accounts))))
                members += Double(Int.random(in: 0...3, using: &ward)) - Double(Int.random(in: 0...1, using: &ward))
                values.append(("party_members", String(Int(members))))

                let thefts = count(6 * size * tet) * (theftSurge && month == lastMonth ? 10 : 1)
                let encroachments = count(10 * size * dry)
                if reportsFacts && indicatorCodes.contains("thefts") {
                    try emitFacts(code: code, indicator: "thefts", count: thefts, month: month, rng: &ward, emit)
                    try emitFacts(code: code, indicator: "encroachment_cases", count: encroachments, month: month, rng: &ward, emit)
                } else {
                    values.append(("thefts", String(thefts)))
                    values.append(("encroachment_cases", String(encroachments)))
                }
                for (indicator, value) in values where indicatorCodes.contains(indicator) {
                    // Now and then a ward misses a report: the month stays empty, never 0.
                    if Int.random(in: 0..<200, using: &ward) == 0 && indicator != "budget_revenue" { continue }
                    let arrived = Self.arrival(of: month, cutoffDay: cutoffs[indicator] ?? 1, habituallyLate: habituallyLate, rng: &arrivals)
                    try emit(.observations, [code, indicator, month.description, value, arrived])
                }
            }
            for (year, target) in targets.sorted(by: { $0.key < $1.key }) where indicatorCodes.contains("budget_revenue") {
                try emit(.targets, [code, "budget_revenue", String(year), String(Int64(target))])
            }
        }
    }

    /// Each ward's size in a month (1 = an average ward): its own random size, plus, from the
    /// month a succession takes effect, the shares of its predecessors, so that city and province
    /// totals continue across a reorganisation. An area formed only from others has no own size.
    struct Sizes {
        var own: [String: Double] = [:]
        /// Successions by their `to` area.
        let into: [String: [Succession]]

        init(codes: [String], areas: [Area], successions: [Succession], seed: UInt64) {
            into = Dictionary(grouping: successions, by: \.toCode)
            let rows = Dictionary(grouping: areas, by: \.code)
            for (index, code) in codes.enumerated() {
                var rng = SplitMix64(seed: seed &+ UInt64(index + 1) &* 0x9E37_79B9)
                let size = Double.random(in: 0.5...2.0, using: &rng)
                let formed = (into[code] ?? []).contains { s in
                    !(rows[code] ?? []).contains { $0.counts(in: s.effectiveMonth.previous) }
                }
                own[code] = formed ? 0 : size
            }
        }

        func size(of code: String, in month: Month) -> Double {
            var size = own[code] ?? 0
            for s in into[code] ?? [] where s.effectiveMonth <= month {
                size += (Double(s.share) ?? 1) * self.size(of: s.fromCode, in: s.effectiveMonth.previous)
            }
            return size
        }
    }

    /// When a ward's report of `month` reached the city: most one to four days before the deadline
    /// (five days after the period ends), one in ten a few days late, and a habitually late ward
    /// late most months. ISO 8601 in local time (UTC+7).
    static func arrival(of month: Month, cutoffDay: Int, habituallyLate: Bool, rng: inout SplitMix64) -> String {
        let periodEnd = cutoffDay > 1 ? Rules.daysSinceEpoch(year: month.year, month: month.month, day: cutoffDay)
            : Rules.daysSinceEpoch(year: month.next.year, month: month.next.month, day: 1)
        let deadline = (periodEnd + 5) * 86_400 - 7 * 3600
        let late = habituallyLate ? Int.random(in: 0..<10, using: &rng) < 7 : Int.random(in: 0..<10, using: &rng) == 0
        let offset = late ? Int.random(in: (habituallyLate ? 2 : 1) * 86_400...(habituallyLate ? 12 : 5) * 86_400, using: &rng)
            : -Int.random(in: 2 * 3600...4 * 86_400, using: &rng)
        return LocalDate.isoLocalTime(seconds: deadline + offset, offsetHours: 7)
    }

    /// Facts spread over the month in local time (UTC+7); the first and last minutes of the month
    /// get one each now and then, so boundaries are exercised.
    private func emitFacts(code: String, indicator: String, count: Int, month: Month, rng: inout SplitMix64,
                           _ emit: (ImportFile, [String]) throws -> Void) throws {
        guard count > 0 else { return }
        let seconds = month.dayCount * 86_400
        for index in 0..<count {
            var offset = Int.random(in: 0..<seconds, using: &rng)
            if index == 0 && Int.random(in: 0..<4, using: &rng) == 0 { offset = Int.random(in: 0..<60, using: &rng) }
            if index == 1 && Int.random(in: 0..<4, using: &rng) == 0 { offset = seconds - 1 - Int.random(in: 0..<60, using: &rng) }
            let day = offset / 86_400 + 1, hour = offset / 3600 % 24, minute = offset / 60 % 60, second = offset % 60
            func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
            let stamp = "\(month)-\(two(day))T\(two(hour)):\(two(minute)):\(two(second))+07:00"
            try emit(.facts, [code, indicator, stamp, "1"])
        }
    }

    static func cellKind(_ index: Int, using rng: inout SplitMix64) -> (String, String) {
        switch index {
        case 1: ("co-quan", "Chi bộ Cơ quan Ủy ban nhân dân")
        case 2: ("cong-an", "Chi bộ Công an")
        case 3: ("quan-su", "Chi bộ Quân sự")
        case 4: ("truong-hoc", "Chi bộ Trường Trung học cơ sở")
        case 5: ("truong-hoc", "Chi bộ Trường Tiểu học")
        default: ("khu-pho", "Chi bộ Khu phố \(index - 5)")
        }
    }

    /// One province, cities of `perCity` wards each.
    static func syntheticAreas(wards: Int, perCity: Int) -> ([Area], [Succession]) {
        let start = LocalDate(year: 2000, month: 1, day: 1)
        var areas = [Area(code: "tinh-mau", name: "Tỉnh Mẫu", kind: .province, parentCode: nil, validFrom: start, validTo: nil)]
        let cities = (max(1, wards) + perCity - 1) / perCity
        func pad(_ v: Int, _ n: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s }
        for city in 1...cities {
            let cityCode = "tp-\(pad(city, 2))"
            areas.append(Area(code: cityCode, name: "Thành phố Mẫu \(city)", kind: .city, parentCode: "tinh-mau", validFrom: start, validTo: nil))
            for ward in 1...perCity where (city - 1) * perCity + ward <= wards {
                areas.append(Area(code: "\(cityCode)-p-\(pad(ward, 3))", name: "Phường \(ward) (TP \(city))", kind: .ward,
                                  parentCode: cityCode, validFrom: start, validTo: nil))
            }
        }
        return (areas, [])
    }
}
