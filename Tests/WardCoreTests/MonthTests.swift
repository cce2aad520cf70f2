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

@Suite struct ReportingPeriodTests {
    let vietnam = TimeZone(identifier: "Asia/Ho_Chi_Minh")!

    func at(_ text: String) throws -> Date { try Rules.timestamp(text) }

    @Test func lateEveningLocalTimeIsStillThatMonth() throws {
        let calendar = try ReportingPeriod(cutoffDay: 1, timeZone: vietnam)
        // 16:30Z on the 30th is 23:30 in Hà Nội/Long Xuyên: still November.
        #expect(calendar.month(of: try at("2023-11-30T23:30:00+07:00")).description == "2023-11")
        #expect(calendar.month(of: try at("2023-11-30T17:30:00Z")).description == "2023-12")
        #expect(calendar.month(of: try at("2023-12-31T23:59:59+07:00")).description == "2023-12")
        #expect(calendar.month(of: try at("2024-01-01T00:00:00+07:00")).description == "2024-01")
        #expect(calendar.month(of: try at("2024-02-29T12:00:00+07:00")).description == "2024-02")
    }

    @Test func cutOffDayFifteen() throws {
        let decree09 = try ReportingPeriod(cutoffDay: 15, timeZone: vietnam)
        #expect(decree09.month(of: try at("2023-11-14T23:59:59+07:00")).description == "2023-11")
        #expect(decree09.month(of: try at("2023-11-15T00:00:00+07:00")).description == "2023-12")
        #expect(decree09.month(of: try at("2023-10-15T00:00:00+07:00")).description == "2023-11")
        // Across the year: 20 December belongs to January's report.
        #expect(decree09.month(of: try at("2023-12-20T08:00:00+07:00")).description == "2024-01")
        let (start, end) = decree09.dates(of: try #require(Month("2023-11")))
        #expect(start.description == "2023-10-15" && end.description == "2023-11-14")
        let (janStart, janEnd) = decree09.dates(of: try #require(Month("2024-01")))
        #expect(janStart.description == "2023-12-15" && janEnd.description == "2024-01-14")
        #expect(throws: RuleViolation.self) { try ReportingPeriod(cutoffDay: 29, timeZone: vietnam) }
    }

    @Test func calendarPeriodDates() throws {
        let calendar = try ReportingPeriod(cutoffDay: 1, timeZone: vietnam)
        let (start, end) = calendar.dates(of: try #require(Month("2024-02")))
        #expect(start.description == "2024-02-01" && end.description == "2024-02-29")
    }
}

@Suite struct RulesTests {
    @Test func codesAndValues() throws {
        #expect(try Rules.areaCode("my-long") == "my-long")
        #expect(throws: RuleViolation.self) { try Rules.areaCode("Mỹ Long") }
        #expect(throws: RuleViolation.self) { try Rules.areaCode("") }
        #expect(throws: RuleViolation.self) { try Rules.areaCode(String(repeating: "a", count: 65)) }
        #expect(try Rules.reportedValue("12", kind: .count) == "12")
        #expect(try Rules.reportedValue("-1500000", kind: .amount) == "-1500000")
        let negative = #expect(throws: RuleViolation.self) { try Rules.reportedValue("-3", kind: .count) }
        #expect(negative?.message.contains("negative") == true)
        let ratio = #expect(throws: RuleViolation.self) { try Rules.reportedValue("95", kind: .ratio) }
        #expect(ratio?.message.contains("never reported") == true)
        #expect(throws: RuleViolation.self) { try Rules.reportedValue("12abc", kind: .count) }
        #expect(throws: RuleViolation.self) { try Rules.reportedValue("1e5", kind: .amount) }
    }

    @Test func namesAreStoredInNFC() throws {
        let nfd = "Mỹ Long".decomposedStringWithCanonicalMapping
        let stored = try Rules.name(nfd)
        #expect(Array(stored.utf8) == Array("Mỹ Long".precomposedStringWithCanonicalMapping.utf8))
    }
}

@Suite struct SHA256Tests {
    @Test func knownVectors() {
        #expect(SHA256.hex(SHA256.hash([UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        var incremental = SHA256()
        for _ in 0..<1000 { incremental.update(Array(repeating: UInt8(ascii: "a"), count: 1000)) }
        #expect(SHA256.hex(incremental.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
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
