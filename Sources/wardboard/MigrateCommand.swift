import ArgumentParser
import Foundation
import WardStore

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Apply the SQL migrations in sql/ that are not applied yet.")

    @Option(help: "The migrations folder (default: WARDBOARD_SQL_DIR, ./sql, or the checkout's sql/).")
    var sqlDir: String?

    func run() async throws {
        LoggingSetup.bootstrap()
        let env = AppEnvironment()
        let logger = env.makeLogger("wardboard.migrate")
        let database = try await env.openDatabase(maxConnections: 2, logger: logger, syncSettings: false)
        defer { Task { await database.close() } }
        let directory = sqlDir.map { URL(fileURLWithPath: $0) } ?? env.sqlDirectory
        let applied = try await Migrator(pool: database.pool, directory: directory, logger: logger).migrate()
        try await SettingsRepository(database).sync(timeZone: env.timeZone, defaultCutoffDay: try env.cutoffDay())
        print(applied.isEmpty ? "schema is up to date" : "applied: \(applied.joined(separator: ", "))")
    }
}
