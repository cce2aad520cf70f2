import PQ

/// Settings the SQL side needs (time zone and default cut-off day of reporting periods), written
/// by the executable from its environment. Changing one asks the worker for a full rebuild.
public struct SettingsRepository: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    public func sync(timeZone: String, defaultCutoffDay: Int) async throws {
        try await database.pool.execute("""
            UPDATE settings SET value = v FROM (VALUES ('timezone', \(timeZone)), ('cutoff_day', \(String(defaultCutoffDay)))) AS n(k, v)
            WHERE key = k AND value IS DISTINCT FROM v
            """)
    }
}
