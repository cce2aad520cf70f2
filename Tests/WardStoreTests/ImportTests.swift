import WardTestSupport
import Foundation
import PQ
import Testing
import WardCore
@_spi(Testing) @testable import WardStore

@Suite struct ImportTests {
    static let base: [String: String] = [
        "areas.csv": """
            code,name,kind,parent_code,valid_from,valid_to
            an-giang,Tỉnh An Giang,province,,2000-01-01,
            my-long,Phường Mỹ Long,ward,an-giang,2000-01-01,2025-06-30
            long-xuyen,Phường Long Xuyên,ward,an-giang,2025-07-01,

            """,
        "indicators.csv": """
            code,name_vi,name_en,unit,kind,direction,category,numerator,denominator,cutoff_day
            thefts,Trộm cắp,Thefts,cases,count,lower_is_better,public_order,,,
            received,Hồ sơ tiếp nhận,Received,records,count,neutral,admin,,,15
            on_time,Đúng hạn,On time,records,count,higher_is_better,admin,,,15
            on_time_pct,Tỷ lệ đúng hạn,On-time share,percent,ratio,higher_is_better,admin,on_time,received,15

            """,
    ]

    func importer(_ database: Database) -> Importer { TestStore.importer(database) }

    func loadBase(_ database: Database) async throws {
        _ = try await importer(database).importDirectory(try TestStore.folder(Self.base))
    }

    /// Imports a bad observations/facts file; returns the error after checking nothing was written.
    func rejected(_ file: String, _ text: String, _ database: Database) async throws -> ImportError {
        let before = try await database.pool.scalar("SELECT (SELECT count(*) FROM observations) + (SELECT count(*) FROM facts)", as: Int.self)
        let folder = try TestStore.folder([file: text])
        let error = try #require(await #expect(throws: ImportError.self) {
            _ = try await importer(database).importFile(folder.appendingPathComponent(file))
        })
        let after = try await database.pool.scalar("SELECT (SELECT count(*) FROM observations) + (SELECT count(*) FROM facts)", as: Int.self)
        #expect(before == after, "nothing from a bad file is written")
        return error
    }

    @Test func everyBadRowIsReportedByLineAndColumnAndNothingIsWritten() async throws {
        try await TestStore.withDatabase { database, _ in
            try await loadBase(database)
            let error = try await rejected("observations.csv", """
                area_code,indicator_code,month,value
                my-long,thefts,2025-01,3
                nowhere,thefts,2025-01,3
                my-long,burglary,2025-01,3
                my-long,thefts,2025/01,3
                my-long,thefts,2025-02,-2
                my-long,on_time_pct,2025-01,95
                my-long,thefts,2025-03,twelve
                my-long,thefts,2099-01,1
                my-long,thefts,2025-08,1
                an-giang,thefts,2025-01,1
                my-long,thefts,2025-01,4

                """, database)
            let text = error.description
            #expect(text.contains("observations.csv:3: area_code: unknown area 'nowhere'"))
            #expect(text.contains("observations.csv:4: indicator_code: unknown indicator 'burglary'"))
            #expect(text.contains("observations.csv:5: month: '2025/01' is not a month in the form YYYY-MM"))
            #expect(text.contains("observations.csv:6: value: a count cannot be negative"))
            #expect(text.contains("observations.csv:7: indicator_code: 'on_time_pct' is a ratio"))
            #expect(text.contains("observations.csv:8: value: 'twelve' is not a number"))
            #expect(text.contains("observations.csv:9: month: 2099-01 is in the future"))
            #expect(text.contains("observations.csv:10: month: area 'my-long' does not exist in 2025-08"))
            #expect(text.contains("observations.csv:11: month: 'an-giang' is a province in 2025-01: only wards, communes, towns and special zones report"))
            #expect(text.contains("observations.csv:12: month: the same area, indicator and month as line 2"))
            #expect(error.total == 11, "line 9 has two problems: in the future, and Mỹ Long did not exist then")
        }
    }

    @Test func fileLevelProblemsHaveTheirOwnMessages() async throws {
        try await TestStore.withDatabase { database, _ in
            try await loadBase(database)
            let empty = try await rejected("observations.csv", "", database)
            #expect(empty.description.contains("the file is empty: expected a header row area_code,indicator_code,month,value"))
            let missing = try await rejected("observations.csv", "area_code,indicator_code,month\nmy-long,thefts,2025-01\n", database)
            #expect(missing.description.contains("missing column value"))
            let extra = try await rejected("observations.csv", "area_code,indicator_code,month,value,note\nmy-long,thefts,2025-01,1,x\n", database)
            #expect(extra.description.contains("unexpected column note"))
            let json = try await rejected("observations.csv", "{\"area\": \"my-long\", \"value\": 3}\n", database)
            #expect(json.description.contains("is not a observations.csv header") || json.description.contains("broken quoting"))
            let binary = try await rejected("observations.csv", String(decoding: [0x89, 0x50, 0x4E, 0x47, 0x00, 0x0A], as: UTF8.self), database)
            #expect(binary.description.contains("binary data"))
            let quoting = try await rejected("observations.csv", "area_code,indicator_code,month,value\nmy-long,\"thefts,2025-01,3\n", database)
            #expect(quoting.description.contains("observations.csv:2: -: broken quoting"))
            let folder = try TestStore.folder([:])
            let latin1 = folder.appendingPathComponent("observations.csv")
            try Data("area_code,indicator_code,month,value\nmy-long,thefts,2025-01,3\nm".utf8 + [0xFC] + Data("-long,thefts,2025-02,3\n".utf8)).write(to: latin1)
            let notUTF8 = try #require(await #expect(throws: ImportError.self) { _ = try await importer(database).importFile(latin1) })
            #expect(notUTF8.description.contains("observations.csv:3: -: the text is not valid UTF-8"))
            let columns = try await rejected("observations.csv", "area_code,indicator_code,month,value\nmy-long,thefts,2025-01\n", database)
            #expect(columns.description.contains("observations.csv:2: -: expected 4 fields"))
        }
    }

    @Test func factsAreCheckedByTheirPeriodAndLoadedOnce() async throws {
        try await TestStore.withDatabase { database, _ in
            try await loadBase(database)
            let bad = try await rejected("facts.csv", """
                area_code,indicator_code,occurred_at,amount
                my-long,thefts,2025-06-30T23:59:59+07:00,1
                my-long,thefts,2025-06-30T17:00:00Z,1
                my-long,thefts,yesterday,1

                """, database)
            // 17:00Z on 30 June is 00:00 on 1 July in Vietnam, when Mỹ Long no longer exists.
            #expect(bad.description.contains("facts.csv:3: occurred_at: area 'my-long' does not exist in 2025-07"))
            #expect(bad.description.contains("facts.csv:4: occurred_at: 'yesterday' is not an ISO 8601 timestamp"))
            let good = try TestStore.folder(["facts.csv": "area_code,indicator_code,occurred_at,amount\nmy-long,thefts,2025-06-30T23:59:59+07:00,\nmy-long,thefts,2025-06-30T23:59:59+07:00,1\n"])
            let first = try await importer(database).importFile(good.appendingPathComponent("facts.csv"))
            #expect(first.changed == 2)
            let second = try await importer(database).importFile(good.appendingPathComponent("facts.csv"))
            #expect(second.skipped != nil)
            #expect(try await FactRepository(database).count(area: "my-long", indicator: "thefts") == 2)
        }
    }

    /// A plain facts file takes the fast lane (COPY straight into facts); a quoted one the careful
    /// path; both give the same facts, sums and batch. What the foreign keys did is still done.
    @Test func factsTakeTheFastLaneOrTheCarefulPathWithTheSameResult() async throws {
        try await TestStore.withDatabase { database, _ in
            try await loadBase(database)
            let plain = "occurred_at,amount,indicator_code,area_code\n2025-05-10T08:00:00+07:00,,thefts,my-long\n2025-05-14T23:59:59+07:00,2,received,my-long\n2025-05-15T00:00:00+07:00,3,received,my-long\n"
            let quoted = plain.replacingOccurrences(of: ",my-long", with: ",\"my-long\"")
            var results = [[String]]()
            for (index, text) in [plain, quoted].enumerated() {
                let file = try TestStore.folder(["facts.csv": text]).appendingPathComponent("facts.csv")
                let result = try await importer(database).importFile(file)
                #expect(result.rows == 3 && result.changed == 3)
                #expect(result.stagedLineByLine == (index == 1), "only the quoted file needs the staging table")
                #expect(try await database.pool.scalar("SELECT count(*) FROM fact_sums", as: Int.self) == 0, "the worker sums facts, not the load")
                #expect(try await AggregateRepository(database).sumFacts(batches: 16) == 3)
                #expect(try await AggregateRepository(database).sumFacts(batches: 16) == 0, "a batch is summed once")
                let sums = try await database.pool.query("SELECT indicator_code || ' ' || to_char(month, 'YYYY-MM') || ' ' || amount || ' ' || facts FROM fact_sums ORDER BY 1")
                results.append(try sums.map { try $0.decode(String.self) })
                let batch = try await database.pool.query("SELECT sha256, rows FROM fact_batches ORDER BY id DESC LIMIT 1")[0].decode((String, Int).self)
                #expect(batch.0 == Checksum.sha256Hex(text.utf8) && batch.1 == 3, "the batch records the file's digest and rows")
                if index == 0 {
                    // Deleting the batch deletes its facts and their sums, as ON DELETE CASCADE did.
                    try await database.pool.execute("DELETE FROM fact_batches")
                    #expect(try await database.pool.scalar("SELECT (SELECT count(*) FROM facts) + (SELECT count(*) FROM fact_sums)", as: Int.self) == 0)
                }
            }
            // Cut-off day 15 for `received`: the 15th at midnight opens the next period.
            #expect(results[0] == ["received 2025-05 2 1", "received 2025-06 3 1", "thefts 2025-05 1 1"])
            #expect(results[0] == results[1])
            // A code that facts use cannot go, nor can a fact name a code that does not exist.
            let removed = await #expect(throws: PQError.self) { try await database.pool.execute("DELETE FROM area_codes WHERE code = 'my-long'") }
            #expect(removed?.isForeignKeyViolation == true)
            let unknown = await #expect(throws: StoreError.self) {
                try await FactRepository(database).insert([Fact(areaCode: "no-such-ward", indicatorCode: "thefts", occurredAt: 1_750_000_000, amount: "1")])
            }
            #expect(unknown?.code == .invalidInput && unknown?.message.contains("unknown area 'no-such-ward'") == true)
        }
    }

    /// Facts are checked when they are loaded and summed by the worker afterwards, once per batch:
    /// facts without a batch get their transaction's, a summed batch takes no more facts, deleting
    /// facts takes off only what was summed. Rules are decided on the facts' own periods even
    /// when an area's rows have a gap or change between a file's first and last fact.
    @Test func factsAreSummedOnceByTheWorkerAndCheckedByTheirOwnPeriods() async throws {
        try await TestStore.withDatabase { database, _ in
            try await loadBase(database)
            let pool = database.pool
            let sums = AggregateRepository(database)
            func total() async throws -> String {
                try await pool.scalar("SELECT coalesce(sum(facts), 0) || '/' || coalesce(sum(amount), 0) FROM fact_sums", as: String.self) ?? ""
            }
            // Two statements of one transaction without a batch: one batch, summed once.
            try await pool.withTransaction { db in
                try await db.execute("INSERT INTO facts (area_code, indicator_code, occurred_at, amount) VALUES ('my-long', 'thefts', to_timestamp(1740000000), 2)")
                try await db.execute("INSERT INTO facts (area_code, indicator_code, occurred_at) VALUES ('my-long', 'thefts', '2025-03-01T00:00:00+07:00')")
            }
            let batches = try await pool.query("SELECT id, summed FROM fact_batches").map { try $0.decode((Int64, Bool).self) }
            #expect(batches.count == 1 && batches[0].1 == false)
            #expect(try await total() == "0/0")
            #expect(try await sums.sumFacts(batches: 16) == 2)
            #expect(try await total() == "2/3")
            #expect(try await pool.query("SELECT to_char(month, 'YYYY-MM') FROM aggregate_queue WHERE area_code = 'my-long' AND month < '2025-04-01' ORDER BY 1")
                        .map { try $0.decode(0, as: String.self) } == ["2025-02", "2025-03"], "February and March are queued")
            #expect(try await pool.scalar("SELECT min(first_month)::text FROM indicator_first_months WHERE indicator_code = 'thefts'", as: String.self) == "2025-02-01")
            #expect(try await pool.scalar("SELECT count(*) FROM aggregate_queue WHERE area_code = 'my-long' AND month >= '2025-04-01'", as: Int.self) ?? 0 > 0,
                    "thefts had no value before: the leaves' review from February on is counted again")

            // A summed batch is closed.
            let closed = await #expect(throws: StoreError.self) {
                try await FactRepository(database).insert([Fact(areaCode: "my-long", indicatorCode: "thefts", occurredAt: 1_740_000_000)], batch: batches[0].0)
            }
            #expect(closed?.sqlState == "23503" && closed?.message.contains("summed already") == true)

            // Deleting facts of a batch not yet summed takes nothing off; of a summed one, its share.
            try await pool.execute("INSERT INTO facts (area_code, indicator_code, occurred_at, amount) VALUES ('my-long', 'thefts', '2025-03-02T00:00:00+07:00', 5)")
            try await pool.execute("DELETE FROM fact_batches WHERE NOT summed")
            #expect(try await total() == "2/3")
            try await pool.execute("DELETE FROM facts WHERE amount = 2")
            #expect(try await total() == "1/1")
            #expect(try await sums.sumFacts(batches: 16) == 0)

            // Gaps and renames between a group's first and last fact: the facts' own periods decide.
            try await pool.withConnection { try await $0.execute(unsafeSQL: """
                INSERT INTO area_codes VALUES ('gap-ward'), ('renamed-ward');
                INSERT INTO areas (code, name, kind, parent_code, valid_from, valid_to) VALUES
                  ('gap-ward', 'Phường Khe', 'ward', 'an-giang', '2024-01-01', '2024-03-31'),
                  ('gap-ward', 'Phường Khe', 'ward', 'an-giang', '2024-06-01', NULL),
                  ('renamed-ward', 'Phường Cũ', 'ward', 'an-giang', '2024-01-01', '2024-06-30'),
                  ('renamed-ward', 'Phường Mới', 'ward', 'an-giang', '2024-07-01', NULL);
                """) }
            try await pool.execute("""
                INSERT INTO facts (area_code, indicator_code, occurred_at) VALUES
                  ('gap-ward', 'thefts', '2024-02-10T10:00:00+07:00'), ('gap-ward', 'thefts', '2024-06-10T10:00:00+07:00'),
                  ('renamed-ward', 'thefts', '2024-02-10T10:00:00+07:00'), ('renamed-ward', 'thefts', '2024-09-10T10:00:00+07:00')
                """)
            let gap = await #expect(throws: PQError.self) {
                try await pool.execute("INSERT INTO facts (area_code, indicator_code, occurred_at) VALUES ('gap-ward', 'thefts', '2024-02-10T10:00:00+07:00'), ('gap-ward', 'thefts', '2024-04-30T17:00:00Z')")
            }
            #expect(gap?.message.contains("for area gap-ward, indicator thefts, month 2024-05: area 'gap-ward' does not exist in 2024-05") == true)
            #expect(try await sums.sumFacts(batches: 16) == 4)
            #expect(try await total() == "5/5")
            // A small statement sums itself beside its batch; a large one, or a batch that lost facts
            // before it was summed, is read from the facts. Both give the same sums.
            try await pool.execute("""
                INSERT INTO facts (area_code, indicator_code, occurred_at, amount)
                SELECT 'renamed-ward', 'thefts', '2024-03-01T00:00:00+07:00'::timestamptz + n * interval '1 minute', 2 FROM generate_series(1, 10001) n
                """)
            try await pool.withTransaction { db in
                try await db.execute("INSERT INTO facts (area_code, indicator_code, occurred_at) VALUES ('gap-ward', 'thefts', '2024-06-11T10:00:00+07:00'), ('gap-ward', 'thefts', '2024-06-12T10:00:00+07:00')")
                try await db.execute("DELETE FROM facts WHERE occurred_at = '2024-06-12T10:00:00+07:00'")
            }
            try await pool.execute("INSERT INTO facts (area_code, indicator_code, occurred_at, amount) VALUES ('gap-ward', 'thefts', '2024-07-01T10:00:00+07:00', 3)")
            let waiting = try await pool.query("SELECT sums_complete, (SELECT count(*) FROM fact_batch_sums s WHERE s.batch_id = b.id) FROM fact_batches b WHERE NOT summed ORDER BY id")
                .map { try $0.decode((Bool, Int).self) }
            #expect(waiting.map(\.0) == [false, false, true], "large statement, lost a fact, small statement")
            #expect(waiting[2].1 == 1)
            #expect(try await sums.sumFacts(batches: 16) == 10_003)
            #expect(try await total() == "10008/20011")
            #expect(try await pool.scalar("SELECT count(*) FROM fact_batch_sums", as: Int.self) == 0)
            #expect(try await pool.scalar("SELECT facts || '/' || amount FROM fact_sums WHERE area_code = 'renamed-ward' AND month = '2024-03-01'", as: String.self) == "10001/20002")
            // A code in use by facts not yet summed cannot go either.
            try await pool.execute("INSERT INTO facts (area_code, indicator_code, occurred_at) VALUES ('my-long', 'on_time', '2025-01-05T10:00:00+07:00')")
            let inUse = await #expect(throws: PQError.self) {
                try await pool.withConnection { try await $0.execute(unsafeSQL: "DELETE FROM indicators WHERE code = 'on_time_pct'; DELETE FROM indicators WHERE code = 'on_time'") }
            }
            #expect(inUse?.isForeignKeyViolation == true)
            // A full rebuild sums what is waiting too, from the facts, and drops the batch's own sums.
            #expect(try await pool.scalar("SELECT count(*) FROM fact_batch_sums", as: Int.self) == 1)
            _ = try await sums.rebuild(from: nil)
            #expect(try await pool.scalar("SELECT count(*) FROM fact_batch_sums", as: Int.self) == 0)
            #expect(try await pool.scalar("SELECT count(*) FROM fact_batches WHERE NOT summed", as: Int.self) == 0)
            #expect(try await total() == "10009/20012")
        }
    }

    @Test func importingTheDemoTwiceChangesNothing() async throws {
        try await TestStore.withDatabase { database, _ in
            let first = try await importer(database).importDirectory(TestStore.demoFolder)
            #expect(first.allSatisfy { $0.changed > 0 })
            let counts = "SELECT (SELECT count(*) FROM observations), (SELECT count(*) FROM facts), (SELECT count(*) FROM observation_history), (SELECT count(*) FROM aggregate_rebuild_requests)"
            let before = try await database.pool.query(Query(unsafeSQL: counts))[0].decode((Int, Int, Int, Int).self)
            try await database.pool.execute("DELETE FROM aggregate_rebuild_requests")
            let second = try await importer(database).importDirectory(TestStore.demoFolder)
            #expect(second.allSatisfy { $0.changed == 0 })
            let after = try await database.pool.query(Query(unsafeSQL: counts))[0].decode((Int, Int, Int, Int).self)
            #expect(before.0 == after.0 && before.1 == after.1 && before.2 == after.2)
            #expect(after.3 == 0, "an unchanged areas file does not ask for a rebuild")
        }
    }

    @Test func theDatabaseRefusesGarbageWhateverThePath() async throws {
        try await TestStore.withDatabase { database, _ in
            try await loadBase(database)
            let ratio = await #expect(throws: PQError.self) {
                try await database.pool.execute("INSERT INTO observations (area_code, indicator_code, month, value) VALUES ('my-long', 'on_time_pct', '2025-01-01', 90)")
            }
            #expect(ratio?.constraint == "observations_rules")
            let negative = await #expect(throws: PQError.self) {
                try await database.pool.execute("INSERT INTO observations (area_code, indicator_code, month, value) VALUES ('my-long', 'thefts', '2025-01-01', -1)")
            }
            #expect(negative?.isCheckViolation == true)
            let midMonth = await #expect(throws: PQError.self) {
                try await database.pool.execute("INSERT INTO observations (area_code, indicator_code, month, value) VALUES ('my-long', 'thefts', '2025-01-15', 1)")
            }
            #expect(midMonth?.isCheckViolation == true)
            let badCode = await #expect(throws: PQError.self) { try await database.pool.execute("INSERT INTO area_codes VALUES ('Mỹ Long')") }
            #expect(badCode?.isCheckViolation == true)
            let overlap = await #expect(throws: PQError.self) {
                try await database.pool.execute("INSERT INTO areas (code, name, kind, parent_code, valid_from) VALUES ('my-long', 'Phường Mỹ Long', 'ward', 'an-giang', '2020-01-01')")
            }
            #expect(overlap?.sqlState == .exclusionViolation)
            let nfd = await #expect(throws: PQError.self) {
                try await database.pool.execute("INSERT INTO areas (code, name, kind, valid_from) VALUES ('x', \("Mỹ Long".decomposedStringWithCanonicalMapping), 'ward', '2020-01-01')")
            }
            #expect(nfd != nil)
        }
    }
}
