import WardTestSupport
import Foundation
import PQ
import Testing
import WardCore
@_spi(Testing) @testable import WardStore

/// The rules that live in the database program, called as every path calls them: periods
/// (sql/functions/periods.sql), the reporting rules (report_rules.sql), the code domains.
@Suite struct DatabaseRuleTests {
    @Test func factsArePlacedByLocalTimeAndCutOffDay() async throws {
        try await TestStore.withDatabase { database, _ in
            func period(_ at: String, _ cutoff: Int) async throws -> String? {
                try await database.pool.scalar("SELECT to_char(wb_period(\(at)::timestamptz, \(Int32(cutoff)), 'Asia/Ho_Chi_Minh'), 'YYYY-MM')", as: String.self)
            }
            // 16:30Z on the 30th is 23:30 in Long Xuyên: still November.
            #expect(try await period("2023-11-30T23:30:00+07:00", 1) == "2023-11")
            #expect(try await period("2023-11-30T17:30:00Z", 1) == "2023-12")
            #expect(try await period("2023-12-31T23:59:59+07:00", 1) == "2023-12")
            #expect(try await period("2024-01-01T00:00:00+07:00", 1) == "2024-01")
            // Decree 09: report "2023-11" covers 15 October to 14 November.
            #expect(try await period("2023-11-14T23:59:59+07:00", 15) == "2023-11")
            #expect(try await period("2023-11-15T00:00:00+07:00", 15) == "2023-12")
            #expect(try await period("2023-10-15T00:00:00+07:00", 15) == "2023-11")
            #expect(try await period("2023-12-20T08:00:00+07:00", 15) == "2024-01")
            let dates = try await database.pool.query("""
                SELECT wb_period_start('2023-11-01', 15)::text, wb_period_end('2023-11-01', 15)::text,
                       wb_period_start('2024-01-01', 15)::text, wb_period_end('2024-01-01', 15)::text,
                       wb_period_start('2024-02-01', 1)::text, wb_period_end('2024-02-01', 1)::text
                """)[0].decode((String, String, String, String, String, String).self)
            #expect(dates == ("2023-10-15", "2023-11-14", "2023-12-15", "2024-01-14", "2024-02-01", "2024-02-29"))
        }
    }

    /// The facts of the current half-month of a cut-off-15 indicator belong to next month's
    /// report, which is in progress, not in the future (they were refused before).
    @Test func theCurrentPeriodOfACutOffIndicatorIsNotTheFuture() async throws {
        try await TestStore.withDatabase { database, _ in
            try await database.pool.withConnection { try await $0.execute(unsafeSQL: """
                INSERT INTO area_codes VALUES ('w');
                INSERT INTO areas (code, name, kind, valid_from) VALUES ('w', 'Phường W', 'ward', '2000-01-01');
                INSERT INTO indicators (code, name_vi, name_en, unit, kind, direction, category, cutoff_day)
                  VALUES ('incidents15', 'Vụ việc', 'Incidents', 'cases', 'count', 'lower_is_better', 'order', 15);
                SELECT set_config('timezone', 'Asia/Ho_Chi_Minh', false);
                """) }
            // Today's facts: their period may be next month's (from the 15th on); that is allowed.
            try await database.pool.execute("INSERT INTO facts (area_code, indicator_code, occurred_at) VALUES ('w', 'incidents15', now() - interval '1 minute')")
            let current = try #require(try await database.pool.scalar("SELECT to_char(wb_period(now(), 15, 'Asia/Ho_Chi_Minh'), 'YYYY-MM')", as: String.self))
            try await database.pool.execute("INSERT INTO observations (area_code, indicator_code, month, value) VALUES ('w', 'incidents15', to_date(\(current), 'YYYY-MM'), 3)")
            // A fact an hour from now, or a report of the period after the current one, is refused.
            let later = await #expect(throws: PQError.self) {
                try await database.pool.execute("INSERT INTO facts (area_code, indicator_code, occurred_at) VALUES ('w', 'incidents15', now() + interval '1 hour')")
            }
            #expect(later?.message.contains("is in the future") == true)
            let next = await #expect(throws: PQError.self) {
                try await database.pool.execute("INSERT INTO observations (area_code, indicator_code, month, value) VALUES ('w', 'incidents15', to_date(\(current), 'YYYY-MM') + interval '1 month', 3)")
            }
            #expect(next?.message.contains("is in the future") == true)
        }
    }

    @Test func countsAndStocksAreWholeNumbersWhateverThePath() async throws {
        try await TestStore.withDatabase { database, _ in
            _ = try await TestStore.importer(database).importDirectory(try TestStore.folder(ImportTests.base))
            let observation = await #expect(throws: PQError.self) {
                try await database.pool.execute("INSERT INTO observations (area_code, indicator_code, month, value) VALUES ('my-long', 'thefts', '2025-01-01', 2.5)")
            }
            #expect(observation?.message == "observation for area my-long, indicator thefts, month 2025-01: a count is a whole number of cases")
            let fact = await #expect(throws: PQError.self) {
                try await database.pool.execute("INSERT INTO facts (area_code, indicator_code, occurred_at, amount) VALUES ('my-long', 'thefts', '2025-01-02T10:00:00+07:00', 0.5)")
            }
            #expect(fact?.message.contains("a count is a whole number") == true)
            try await database.pool.execute("INSERT INTO observations (area_code, indicator_code, month, value) VALUES ('my-long', 'thefts', '2025-01-01', 2.0)")
        }
    }

    /// WardCore's `Code` and the database's code domains accept exactly the same strings.
    @Test func theSwiftCodeRuleAndTheDomainsAgree() async throws {
        try await TestStore.withDatabase { database, _ in
            var rng = SplitMix64(seed: 7)
            let alphabet = Array("abcz09-_AZ .đ/".unicodeScalars)
            var samples = ["", "a", String(repeating: "a", count: 64), String(repeating: "a", count: 65), "my-long", "thefts_1", "-", "_", "Mỹ"]
            for _ in 0..<300 {
                let length = Int.random(in: 1...6, using: &rng)
                samples.append(String(String.UnicodeScalarView((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })))
            }
            for sample in samples {
                for (kind, domain) in [(Code.Kind.area, "area_code"), (.indicator, "indicator_code")] {
                    let swift = Code.isValid(sample.utf8, kind)
                    let sql = try await database.pool.withConnection { db in
                        do {
                            try await db.query(Query(unsafeSQL: "SELECT $1::\(domain)", bindings: [sample]))
                            return true
                        } catch let error as PQError where error.isCheckViolation {
                            return false
                        }
                    }
                    #expect(swift == sql, "'\(sample)' as \(domain)")
                }
            }
        }
    }
}
