import ArgumentParser
import Foundation
import WardStore

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Bring the database to this program's layout: new migrations, then changed function files, in one transaction.")

    @Option(help: "The sql/ folder (default: WARDBOARD_SQL_DIR, ./sql, or the checkout's sql/).")
    var sqlDir: String?

    func run() async throws {
        LoggingSetup.bootstrap()
        let env = AppEnvironment()
        let logger = env.makeLogger("wardboard.migrate")
        let database = env.openDatabase(maxConnections: 1, logger: logger)
        let directory = sqlDir.map { URL(fileURLWithPath: $0) } ?? env.sqlDirectory
        let outcome: Migrator.Outcome
        do {
            outcome = try await Migrator(database: database, directory: directory, logger: logger).migrate()
        } catch let error as StoreError {
            await database.close()
            throw ValidationError(error.message)
        }
        await database.close()
        if outcome.migrations.isEmpty && outcome.functions.isEmpty {
            print("schema is up to date")
        } else {
            if outcome.adopted { print("took over a database made before v0.2.0") }
            if !outcome.migrations.isEmpty { print("migrations: \(outcome.migrations.joined(separator: ", "))") }
            if !outcome.functions.isEmpty { print("function files: \(outcome.functions.joined(separator: ", "))") }
        }
    }
}
