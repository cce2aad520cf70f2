import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import WardCore
import WardStore
import WardWorker

extension AppEnvironment {
    /// `WARDBOARD_WORKER_BATCH`, `WARDBOARD_WORKER_POLL_SECONDS`, `WARDBOARD_REBUILD_AT` (HH:MM or off),
    /// `WARDBOARD_REBUILD_LANES`.
    func workerConfiguration() throws -> WorkerConfiguration {
        var rebuildAt: (Int, Int)? = (2, 0)
        if let text = values["WARDBOARD_REBUILD_AT"] {
            if text == "off" { rebuildAt = nil } else {
                let parts = text.split(separator: ":").compactMap { Int($0) }
                guard parts.count == 2, (0...23).contains(parts[0]), (0...59).contains(parts[1]) else {
                    throw ConfigurationError("WARDBOARD_REBUILD_AT must be HH:MM (local time) or off, not '\(text)'")
                }
                rebuildAt = (parts[0], parts[1])
            }
        }
        let lanes = try integer("WARDBOARD_REBUILD_LANES", default: 2)
        guard (1...32).contains(lanes) else {
            throw ConfigurationError("WARDBOARD_REBUILD_LANES must be from 1 to 32 (connections a full rebuild builds on), not \(lanes)")
        }
        return WorkerConfiguration(
            batchSize: try integer("WARDBOARD_WORKER_BATCH", default: 5000),
            pollInterval: .seconds(try integer("WARDBOARD_WORKER_POLL_SECONDS", default: 2)),
            rebuildAt: rebuildAt,
            rebuildLanes: lanes
        )
    }
}

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Keep the aggregates fresh: LISTEN for changes, poll, rebuild daily. Stops cleanly on SIGTERM.")

    func run() async throws {
        LoggingSetup.bootstrap()
        let env = AppEnvironment()
        let logger = env.makeLogger("wardboard.worker")
        let configuration = try env.workerConfiguration()
        // The rebuild's lanes (the first on its own connection), batches, and two to spare.
        let database = env.openDatabase(maxConnections: 3 + configuration.rebuildLanes, logger: logger)
        try await env.warnAboutSettings(database, logger: logger)
        let worker = AggregationWorker(database: database, configuration: configuration, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [worker], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await database.close()
    }
}

struct AggregateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aggregate",
        abstract: "Compute aggregates now: --once drains the queue, --full rebuilds.")

    @Flag(help: "Process every queued change (and a requested rebuild), then exit.") var once = false
    @Flag(help: "Rebuild every aggregate.") var full = false
    @Option(help: "With --full: rebuild from this month (YYYY-MM) on.") var from: String?

    func validate() throws {
        guard once != full else { throw ValidationError("give exactly one of --once or --full") }
        if let from, Month(from) == nil { throw ValidationError("--from '\(from)' is not a month in the form YYYY-MM") }
        if from != nil && !full { throw ValidationError("--from goes with --full") }
    }

    func run() async throws {
        LoggingSetup.bootstrap()
        let env = AppEnvironment()
        let logger = env.makeLogger("wardboard.aggregate")
        var configuration = try env.workerConfiguration()
        // The rebuild's lanes (the first on its own connection), and one to spare.
        let database = env.openDatabase(maxConnections: 1 + configuration.rebuildLanes, logger: logger)
        try await env.warnAboutSettings(database, logger: logger)
        configuration.name = "aggregate-\(ProcessInfo.processInfo.processIdentifier)"
        let worker = AggregationWorker(database: database, listens: false, configuration: configuration, logger: logger)
        let start = ContinuousClock.now
        if full {
            let rows = try await worker.rebuild(from: from.flatMap(Month.init), reason: "command") ?? 0
            print("rebuilt \(rows) aggregate rows\(from.map { " from \($0)" } ?? "") in \(start.duration(to: .now))")
        } else {
            let result = try await worker.drain()
            print("processed \(result.keys) queued keys in \(result.batches) batches, wrote \(result.rows) aggregate rows\(result.rebuilt ? " (with a full rebuild)" : "") in \(start.duration(to: .now))")
        }
        await database.close()
    }
}
