import WardTestSupport
import Foundation
import PQ
import Testing
import WardCore
@_spi(Testing) @testable import WardStore

/// Successions that DATA.md refuses are refused by the importer, naming the line, and by the
/// database whatever the path; nothing of a refused file is written.
@Suite struct SuccessionTests {
    static let areas = """
        code,name,kind,parent_code,valid_from,valid_to
        p,Tỉnh P,province,,2000-01-01,
        a,Phường A,ward,p,2000-01-01,
        b,Phường B,ward,p,2000-01-01,
        old,Phường Cũ,ward,p,2000-01-01,2025-06-30
        new,Phường Mới,ward,p,2025-07-01,
        split,Phường Tách,ward,p,2000-01-01,2024-12-31

        """

    func load(_ database: Database) async throws {
        _ = try await TestStore.importer(database).importFile(try TestStore.folder(["areas.csv": Self.areas]).appendingPathComponent("areas.csv"))
    }

    func refused(_ text: String, _ database: Database, file: String = "successions.csv") async throws -> String {
        let before = try await database.pool.scalar("SELECT count(*) FROM successions", as: Int.self)
        let error = try #require(await #expect(throws: ImportError.self) {
            _ = try await TestStore.importer(database).importFile(try TestStore.folder([file: text]).appendingPathComponent(file))
        })
        #expect(try await database.pool.scalar("SELECT count(*) FROM successions", as: Int.self) == before, "nothing written")
        return error.description
    }

    @Test func everyRefusedSuccessionIsNamedByLine() async throws {
        try await TestStore.withDatabase { database, _ in
            try await load(database)
            let header = "from_code,to_code,effective_month,share\n"
            // Two wards that both go on existing, succeeding each other: a cycle, and neither ends.
            let cycle = try await refused(header + "a,b,2025-07,\nb,a,2025-07,\n", database)
            #expect(cycle.contains("successions.csv:2: from_code: area 'a' still exists in 2025-07 or later"))
            #expect(cycle.contains("the successions make a cycle: a → b → a"))
            let toMissing = try await refused(header + "old,split,2025-07,\n", database)
            #expect(toMissing.contains("successions.csv:2: to_code: area 'split' does not exist in 2025-07"))
            let itself = try await refused(header + "old,old,2025-07,\n", database)
            #expect(itself.contains("successions.csv:2: to_code: an area cannot succeed itself"))
            let shares = try await refused(header + "split,a,2025-01,0.7\nsplit,b,2025-01,0.5\n", database)
            #expect(shares.contains("share: the shares of 'split' sum to 1.2, more than 1"))
            // Good ones go in; less than 1 in all is allowed (the rest left the areas we know).
            _ = try await TestStore.importer(database)
                .importFile(try TestStore.folder(["successions.csv": header + "old,new,2025-07,\nsplit,a,2025-01,0.6\nsplit,b,2025-01,0.3\n"]).appendingPathComponent("successions.csv"))
            #expect(try await database.pool.scalar("SELECT count(*) FROM successions", as: Int.self) == 3)
            // A later areas.csv that makes one of them invalid is refused the same way.
            let extended = try await refused("code,name,kind,parent_code,valid_from,valid_to\nold,Phường Cũ,ward,p,2000-01-01,2025-12-31\n", database, file: "areas.csv")
            #expect(extended.contains("areas.csv:2: valid_to: succession old → new: area 'old' still exists in 2025-07 or later"))
            #expect(try await database.pool.scalar("SELECT valid_to::text FROM areas WHERE code = 'old'", as: String.self) == "2025-06-30")
        }
    }

    @Test func theDatabaseRefusesThemWhateverThePath() async throws {
        try await TestStore.withDatabase { database, _ in
            try await load(database)
            let direct = await #expect(throws: PQError.self) {
                try await database.pool.execute("INSERT INTO successions VALUES ('a', 'b', '2025-07-01', 1), ('b', 'a', '2025-07-01', 1)")
            }
            #expect(direct?.message.contains("still exists in 2025-07 or later") == true)
            try await database.pool.execute("INSERT INTO successions VALUES ('old', 'new', '2025-07-01', 1)")
            let moved = await #expect(throws: PQError.self) {
                try await database.pool.execute("UPDATE areas SET valid_from = '2025-08-01' WHERE code = 'new'")
            }
            #expect(moved?.message.contains("area 'new' does not exist in 2025-07") == true)
        }
    }
}
