import ArgumentParser
import Foundation
import WardStore

/// `wardboard settings show|set KEY VALUE`: the database's settings, the one source every process
/// reads. A change the aggregates depend on (time zone, default cut-off day) asks the worker
/// for a full rebuild.
struct SettingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings", abstract: "Show or change the database's settings (time zone, default cut-off day).",
        subcommands: [Show.self, Set.self], defaultSubcommand: Show.self)

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every setting as KEY=VALUE.")

        func run() async throws {
            LoggingSetup.bootstrap()
            let env = AppEnvironment()
            let database = env.openDatabase(maxConnections: 1, logger: env.makeLogger("wardboard.settings"))
            defer { Task { await database.close() } }
            for (key, value) in try await SettingsRepository(database).all().sorted(by: { $0.key < $1.key }) {
                print("\(key)=\(value)")
            }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change one setting (timezone: an IANA zone such as Asia/Ho_Chi_Minh; cutoff_day: 1 to 28).")
        @Argument(help: "The setting.") var key: String
        @Argument(help: "Its new value.") var value: String

        func run() async throws {
            LoggingSetup.bootstrap()
            let env = AppEnvironment()
            let database = env.openDatabase(maxConnections: 1, logger: env.makeLogger("wardboard.settings"))
            do {
                try await SettingsRepository(database).set(key, to: value)
            } catch let error as StoreError {
                await database.close()
                throw ValidationError(error.message)
            }
            await database.close()
            print("\(key)=\(value)")
        }
    }
}
