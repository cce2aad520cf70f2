import PQ
import WardCore

/// Party cells (chi bộ) of wards.
public struct PartyCellRepository: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    static let columns = "code, area_code, name, kind, members, founded_on, dissolved_on"

    static func decode(_ row: Row) throws -> PartyCell {
        let (code, area, name, kind, members, founded, dissolved) = try row.decode((String, String, String, String, Int32, SQLDate?, SQLDate?).self)
        return PartyCell(code: code, areaCode: area, name: name, kind: kind, members: Int(members),
                         foundedOn: founded.map(LocalDate.init), dissolvedOn: dissolved.map(LocalDate.init))
    }

    /// Creates a cell, or updates the one with the same code.
    public func save(_ cell: PartyCell) async throws {
        try await database.primary.execute("""
            INSERT INTO party_cells (code, area_code, name, kind, members, founded_on, dissolved_on)
            VALUES (\(cell.code), \(cell.areaCode), \(cell.name.precomposedStringWithCanonicalMapping), \(cell.kind),
                    \(Int32(clamping: cell.members)), \(cell.foundedOn?.sqlDate), \(cell.dissolvedOn?.sqlDate))
            ON CONFLICT (code) DO UPDATE SET area_code = excluded.area_code, name = excluded.name, kind = excluded.kind,
              members = excluded.members, founded_on = excluded.founded_on, dissolved_on = excluded.dissolved_on
            """)
    }

    /// Marks a cell dissolved on `date`; false when there is no such cell.
    @discardableResult
    public func dissolve(_ code: String, on date: LocalDate) async throws -> Bool {
        try await database.primary.execute("UPDATE party_cells SET dissolved_on = \(date.sqlDate) WHERE code = \(code)") == 1
    }

    /// A ward's cells in Vietnamese order; dissolved ones only when asked. `.notFound` when the
    /// ward is unknown.
    public func list(ward: String, includeDissolved: Bool = false) async throws -> [PartyCell] {
        let cells = try await rows(ward: ward, includeDissolved: includeDissolved)
        if cells.isEmpty { _ = try await NameLookup(database: database).area(ward) }
        return cells
    }

    private func rows(ward: String, includeDissolved: Bool) async throws -> [PartyCell] {
        try await database.replica.query("""
            SELECT \(unsafeSQL: Self.columns) FROM party_cells
            WHERE area_code = \(ward) AND (\(includeDissolved) OR dissolved_on IS NULL)
            ORDER BY name, code
            """).map(Self.decode)
    }

    /// Members of the ward's active cells.
    public func members(ward: String) async throws -> Int {
        try await database.replica.scalar(
            "SELECT coalesce(sum(members), 0)::int8 FROM party_cells WHERE area_code = \(ward) AND dissolved_on IS NULL", as: Int.self) ?? 0
    }
}

import Foundation
