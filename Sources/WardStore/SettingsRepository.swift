import PQ
import WardCore

/// The database's settings (the `settings` table): the one source of the time zone and the
/// default cut-off day that place facts in reporting periods. Every process reads them here;
/// none writes its environment into them. The database checks each value and asks for the
/// rebuild a change needs (sql/functions/settings.sql).
public struct SettingsRepository: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    /// Every setting, by key.
    public func all() async throws -> [String: String] {
        var settings = [String: String]()
        for row in try await database.primary.query("SELECT key, value FROM settings ORDER BY key") {
            let (key, value) = try row.decode((String, String).self)
            settings[key] = value
        }
        return settings
    }

    /// The settings as the program uses them.
    public func load() async throws -> StoredSettings {
        let settings = try await all()
        guard let zone = settings["timezone"], let day = settings["cutoff_day"].flatMap(Int.init) else {
            throw StoreError(.failed, "the settings table lacks timezone or cutoff_day; run wardboard migrate")
        }
        return StoredSettings(timeZone: zone, cutoffDay: day)
    }

    /// Changes one setting; an unknown key or a bad value is refused with the database's sentence.
    public func set(_ key: String, to value: String) async throws {
        let changed = try await database.primary.execute("UPDATE settings SET value = \(value) WHERE key = \(key)")
        if changed == 0 {
            let known = try await all().keys.sorted().joined(separator: ", ")
            throw StoreError(.notFound, "unknown setting '\(Printable.excerpt(key))' (the settings are \(known))")
        }
    }
}

/// The settings a process reads at start and again when they change.
public struct StoredSettings: Sendable, Equatable {
    /// IANA time zone of reporting periods.
    public var timeZone: String
    /// Default cut-off day (1-28) of indicators that set none.
    public var cutoffDay: Int

    public init(timeZone: String, cutoffDay: Int) {
        self.timeZone = timeZone
        self.cutoffDay = cutoffDay
    }
}
