import Testing
@testable import WardCore

/// `generate --wards N [--city-wards K]`: one province, cities of K wards (50 unless said).
struct SyntheticDatasetTests {
    static func wardsPerCity(_ wards: Int, _ perCity: Int) -> [String: Int] {
        let (areas, successions) = DatasetGenerator.syntheticAreas(wards: wards, perCity: perCity)
        #expect(successions.isEmpty)
        #expect(areas.filter { $0.kind == .province }.count == 1)
        return Dictionary(grouping: areas.filter { $0.kind == .ward }, by: { $0.parentCode ?? "" }).mapValues(\.count)
    }

    @Test func citiesHoldTheWardsAskedFor() {
        #expect(Self.wardsPerCity(1000, 50).values.sorted() == Array(repeating: 50, count: 20))
        #expect(Self.wardsPerCity(1000, 100).values.sorted() == Array(repeating: 100, count: 10))
        #expect(Self.wardsPerCity(120, 100).values.sorted() == [20, 100], "the last city holds the rest")
        #expect(DatasetGenerator(wards: 1000).cityWards == 50)
    }
}
