import Foundation
import Logging
import PQ
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

    var timeZone: String { values["WARDBOARD_TIMEZONE"] ?? "Asia/Ho_Chi_Minh" }

    func cutoffDay() throws -> Int {
        guard let text = values["WARDBOARD_CUTOFF_DAY"] else { return 1 }
        guard let day = Int(text), (1...28).contains(day) else {
            throw ConfigurationError("WARDBOARD_CUTOFF_DAY must be a day from 1 to 28, not '\(text)'")
        }
        return day
    }

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
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("0001_areas_indicators.sql").path) } ?? candidates[0]
    }

    func makeLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = values["WARDBOARD_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        return logger
    }

    /// Opens the pools; writes the period settings so SQL agrees with this process.
    func openDatabase(maxConnections: Int = 10, logger: Logger, syncSettings: Bool = true) async throws -> Database {
        let pool = ConnectionPool(
            configuration: .init(minConnections: 1, maxConnections: maxConnections),
            connection: .init(databaseURL, applicationName: "wardboard"), logger: logger
        )
        let read = readDatabaseURL.map {
            ConnectionPool(configuration: .init(minConnections: 1, maxConnections: maxConnections),
                           connection: .init($0, applicationName: "wardboard-read"), logger: logger)
        }
        let database = Database(pool: pool, readPool: read)
        if syncSettings {
            try await SettingsRepository(database).sync(timeZone: timeZone, defaultCutoffDay: try cutoffDay())
        }
        return database
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
