import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals
import WardAPI
import WardStore
import WardWorker

extension AppEnvironment {
    /// `WARDBOARD_HOST`, `WARDBOARD_PORT`, `WARDBOARD_PUBLIC_READ`, `WARDBOARD_BODY_LIMIT`, `WARDBOARD_CORS_ORIGINS`.
    func apiConfiguration(host: String?, port: Int?) throws -> APIConfiguration {
        let origins = (values["WARDBOARD_CORS_ORIGINS"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return APIConfiguration(
            host: host ?? values["WARDBOARD_HOST"] ?? "127.0.0.1",
            port: try port ?? integer("WARDBOARD_PORT", default: 8080),
            publicRead: flag("WARDBOARD_PUBLIC_READ"),
            bodyLimit: try integer("WARDBOARD_BODY_LIMIT", default: 10 << 20),
            corsOrigins: origins
        )
    }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API (JSON and CSV feeds, authenticated writes). Stops cleanly on SIGTERM.")

    @Option(help: "Address to listen on (default: WARDBOARD_HOST or 127.0.0.1).") var host: String?
    @Option(help: "Port (default: WARDBOARD_PORT or 8080).") var port: Int?
    @Flag(help: "Run the aggregation worker in the same process (the demo does).") var withWorker = false

    func run() async throws {
        LoggingSetup.bootstrap()
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let env = AppEnvironment()
        let logger = env.makeLogger("wardboard")
        let configuration = try env.apiConfiguration(host: host, port: port)
        // Queries wait better in the pool than in the scheduler: more connections than the cores
        // can run only lengthen the tail (bench-http: p99 34 ms with 4, 141 ms with 16, same rate).
        let connections = try env.integer("WARDBOARD_DB_CONNECTIONS", default: max(4, 2 * ProcessInfo.processInfo.activeProcessorCount))
        let database = env.openDatabase(maxConnections: connections, logger: logger)
        try await env.warnAboutSettings(database, logger: logger)
        let api = WardAPI(database: database, configuration: configuration, metrics: registry)
        var services: [any Service] = [api.buildApplication(logger: logger)]
        if withWorker {
            services.append(AggregationWorker(database: database, configuration: try env.workerConfiguration(), logger: logger))
        }
        logger.info("serving", metadata: [
            "ward.url": "http://\(configuration.host):\(configuration.port)", "ward.public_read": "\(configuration.publicRead)",
            "ward.worker": "\(withWorker)", "ward.database": "\(database.configuration.redactedURL)",
        ])
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await database.close()
    }
}
