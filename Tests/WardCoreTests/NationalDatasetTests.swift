import Testing
@testable import WardCore

/// `generate --national`: the country's structure before and after 1 July 2025, as promised.
struct NationalDatasetTests {
    static let (areas, successions) = NationalAreas.make(seed: 2025)
    static let june = Month(year: 2025, month: 6) ?? Month(index: 0)
    static let july = NationalAreas.reorganisation

    static func counting(in month: Month, _ kinds: Set<AreaKind>) -> [Area] {
        areas.filter { kinds.contains($0.kind) && $0.counts(in: month) }
    }

    @Test func theCountryBeforeAndAfterTheReorganisation() {
        let leaves: Set<AreaKind> = [.ward, .commune, .town, .specialZone]
        #expect(Self.counting(in: Self.june, [.province, .city]).filter { $0.parentCode == NationalAreas.country }.count == 63)
        #expect(Self.counting(in: Self.july, [.province, .city]).filter { $0.parentCode == NationalAreas.country }.count == 34)
        #expect(Self.counting(in: Self.june, leaves).count == 10_000)
        #expect(Self.counting(in: Self.july, leaves).count == 3_321)
        #expect(Self.counting(in: Self.july, [.specialZone]).count == 13)
        let districts = Self.counting(in: Self.june, [.district, .city]).filter { $0.parentCode != NationalAreas.country }
        #expect((650...760).contains(districts.count))
        #expect(Self.counting(in: Self.july, [.district]).isEmpty, "the district level is gone")
        // After July every leaf sits directly under a province of the 34.
        let provinces = Set(Self.counting(in: Self.july, [.province, .city]).map(\.code))
        #expect(Self.counting(in: Self.july, leaves).allSatisfy { $0.parentCode.map(provinces.contains) == true })
        // And every province of the 34 has some.
        #expect(Set(Self.counting(in: Self.july, leaves).compactMap(\.parentCode)) == provinces)
        // Codes are unique per validity period, and valid.
        for (code, rows) in Dictionary(grouping: Self.areas, by: \.code) {
            #expect(Code.isValid(code.utf8, .area), "\(code)")
            let sorted = rows.sorted { $0.validFrom < $1.validFrom }
            for (a, b) in zip(sorted, sorted.dropFirst()) { #expect(a.validTo.map { $0 < b.validFrom } == true, "\(code) overlaps") }
        }
    }

    @Test func successionsFollowDataMDRules() {
        let rows = Dictionary(grouping: Self.areas, by: \.code)
        var shares = [String: Double]()
        for s in Self.successions {
            #expect(s.fromCode != s.toCode)
            #expect(!(rows[s.fromCode] ?? []).contains { $0.counts(in: s.effectiveMonth) }, "\(s.fromCode) must end before \(s.effectiveMonth)")
            #expect((rows[s.toCode] ?? []).contains { $0.counts(in: s.effectiveMonth) }, "\(s.toCode) must count in \(s.effectiveMonth)")
            shares[s.fromCode, default: 0] += Double(s.share) ?? 0
        }
        #expect(shares.values.allSatisfy { $0 <= 1.000001 })
        // Every leaf that ends goes somewhere: the whole territory continues.
        let ended = Self.counting(in: Self.june, [.ward, .commune, .town]).filter { !$0.counts(in: Self.july) }
        let continuing = Set(Self.counting(in: Self.july, [.ward, .commune]).map(\.code))
        let lost = ended.filter { abs((shares[$0.code] ?? 0) - 1) > 1e-9 && !continuing.contains($0.code) }
        #expect(lost.isEmpty, "\(lost.prefix(3).map(\.code))")
        #expect(Self.successions.contains { $0.share != "1" }, "some splits with shares")
        #expect(Self.successions.contains { s in continuing.contains(s.toCode) }, "some continuing units absorb others")
        let provinces = Set(Self.areas.filter { $0.parentCode == NationalAreas.country }.map(\.code))
        #expect(Set(Self.successions.filter { provinces.contains($0.toCode) }.map(\.toCode)).count == 23, "23 provinces absorb others")
    }

    @Test func theSameSeedWritesTheSameRows() throws {
        var first = [String](), second = [String]()
        let generator = DatasetGenerator(seed: 7, lastMonth: NationalAreas.reorganisation, national: true, indicatorCount: 19, from: Month(year: 2025, month: 6))
        try generator.generate { file, fields in if file != .observations { first.append(fields.joined(separator: ",")) } }
        try generator.generate { file, fields in if file != .observations { second.append(fields.joined(separator: ",")) } }
        #expect(first == second)
        var indicators = [String]()
        try generator.generate { file, fields in if file == .indicators { indicators.append(fields[0]) } }
        // 19 of the 20: the review's 16 and three more, not the last ratio.
        #expect(indicators.dropFirst().count == 19 && !indicators.contains("admin_online_pct") && indicators.contains("admin_online"))
    }
}
