import Foundation
import PQ
import Testing

struct Boom: Error {}

@Suite struct TransactionCopyTests {
    @Test func transactionCommitsOrRollsBack() async throws {
        try await TestDatabase.withConnection { db in
            try await db.execute(unsafeSQL: "CREATE TABLE t (v int)")
            try await db.withTransaction { tx in try await tx.execute("INSERT INTO t VALUES (\(1))") }
            await #expect(throws: Boom.self) {
                try await db.withTransaction { tx in
                    try await tx.execute("INSERT INTO t VALUES (\(2))")
                    throw Boom()
                }
            }
            #expect(!db.isInTransaction)
            #expect(try await db.query("SELECT v FROM t").map { try $0.decode(0, as: Int.self) } == [1])
            let level = try await db.withTransaction(level: .serializable, readOnly: true) { tx in
                try await tx.scalar("SELECT current_setting('transaction_isolation')", as: String.self)
            }
            #expect(level == "serializable")
        }
    }

    /// A transaction importing another's exported snapshot reads what that one reads, not what
    /// committed since (pg_dump's parallel jobs); an id not of the server's form never reaches it.
    @Test func anExportedSnapshotIsSharedBetweenConnections() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let first = try await Connection.connect(.init(url, applicationName: "pq-tests"), logger: TestDatabase.logger)
            let second = try await Connection.connect(.init(url, applicationName: "pq-tests"), logger: TestDatabase.logger)
            let writer = try await Connection.connect(.init(url, applicationName: "pq-tests"), logger: TestDatabase.logger)
            try await writer.execute(unsafeSQL: "CREATE TABLE t (v int); INSERT INTO t VALUES (1)")
            let seen = try await first.withTransaction(level: .repeatableRead) { tx in
                let snapshot = try await tx.exportSnapshot()
                try await writer.execute("INSERT INTO t VALUES (\(2))")
                let shared = try await second.withTransaction(level: .repeatableRead, snapshot: snapshot) {
                    try await $0.scalar("SELECT count(*) FROM t", as: Int.self)
                }
                let own = try await second.withTransaction(level: .repeatableRead) {
                    try await $0.scalar("SELECT count(*) FROM t", as: Int.self)
                }
                return [shared, own]
            }
            #expect(seen == [1, 2], "the imported snapshot predates the second row; a new one sees it")
            // Once the exporting transaction has ended, the snapshot is gone: the import fails and
            // the transaction is rolled back, the connection usable.
            let gone = try await first.withTransaction(level: .repeatableRead) { try await $0.exportSnapshot() }
            await #expect(throws: PQError.self) {
                try await second.withTransaction(level: .repeatableRead, snapshot: gone) { _ in }
            }
            #expect(!second.isInTransaction)
            #expect(try await second.scalar("SELECT count(*) FROM t", as: Int.self) == 2)
            #expect(ExportedSnapshot(id: "00000003-0000001B-1") != nil)
            #expect(ExportedSnapshot(id: "1'; DROP TABLE t; --") == nil)
            #expect(ExportedSnapshot(id: "") == nil)
            for connection in [first, second, writer] { await connection.close() }
        }
    }

    @Test func copyTextAndBinaryReturnRowCounts() async throws {
        try await TestDatabase.withConnection { db in
            try await db.execute(unsafeSQL: "CREATE TABLE t (id int8, name text, amount numeric, day date, at timestamptz)")
            let at = Date(timeIntervalSince1970: 1_701_361_800.123456)
            for format in [CopyFormat.text, .binary] {
                try await db.execute(unsafeSQL: "TRUNCATE t")
                let count = try await db.copy(into: "t", columns: ["id", "name", "amount", "day", "at"], format: format) { writer in
                    try await writer.write([Int64(1), "tab\there\nnewline \\ back", Numeric("12.50"), SQLDate(year: 2024, month: 2, day: 29), at])
                    try await writer.write([Int64(2), String?.none, Numeric?.none, SQLDate?.none, Date?.none])
                }
                #expect(count == 2)
                let rows = try await db.query("SELECT id, name, amount, day, at FROM t ORDER BY id")
                let (id, name, amount, day, stamp) = try rows[0].decode((Int64, String, Numeric, SQLDate, Date).self)
                #expect(id == 1 && name == "tab\there\nnewline \\ back" && amount.description == "12.50")
                #expect(day.description == "2024-02-29")
                #expect(abs(stamp.timeIntervalSince1970 - at.timeIntervalSince1970) < 0.000_001)
                #expect(try rows[1].decode(1, as: String?.self) == nil)
            }
        }
    }

    @Test func copyWithOneBadRowLeavesTheTableEmpty() async throws {
        try await TestDatabase.withConnection { db in
            try await db.execute(unsafeSQL: "CREATE TABLE t (id int4 CHECK (id > 0), name text NOT NULL)")
            let error = await #expect(throws: PQError.self) {
                try await db.copy(into: "t", columns: ["id", "name"], format: .text) { writer in
                    for index in 1...5000 { try await writer.write([Int32(index == 4000 ? -1 : Int32(index)), "ward \(index)"]) }
                }
            }
            #expect(error?.isCheckViolation == true)
            #expect(try await db.scalar("SELECT count(*) FROM t", as: Int.self) == 0)
            // A client-side failure mid-stream also aborts.
            await #expect(throws: Boom.self) {
                try await db.copy(into: "t", columns: ["id", "name"]) { writer in
                    try await writer.write([Int32(1), "ok"])
                    throw Boom()
                }
            }
            #expect(try await db.scalar("SELECT count(*) FROM t", as: Int.self) == 0)
        }
    }

    @Test func copyFromAnAsyncSequence() async throws {
        try await TestDatabase.withConnection { db in
            try await db.execute(unsafeSQL: "CREATE TABLE t (id int8, label text)")
            let rows = AsyncStream<[any SQLEncodable]> { continuation in
                for index in 0..<10_000 { continuation.yield([Int64(index), "row \(index)"]) }
                continuation.finish()
            }
            let count = try await db.copy(into: "t", columns: ["id", "label"], rows: rows)
            #expect(count == 10_000)
            #expect(try await db.scalar("SELECT sum(id) FROM t", as: Numeric.self) == Numeric(49_995_000))
        }
    }

    @Test func preparedStatementsSurviveAlterTable() async throws {
        try await TestDatabase.withConnection { db in
            try await db.execute(unsafeSQL: "CREATE TABLE t (a int); INSERT INTO t VALUES (1)")
            let query: Query = "SELECT * FROM t WHERE a >= \(0)"
            #expect(try await db.query(query).columns.count == 1)
            #expect(db.preparedStatementCount >= 1)
            try await db.execute(unsafeSQL: "ALTER TABLE t ADD COLUMN b text DEFAULT 'x'")
            let after = try await db.query(query)
            #expect(after.columns.names == ["a", "b"])
            #expect(try after[0].decode(1, as: String.self) == "x")
        }
    }

    @Test func largeResultsStreamRowByRow() async throws {
        try await TestDatabase.withConnection { db in
            var sum: Int64 = 0
            var count = 0
            for try await row in try await db.stream("SELECT g::int8 FROM generate_series(1, \(100_000)) g") {
                sum += try row.decode(0, as: Int64.self)
                count += 1
            }
            #expect(count == 100_000 && sum == 5_000_050_000)
            // An abandoned stream does not poison the connection.
            var seen = 0
            for try await _ in try await db.stream("SELECT g FROM generate_series(1, \(1_000_000)) g") {
                seen += 1
                if seen == 10 { break }
            }
            #expect(try await db.scalar("SELECT 41 + 1", as: Int.self) == 42)
            // An error in the middle of a stream is thrown to the iterating task.
            await #expect(throws: PQError.self) {
                for try await _ in try await db.stream("SELECT 1 / (g - 3000) FROM generate_series(1, 5000) g") {}
            }
            #expect(try await db.scalar("SELECT 7", as: Int.self) == 7)
        }
    }

    @Test func rowsKeptFromAStreamStayReadable() async throws {
        try await TestDatabase.withConnection { db in
            // Rows outlive the batch they came in (batches are freed as the stream moves on).
            var kept = [Row]()
            for try await row in try await db.stream("SELECT g::int8, 'phường ' || g FROM generate_series(1, 2000) g") {
                kept.append(row)
            }
            let wrong = try kept.enumerated().filter { index, row in
                try row.decode((Int64, String).self) != (Int64(index + 1), "phường \(index + 1)")
            }
            #expect(kept.count == 2000 && wrong.isEmpty)
            // A stream dropped while its next batch is being read ahead, then at once another
            // statement on the same connection: the new one gets all its own rows and no others.
            for stop in [1, 255, 256, 257, 300, 1000] {
                var seen = 0
                for try await _ in try await db.stream("SELECT g FROM generate_series(1, 100000) g") {
                    seen += 1
                    if seen == stop { break }
                }
                var count = 0
                var sum: Int64 = 0
                for try await row in try await db.stream("SELECT g::int8 FROM generate_series(1, 1000) g") {
                    count += 1
                    sum += try row.decode(0, as: Int64.self)
                }
                #expect(count == 1000 && sum == 500_500, "after stopping at row \(stop)")
                #expect(try await db.scalar("SELECT 6 * 7", as: Int.self) == 42)
            }
        }
    }

    @Test func oneStatementAtATimePerConnection() async throws {
        try await TestDatabase.withConnection { db in
            async let slow: Void = { _ = try await db.query("SELECT pg_sleep(0.3)") }()
            try await Task.sleep(for: .milliseconds(50))
            let error = await #expect(throws: PQError.self) { try await db.query("SELECT 1") }
            #expect(error?.code == .connectionBusy)
            try await slow
        }
    }
}
