import WardTestSupport
import Foundation
import PQ
import Testing
import WardCore
@_spi(Testing) @testable import WardStore

/// A database made by the first layout of sql/ (v0.1, migrations 0001-0007, kept in
/// Fixtures/layout-0.1 as that version's main applied them) upgrades in place to v0.2.0.
@Suite(.serialized) struct UpgradeTests {
    static let legacy = TestStore.repositoryRoot.appendingPathComponent("Tests/WardStoreTests/Fixtures/layout-0.1")

    /// A new, empty database (not from the template) for `body`; dropped afterwards.
    func withEmptyDatabase(_ body: (Database) async throws -> Void) async throws {
        let name = "ward_upgrade_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try await Connection.connect(.init(TestStore.serverURL), logger: TestStore.logger)
        try await admin.execute(unsafeSQL: "CREATE DATABASE \(name)")
        let database = TestStore.database(TestStore.url(database: name))
        do {
            try await body(database)
            await database.close()
        } catch {
            await database.close()
            try? await admin.execute(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            throw error
        }
        try await admin.execute(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        await admin.close()
    }

    /// What the first layout's migrator did: each file in its own transaction, recorded with the
    /// SHA-256 of its text.
    func migrateTheFirstLayout(_ database: Database) async throws {
        try await database.pool.withConnection { db in
            try await db.execute(unsafeSQL: """
                CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
                  applied_at timestamptz NOT NULL DEFAULT now())
                """)
            for name in try FileManager.default.contentsOfDirectory(atPath: Self.legacy.path).sorted() {
                let sql = try String(contentsOf: Self.legacy.appendingPathComponent(name), encoding: .utf8)
                try await db.withTransaction { tx in
                    try await tx.execute(unsafeSQL: sql)
                    try await tx.execute("INSERT INTO schema_migrations VALUES (\(Int(name.prefix(4)) ?? 0), \(name), \(Checksum.sha256Hex(sql.utf8)))")
                }
            }
        }
    }

    /// The demo dataset loaded with plain COPY and INSERT, as any client of the first layout could
    /// (its own triggers check the rows), then aggregated by its own full rebuild.
    func loadTheDemo(_ database: Database) async throws {
        func stage(_ file: ImportFile, on db: Connection) async throws {
            let text = try String(contentsOf: TestStore.demoFolder.appendingPathComponent(file.fileName), encoding: .utf8)
            let columns = file.columnNames
            try await db.execute(unsafeSQL: "DROP TABLE IF EXISTS stage; CREATE TEMP TABLE stage (\(columns.map { "\($0) text" }.joined(separator: ", ")))")
            let body = text.split(separator: "\n", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
            try await db.copy(into: "stage", columns: columns, format: .csv) { writer in
                try await writer.write(encoded: Array(body.utf8), rows: body.split(separator: "\n").count)
            }
        }
        try await database.pool.withConnection { db in
            try await stage(.areas, on: db)
            try await db.execute(unsafeSQL: """
                INSERT INTO area_codes SELECT DISTINCT code FROM stage;
                INSERT INTO areas (code, name, kind, parent_code, valid_from, valid_to)
                  SELECT code, name, kind, nullif(parent_code, ''), valid_from::date, nullif(valid_to, '')::date FROM stage;
                """)
            try await stage(.successions, on: db)
            try await db.execute(unsafeSQL: "INSERT INTO successions SELECT from_code, to_code, to_date(effective_month, 'YYYY-MM'), coalesce(nullif(share, '')::numeric, 1) FROM stage")
            try await stage(.indicators, on: db)
            try await db.execute(unsafeSQL: """
                INSERT INTO indicators SELECT code, name_vi, name_en, unit, kind, direction, category, nullif(numerator, ''),
                  nullif(denominator, ''), nullif(cutoff_day, '')::int2 FROM stage
                """)
            try await stage(.observations, on: db)
            try await db.execute(unsafeSQL: "INSERT INTO observations (area_code, indicator_code, month, value) SELECT area_code, indicator_code, to_date(month, 'YYYY-MM'), value::numeric FROM stage")
            try await stage(.facts, on: db)
            try await db.execute(unsafeSQL: "INSERT INTO facts (area_code, indicator_code, occurred_at, amount) SELECT area_code, indicator_code, occurred_at::timestamptz, amount::numeric FROM stage")
            try await stage(.targets, on: db)
            try await db.execute(unsafeSQL: "INSERT INTO targets (area_code, indicator_code, year, target) SELECT area_code, indicator_code, year::int, target::numeric FROM stage")
            try await db.withTransaction { try await $0.query("SELECT wb_rebuild(NULL)") }
        }
    }

    @Test func aDatabaseOfTheFirstLayoutUpgradesInPlaceWithIdenticalAggregates() async throws {
        try await withEmptyDatabase { database in
            try await migrateTheFirstLayout(database)
            try await loadTheDemo(database)
            let before = try await database.aggregateSnapshot(series: false)
            #expect(before.count > 8_000)

            let outcome = try await Migrator(database: database, directory: TestStore.sqlDirectory, logger: TestStore.logger).migrate()
            #expect(outcome.adopted)
            #expect(outcome.functions.count == (try Migrator(database: database, directory: TestStore.sqlDirectory, logger: TestStore.logger).functionFiles().count))
            // The upgraded database is made exactly like a new one: tables, functions, triggers, views.
            let fresh = try await TestStore.withDatabase { new, _ in try await new.schemaSnapshot() }
            #expect(firstDifference(try await database.schemaSnapshot(), fresh) == nil)
            #expect(try await database.pool.scalar("SELECT string_agg(name, ',' ORDER BY version) FROM schema_migrations", as: String.self)
                    == (try Migrator(database: database, directory: TestStore.sqlDirectory, logger: TestStore.logger).migrations().map(\.name).joined(separator: ",")))
            // Nothing reported moved, and the new program computes the same aggregates, row for row.
            #expect(firstDifference(try await database.aggregateSnapshot(series: false), before) == nil)
            _ = try await AggregateRepository(database).rebuild(from: nil)
            #expect(firstDifference(try await database.aggregateSnapshot(series: false), before) == nil)
            // And it keeps them fresh: an edit, then the queue, equals a rebuild.
            try await ObservationRepository(database).upsert(Observation(areaCode: "long-xuyen", indicatorCode: "public_disorder",
                                                                         month: try #require(Month("2026-09")), value: "77"), by: "test")
            while try await AggregateRepository(database).processBatch(limit: 1000).keys > 0 {}
            let incremental = try await database.aggregateSnapshot()
            #expect(firstDifference(incremental, before) != nil)
            _ = try await AggregateRepository(database).rebuild(from: nil)
            #expect(firstDifference(incremental, try await database.aggregateSnapshot()) == nil)
            #expect(try await Migrator(database: database, directory: TestStore.sqlDirectory, logger: TestStore.logger).migrate() == Migrator.Outcome())
        }
    }

    @Test func aDatabaseOfAnotherEarlyLayoutIsRefusedAndLeftAlone() async throws {
        try await withEmptyDatabase { database in
            try await migrateTheFirstLayout(database)
            try await database.pool.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 3")
            let error = await #expect(throws: StoreError.self) {
                try await Migrator(database: database, directory: TestStore.sqlDirectory, logger: TestStore.logger).migrate()
            }
            #expect(error?.code == .migrationFailed && error?.message.contains("cannot take over") == true)
            #expect(try await database.pool.scalar("SELECT count(*) FROM schema_migrations", as: Int.self) == 7, "nothing was changed")
            #expect(try await database.pool.scalar("SELECT to_regclass('schema_functions') IS NULL", as: Bool.self) == true)
        }
    }
}

/// Released migrations never change: sql/released.txt holds their checksums.
@Suite struct ReleasedMigrationTests {
    @Test func releasedMigrationsAreUnchanged() throws {
        let listing = try String(contentsOf: TestStore.sqlDirectory.appendingPathComponent("released.txt"), encoding: .utf8)
        let released = listing.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }.map { $0.split(separator: " ").map(String.init) }
        #expect(!released.isEmpty)
        let migrator = Migrator(database: TestStore.database(TestStore.serverURL, max: 1), directory: TestStore.sqlDirectory, logger: TestStore.logger)
        let files = try migrator.migrations().flatMap { [$0.file] + ($0.adopt.map { [$0] } ?? []) }
        for entry in released {
            try #require(entry.count == 3, "\(entry)")
            let file = files.first { $0.name == entry[1] }
            #expect(file != nil, "\(entry[1]) was released with \(entry[0]) and must stay in sql/migrations")
            #expect(file?.checksum == entry[2], "\(entry[1]) was released with \(entry[0]) and has been edited since: put the change in a new migration")
        }
    }
}
