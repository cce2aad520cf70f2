import ArgumentParser

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve the HTTP API.")
}
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "worker", abstract: "Run the aggregation worker.")
}
struct AggregateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "aggregate", abstract: "Compute aggregates.")
}
