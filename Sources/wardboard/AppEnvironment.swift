import Foundation
import Logging
import WardStore

/// What every command reads from the environment (only the executable reads it).
struct AppEnvironment {
    let values: [String: String]

    init(_ values: [String: String] = ProcessInfo.processInfo.environment) { self.values = values }

    /// `DATABASE_URL`, else the private cluster of `scripts/postgres`.
    var databaseURL: String {
        values["DATABASE_URL"] ?? "postgres://wardboard@127.0.0.1:\(values["WARDBOARD_PG_PORT"] ?? "54329")/wardboard"
    }

    var readDatabaseURL: String? { values["DATABASE_READ_URL"].flatMap { $0.isEmpty ? nil : $0 } }

    func integer(_ key: String, default value: Int) throws -> Int {
        guard let text = values[key] else { return value }
        guard let number = Int(text) else { throw ConfigurationError("\(key) must be a whole number, not '\(text)'") }
        return number
    }

    func flag(_ key: String) -> Bool { ["1", "true", "yes", "on"].contains(values[key]?.lowercased() ?? "") }

    /// The `sql/` folder: `WARDBOARD_SQL_DIR`, `./sql`, or the checkout the binary was built in.
    var sqlDirectory: URL {
        if let dir = values["WARDBOARD_SQL_DIR"] { return URL(fileURLWithPath: dir) }
        let candidates = [
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("sql"),
            URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
                .appendingPathComponent("../../../sql").standardizedFileURL,
            URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
                .appendingPathComponent("../../sql").standardizedFileURL,
            URL(fileURLWithPath: "/usr/share/wardboard/sql"),
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("migrations/0001_baseline.sql").path) } ?? candidates[0]
    }

    func makeLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = values["WARDBOARD_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        return logger
    }

    /// Opens the pools (nothing is written). Processes that place facts in periods then call
    /// ``warnAboutSettings(_:logger:)``.
    func openDatabase(maxConnections: Int = 10, logger: Logger) -> Database {
        Database(DatabaseConfiguration(url: databaseURL, readURL: readDatabaseURL, maxConnections: maxConnections), logger: logger)
    }

    /// The database owns the settings (`wardboard settings`): an environment that still sets
    /// WARDBOARD_TIMEZONE or WARDBOARD_CUTOFF_DAY to something else is told so, and ignored.
    func warnAboutSettings(_ database: Database, logger: Logger) async throws {
        let stored = try await SettingsRepository(database).load()
        let environment = [("WARDBOARD_TIMEZONE", "timezone", stored.timeZone), ("WARDBOARD_CUTOFF_DAY", "cutoff_day", String(stored.cutoffDay))]
        for (variable, key, value) in environment {
            guard let given = values[variable], given != value else { continue }
            logger.warning("the environment disagrees with the database's settings; the database's value holds", metadata: [
                "ward.variable": "\(variable)", "ward.environment": "\(given)", "ward.database": "\(value)",
                "ward.change_with": "wardboard settings set \(key) VALUE",
            ])
        }
    }
}

struct ConfigurationError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Logs to standard error, so that standard output carries only what scripts capture.
enum LoggingSetup {
    static func bootstrap() {
        LoggingSystem.bootstrap { label in StreamLogHandler.standardError(label: label) }
    }
}
