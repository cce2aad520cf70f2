import PQ
import WardCore

/// Month values reported by wards. Writes are upserts: the old value, who changed it and when
/// go to `observation_history` (by the table's trigger, whatever path wrote it).
public struct ObservationRepository: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    public struct HistoryEntry: Sendable, Equatable {
        public var oldValue: String?
        public var newValue: String?
        public var changedBy: String
    }

    /// Upserts one value.
    public func upsert(_ observation: Observation, by author: String) async throws {
        try await upsert([observation], by: author)
    }

    /// Upserts a batch in one statement: all rows or none. Unchanged values are left alone
    /// (no history entry, no recomputation). Returns the rows inserted or changed.
    @discardableResult
    public func upsert(_ observations: [Observation], by author: String) async throws -> Int {
        guard !observations.isEmpty else { return 0 }
        let query: Query = """
            INSERT INTO observations AS o (area_code, indicator_code, month, value, updated_by)
            SELECT a, i, m, v::numeric, \(author)
            FROM unnest(\(observations.map(\.areaCode))::text[], \(observations.map(\.indicatorCode))::text[],
                        \(observations.map(\.month.description))::text[], \(observations.map(\.value))::text[]) AS t(a, i, mt, v),
                 LATERAL (SELECT to_date(mt, 'YYYY-MM')) AS d(m)
            ON CONFLICT (indicator_code, area_code, month) DO UPDATE
              SET value = excluded.value, updated_at = now(), updated_by = excluded.updated_by
              WHERE o.value IS DISTINCT FROM excluded.value
            """
        return try await database.primary.execute(query)
    }

    public func value(area: String, indicator: String, month: Month) async throws -> ExactDecimal? {
        try await database.replica.scalar("""
            SELECT value FROM observations WHERE area_code = \(area) AND indicator_code = \(indicator) AND month = \(month.sqlDate)
            """, as: ExactDecimal.self)
    }

    /// Replaced values of one key, oldest first.
    public func history(area: String, indicator: String, month: Month) async throws -> [HistoryEntry] {
        try await database.replica.query("""
            SELECT old_value::text, new_value::text, changed_by FROM observation_history
            WHERE area_code = \(area) AND indicator_code = \(indicator) AND month = \(month.sqlDate) ORDER BY id
            """).map { row in
            let (old, new, by) = try row.decode((String?, String?, String).self)
            return HistoryEntry(oldValue: old, newValue: new, changedBy: by)
        }
    }
}
