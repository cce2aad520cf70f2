import ArgumentParser

@main
struct Wardboard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wardboard",
        abstract: "Month-by-month comparison of wards and communes: storage, aggregation worker and HTTP feeds.",
        discussion: "The database comes from DATABASE_URL, else the private cluster of scripts/postgres.",
        version: WardboardVersion.current,
        subcommands: [
            ServeCommand.self, WorkerCommand.self, MigrateCommand.self, ImportCommand.self, AggregateCommand.self,
            TokenCommand.self, GenerateCommand.self, SettingsCommand.self, VersionCommand.self,
        ]
    )
}

enum WardboardVersion {
    static let current = "0.2.0"
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")
    func run() {
        print(WardboardVersion.current)
    }
}
