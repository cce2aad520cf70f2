import WardTestSupport
import Foundation
import PQ
import Testing
import WardCore
@_spi(Testing) @testable import WardStore

/// No area is its own ancestor in any month (sql/functions/areas.sql, wb_area_cycles): refused by
/// the importer, naming the line, and by the database whatever the path. Before, nothing refused
/// one, and the next rebuild's walk up the tree never ended.
@Suite struct AreaTreeTests {
    static let areas = """
        code,name,kind,parent_code,valid_from,valid_to
        p,Tỉnh P,province,,2000-01-01,
        c,Thành phố C,city,p,2000-01-01,
        w,Phường W,ward,c,2000-01-01,

        """

    func importAreas(_ text: String, _ database: Database) async throws {
        _ = try await TestStore.importer(database).importFile(try TestStore.folder(["areas.csv": text]).appendingPathComponent("areas.csv"))
    }

    func snapshot(_ database: Database) async throws -> [String] {
        try await database.pool.query("SELECT code || ' ' || coalesce(parent_code, '-') || ' ' || valid_from || ' ' || coalesce(valid_to::text, '-') FROM areas ORDER BY 1")
            .map { try $0.decode(0, as: String.self) }
    }

    @Test func aCycleOfParentsIsRefusedByLine() async throws {
        try await TestStore.withDatabase { database, _ in
            try await importAreas(Self.areas, database)
            let before = try await snapshot(database)
            let header = "code,name,kind,parent_code,valid_from,valid_to\n"
            // The province placed under its own ward from 2025: p → w → c → p.
            let error = try #require(await #expect(throws: ImportError.self) {
                try await importAreas(header + "p,Tỉnh P,province,,2000-01-01,2024-12-31\np,Tỉnh P,province,w,2025-01-01,\n", database)
            })
            #expect(error.description.contains("areas.csv:2: parent_code: area 'p' is its own ancestor in 2025-01: p → w → c → p"), "\(error.description)")
            #expect(try await snapshot(database) == before, "nothing written")

            // Parents swapped over time are no cycle: c under p until 2024, p under c from 2025.
            try await importAreas(header + """
                p,Tỉnh P,province,,2000-01-01,2024-12-31
                p,Tỉnh P,city,c,2025-01-01,
                c,Thành phố C,city,p,2000-01-01,2024-12-31
                c,Thành phố C,province,,2025-01-01,

                """, database)
            #expect(try await database.pool.scalar("SELECT count(*) FROM areas", as: Int.self) == 5)
            // Overlapping within a month only (no first day in common) is none either.
            for update in ["UPDATE areas SET valid_from = '2025-01-10' WHERE code = 'p' AND valid_from = '2025-01-01'",
                           "UPDATE areas SET valid_to = '2025-01-09' WHERE code = 'p' AND valid_to = '2024-12-31'",
                           "UPDATE areas SET valid_from = '2025-01-21' WHERE code = 'c' AND valid_from = '2025-01-01'",
                           "UPDATE areas SET valid_to = '2025-01-20' WHERE code = 'c' AND valid_to = '2024-12-31'"] {
                try await database.pool.execute(Query(unsafeSQL: update))
            }
            #expect(try await database.pool.scalar("SELECT count(*) FROM wb_area_cycles()", as: Int.self) == 0)
            // Reaching the first day of February gives that month both: refused.
            try await database.pool.execute("UPDATE areas SET valid_from = '2025-02-02' WHERE code = 'c' AND valid_from = '2025-01-21'")
            let february = await #expect(throws: PQError.self) {
                try await database.pool.execute("UPDATE areas SET valid_to = '2025-02-01' WHERE code = 'c' AND valid_from = '2000-01-01'")
            }
            #expect(february?.message.contains("area 'c' is its own ancestor in 2025-02: c → p → c") == true, "\(String(describing: february?.message))")
        }
    }

    @Test func theDatabaseRefusesOneWhateverThePathAndRebuildsEnd() async throws {
        try await TestStore.withDatabase { database, _ in
            try await importAreas(Self.areas, database)
            let direct = await #expect(throws: PQError.self) {
                try await database.pool.execute("UPDATE areas SET parent_code = 'c' WHERE code = 'p'")
            }
            #expect(direct?.message.contains("area 'c' is its own ancestor in 2000-01: c → p → c") == true, "\(String(describing: direct?.message))")
            #expect(direct?.isCheckViolation == true && direct?.constraint == "areas_tree")
            #expect(try await database.pool.scalar("SELECT parent_code IS NULL FROM areas WHERE code = 'p'", as: Bool.self) == true)
            // A tree without cycles rebuilds (the walk up it ends).
            try await database.pool.withTransaction { try await $0.query("SELECT wb_rebuild(NULL)") }
        }
    }
}
