import WardTestSupport
import Foundation
import PQ
import Testing
import WardCore
@_spi(Testing) @testable import WardStore

@Suite struct RepositoryTests {
    @Test func treeAsItStoodInJuneAndJuly2025() async throws {
        try await TestStore.withDatabase { database, _ in
            _ = try await TestStore.importer(database).importDirectory(TestStore.demoFolder)
            let areas = AreaRepository(database)
            let june = try #require(Month("2025-06")), july = try #require(Month("2025-07"))
            let cityJune = try await areas.children(of: "tp-long-xuyen", in: june).map(\.code)
            #expect(cityJune.count == 12)
            #expect(!cityJune.contains("dong-xuyen"), "Đông Xuyên merged into Mỹ Xuyên in January 2025")
            #expect(try await areas.children(of: "an-giang", in: june).map(\.code) == ["tp-long-xuyen"])
            #expect(try await areas.children(of: "an-giang", in: july).map(\.code) == ["binh-duc", "long-xuyen", "my-thoi", "my-hoa-hung"])
            #expect(try await areas.children(of: "tp-long-xuyen", in: july).isEmpty)
            #expect(try await areas.find("my-hoa-hung", in: june)?.parentCode == "tp-long-xuyen")
            #expect(try await areas.find("my-hoa-hung", in: july)?.parentCode == "an-giang")
            #expect(try await areas.history(of: "binh-duc").count == 2)
            let predecessors = try await areas.predecessors(of: "long-xuyen").map(\.fromCode)
            #expect(Set(predecessors) == ["my-binh", "my-long", "my-xuyen", "my-phuoc", "my-quy", "my-hoa", "dong-xuyen"])
            #expect(try await areas.successors(of: "dong-xuyen").map(\.toCode) == ["my-xuyen", "long-xuyen"])
            #expect(try await areas.isWithin("my-long", ancestor: "an-giang"))
            #expect(try await !areas.isWithin("an-giang", ancestor: "my-long"))
        }
    }

    @Test func namesSortInVietnameseOrder() async throws {
        try await TestStore.withDatabase { database, _ in
            _ = try await TestStore.importer(database).importDirectory(TestStore.demoFolder)
            let names = try await AreaRepository(database).children(of: "tp-long-xuyen", in: try #require(Month("2024-06"))).map(\.name)
            // "Đông Xuyên" after "Bình …" and before "Mỹ …": byte order would put it last.
            let dong = try #require(names.firstIndex(of: "Phường Đông Xuyên"))
            let binh = try #require(names.firstIndex(of: "Phường Bình Đức"))
            let myBinh = try #require(names.firstIndex(of: "Phường Mỹ Bình"))
            #expect(binh < dong && dong < myBinh)
        }
    }

    @Test func namesSentInNFDAreStoredAndFoundAsNFC() async throws {
        try await TestStore.withDatabase { database, _ in
            let nfd = "Phường Mỹ Long".decomposedStringWithCanonicalMapping
            let folder = try TestStore.folder(["areas.csv": "code,name,kind,parent_code,valid_from,valid_to\nmy-long,\(nfd),ward,,2000-01-01,\n"])
            _ = try await TestStore.importer(database).importDirectory(folder)
            let stored = try #require(try await AreaRepository(database).find("my-long"))
            #expect(Array(stored.name.utf8) == Array("Phường Mỹ Long".precomposedStringWithCanonicalMapping.utf8))
            let found = try await database.pool.scalar("SELECT code FROM areas WHERE name = \("Phường Mỹ Long".precomposedStringWithCanonicalMapping)", as: String.self)
            #expect(found == "my-long")
        }
    }

    @Test func observationsKeepAnAuditTrail() async throws {
        try await TestStore.withDatabase { database, _ in
            _ = try await TestStore.importer(database).importDirectory(TestStore.demoFolder)
            let repo = ObservationRepository(database)
            let month = try #require(Month("2026-10"))
            let key = Observation(areaCode: "long-xuyen", indicatorCode: "public_disorder", month: month, value: "41")
            try await repo.upsert(key, by: "editor:long-xuyen")
            try await repo.upsert(Observation(areaCode: "long-xuyen", indicatorCode: "public_disorder", month: month, value: "42"), by: "editor:long-xuyen")
            let history = try await repo.history(area: "long-xuyen", indicator: "public_disorder", month: month)
            #expect(history.suffix(2).map(\.newValue) == ["41", "42"])
            #expect(history.last?.oldValue == "41")
            #expect(history.last?.changedBy == "editor:long-xuyen")
            #expect(try await repo.value(area: "long-xuyen", indicator: "public_disorder", month: month) == 42)
        }
    }

    @Test func partyCellsAndTokens() async throws {
        try await TestStore.withDatabase { database, _ in
            _ = try await TestStore.importer(database).importDirectory(TestStore.demoFolder)
            let cells = PartyCellRepository(database)
            let before = try await cells.members(ward: "long-xuyen")
            let count = try await cells.list(ward: "long-xuyen").count
            #expect((6...14).contains(count))
            try await cells.save(PartyCell(code: "long-xuyen-cb-99", areaCode: "long-xuyen", name: "Chi bộ Khu phố Mới", kind: "khu-pho", members: 12, foundedOn: LocalDate("2025-09-01")))
            #expect(try await cells.members(ward: "long-xuyen") == before + 12)
            #expect(try await cells.dissolve("long-xuyen-cb-99", on: try #require(LocalDate("2026-01-31"))))
            #expect(try await cells.members(ward: "long-xuyen") == before)

            let tokens = TokenRepository(database)
            let (token, info) = try await tokens.create(name: "Long Xuyên ward office", role: .editor, area: "long-xuyen")
            #expect(token.hasPrefix("wb_"))
            let stored = try await database.pool.scalar("SELECT count(*) FROM api_tokens WHERE position(\(token)::bytea IN token_sha256) > 0", as: Int.self)
            #expect(stored == 0, "only the hash is stored")
            #expect(try await tokens.authenticate(token)?.id == info.id)
            #expect(try await tokens.authenticate(token + "x") == nil)
            #expect(try await tokens.revoke(id: info.id))
            #expect(try await tokens.authenticate(token) == nil)
            await #expect(throws: StoreError.self) { _ = try await tokens.create(name: "x", role: .editor, area: nil) }
        }
    }
}

/// How a rebuild shares the new tables' index builds between its connections.
@Suite struct RebuildDealTests {
    @Test func theHeaviestGoFirstEachToTheLightestHand() {
        let tables = [("aggregates", 30), ("review_counts", 17), ("area_values", 16), ("outlier_scores", 9), ("comparable_series", 6), ("review_extent", 0)]
        #expect(AggregateRepository.deal(tables, into: 2) == [["aggregates", "outlier_scores", "review_extent"], ["review_counts", "area_values", "comparable_series"]])
        #expect(AggregateRepository.deal(tables, into: 1) == [["aggregates", "review_counts", "area_values", "outlier_scores", "comparable_series", "review_extent"]])
        #expect(AggregateRepository.deal([("a", 1)], into: 3) == [["a"], [], []])
        #expect(AggregateRepository.deal([(String, Int)](), into: 0) == [[]])
    }
}

@Suite struct MigratorTests {
    @Test func migrationsApplyOnceAndConcurrentRunsAreSafe() async throws {
        let admin = try await Connection.connect(.init(TestStore.serverURL))
        let name = "ward_migrate_\(UInt32.random(in: 0...UInt32.max))"
        try await admin.execute(unsafeSQL: "CREATE DATABASE \(name)")
        defer { Task { try? await admin.execute(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") } }
        let url = TestStore.url(database: name)
        let directory = TestStore.repositoryRoot.appendingPathComponent("sql")
        let results = try await withThrowingTaskGroup(of: Migrator.Outcome.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    let database = TestStore.database(url, max: 1)
                    let outcome = try await Migrator(database: database, directory: directory, logger: TestStore.logger).migrate()
                    await database.close()
                    return outcome
                }
            }
            return try await group.reduce(into: [Migrator.Outcome]()) { $0.append($1) }
        }
        let database = TestStore.database(url, max: 1)
        let migrator = Migrator(database: database, directory: directory, logger: TestStore.logger)
        let total = try migrator.migrations().count + migrator.functionFiles().count
        #expect(results.map { $0.migrations.count + $0.functions.count }.sorted() == [0, 0, total], "exactly one run applies them")
        #expect(try await migrator.migrate() == Migrator.Outcome())

        // A changed function file is applied again, alone; an applied migration that was edited is
        // refused, naming the file.
        let edited = FileManager.default.temporaryDirectory.appendingPathComponent("ward-sql-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: directory, to: edited)
        let periods = edited.appendingPathComponent("functions/periods.sql")
        try (String(contentsOf: periods, encoding: .utf8) + "\n-- edited\n").write(to: periods, atomically: true, encoding: .utf8)
        #expect(try await Migrator(database: database, directory: edited, logger: TestStore.logger).migrate().functions == ["periods.sql"])
        let first = edited.appendingPathComponent("migrations/0001_baseline.sql")
        try (String(contentsOf: first, encoding: .utf8) + "\n-- edited\n").write(to: first, atomically: true, encoding: .utf8)
        let error = await #expect(throws: StoreError.self) { try await Migrator(database: database, directory: edited, logger: TestStore.logger).migrate() }
        #expect(error?.code == .migrationChanged)
        #expect(error?.message.contains("0001_baseline.sql") == true)
        await database.close()
    }
}
