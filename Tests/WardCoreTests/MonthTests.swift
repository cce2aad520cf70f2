import Foundation
import Testing
import WardCore

@Suite struct MonthTests {
    @Test func parsesAndFormats() {
        #expect(Month("2025-07")?.description == "2025-07")
        #expect(Month("2025-7") == nil)
        #expect(Month("2025-13") == nil)
        #expect(Month("2025-00") == nil)
        #expect(Month("25-07-1") == nil)
        #expect(Month("2025/07") == nil)
        #expect(Month("２０２５-07") == nil)
    }

    @Test func arithmeticAcrossTheYearBoundary() throws {
        let december = try #require(Month("2024-12"))
        #expect(december.next.description == "2025-01")
        #expect(december.next.previous == december)
        #expect(try #require(Month("2025-01")).previous.description == "2024-12")
        #expect(december.yearAgo.description == "2023-12")
        #expect(december.adding(months: 25).description == "2027-01")
        #expect(try #require(Month("2025-03")).january.description == "2025-01")
        #expect(try #require(Month("2024-11")).through(try #require(Month("2025-02"))).map(\.description) == ["2024-11", "2024-12", "2025-01", "2025-02"])
    }

    @Test func leapDays() throws {
        #expect(try #require(Month("2024-02")).dayCount == 29)
        #expect(try #require(Month("2023-02")).dayCount == 28)
        #expect(try #require(Month("1900-02")).dayCount == 28)
        #expect(try #require(Month("2000-02")).dayCount == 29)
        #expect(LocalDate("2024-02-29") != nil)
        #expect(LocalDate("2023-02-29") == nil)
    }
}

@Suite struct RulesTests {
    @Test func codesAndNumbers() throws {
        #expect(try Code.check("my-long", .area, field: "area_code") == "my-long")
        #expect(throws: RuleViolation.self) { try Code.check("Mỹ Long", .area, field: "area_code") }
        #expect(throws: RuleViolation.self) { try Code.check("", .area, field: "area_code") }
        #expect(throws: RuleViolation.self) { try Code.check(String(repeating: "a", count: 65), .area, field: "area_code") }
        #expect(try Code.check("thefts", .area, field: "area_code") == "thefts")
        #expect(throws: RuleViolation.self) { try Code.check("public-disorder", .indicator, field: "indicator") }
        let nul = #expect(throws: RuleViolation.self) { try Code.check("my-binh\u{0}x", .area, field: "areas") }
        #expect(nul?.message == "'my-binh\\u{0}x' may only contain lowercase a–z, digits and '-'", "a NUL byte is shown escaped")
        #expect(try Rules.decimal(" 12.50 ", field: "value") == ExactDecimal(canonical: "12.5"))
        #expect(try Rules.decimal("-0.0", field: "value") == 0)
        #expect(try Rules.decimal("007", field: "value").text == "7")
        for bad in ["12abc", "1e5", "", "-", ".", "1.2.3", "--1"] {
            #expect(throws: RuleViolation.self, "\(bad)") { try Rules.decimal(bad, field: "value") }
        }
        #expect(ExactDecimal(canonical: "-2") < ExactDecimal(canonical: "-1.5"))
        #expect(ExactDecimal(canonical: "1.05") < ExactDecimal(canonical: "1.5"))
        #expect(ExactDecimal(canonical: "10") > ExactDecimal(canonical: "9.99"))
        #expect(ExactDecimal(canonical: "2.5").isWhole == false && ExactDecimal(canonical: "25").isWhole)
    }

    @Test func namesAreStoredInNFC() throws {
        let nfd = "Mỹ Long".decomposedStringWithCanonicalMapping
        let stored = try Rules.name(nfd)
        #expect(Array(stored.utf8) == Array("Mỹ Long".precomposedStringWithCanonicalMapping.utf8))
    }
}

@Suite struct TimestampTests {
    @Test func parsesOffsetsAndFractions() throws {
        #expect(try Rules.epochSeconds("2023-11-30T23:30:00+07:00") == 1_701_361_800)
        #expect(try Rules.epochSeconds("2023-11-30T16:30:00Z") == 1_701_361_800)
        #expect(try Rules.epochSeconds("2023-11-30T16:30:00.250Z") == 1_701_361_800.25)
        #expect(try Rules.epochSeconds("2024-02-29T00:00:00-05:30") == 1_709_184_600)
        for bad in ["2023-11-30", "2023-11-30T23:30:00", "2023-02-30T00:00:00Z", "2023-11-30T25:00:00Z", "yesterday", "2023-11-30T23:30:00+07:00x"] {
            #expect(throws: RuleViolation.self, "\(bad)") { try Rules.epochSeconds(bad) }
        }
    }
}
