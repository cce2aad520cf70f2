import Foundation
import Logging
import PQ

/// Finds the test server (`DATABASE_URL`, else the private cluster of `scripts/postgres`)
/// and hands each test a database of its own, dropped afterwards.
enum TestDatabase {
    static var serverURL: String {
        ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "postgres://wardboard@127.0.0.1:54329/wardboard"
    }

    static let logger: Logger = {
        var logger = Logger(label: "pq.tests")
        logger.logLevel = .warning
        return logger
    }()

    /// `serverURL` with its database name replaced.
    static func url(database: String) -> String {
        guard var components = URLComponents(string: serverURL) else { return serverURL }
        components.path = "/" + database
        return components.string ?? serverURL
    }

    static func withFreshDatabase<T>(_ body: (String) async throws -> T) async throws -> T {
        let name = "pq_test_\(UInt32.random(in: 0...UInt32.max))_\(ProcessInfo.processInfo.processIdentifier)"
        let admin = try await Connection.connect(.init(serverURL, applicationName: "pq-tests"), logger: logger)
        try await admin.execute(unsafeSQL: "CREATE DATABASE \(name)")
        await admin.close()
        // A new connection for the cleanup: the body may have restarted the server.
        func drop() async throws {
            let admin = try await Connection.connect(.init(serverURL, applicationName: "pq-tests"), logger: logger)
            try await admin.execute(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }
        do {
            let value = try await body(url(database: name))
            try await drop()
            return value
        } catch {
            try? await drop()
            throw error
        }
    }

    static func withConnection<T>(_ body: (Connection) async throws -> T) async throws -> T {
        try await withFreshDatabase { url in
            let connection = try await Connection.connect(.init(url, applicationName: "pq-tests"), logger: logger)
            return try await body(connection)
        }
    }

    /// The repository's root, for scripts the tests drive.
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}

/// Collects log messages for assertions, without bootstrapping the global logging system.
final class CollectingLogHandler: LogHandler, @unchecked Sendable {
    // @unchecked: `messages` is guarded by `lock`; the other members are set before sharing.
    private let lock = NSLock()
    private var _messages: [(Logger.Level, String, Logger.Metadata)] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    var messages: [(Logger.Level, String, Logger.Metadata)] { lock.withLock { _messages } }

    func log(event: LogEvent) {
        var merged = metadata
        merged.merge(event.metadata ?? [:]) { $1 }
        lock.withLock { _messages.append((event.level, event.message.description, merged)) }
    }
}
