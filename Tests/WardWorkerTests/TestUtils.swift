import Foundation
import Logging
import PQ
import WardCore
import WardStore

/// Hands each test a fresh, migrated database: the migrations run once into a template
/// database (named after their checksum), and each test gets `CREATE DATABASE … TEMPLATE`.
enum TestStore {
    static var serverURL: String {
        ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "postgres://wardboard@127.0.0.1:54329/wardboard"
    }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static let logger: Logger = {
        var logger = Logger(label: "ward.tests")
        logger.logLevel = .warning
        return logger
    }()

    static func url(database: String) -> String {
        guard var components = URLComponents(string: serverURL) else { return serverURL }
        components.path = "/" + database
        return components.string ?? serverURL
    }

    static func pool(_ url: String, max: Int = 4) -> ConnectionPool {
        ConnectionPool(configuration: .init(minConnections: 0, maxConnections: max), connection: .init(url, applicationName: "ward-tests"), logger: logger)
    }

    /// The template database with every migration applied.
    static func template() async throws -> String {
        let migrator = Migrator(pool: pool(serverURL, max: 1), directory: repositoryRoot.appendingPathComponent("sql"), logger: logger)
        var hasher = SHA256()
        for migration in try migrator.migrations() { hasher.update(migration.checksum) }
        let name = "wardboard_template_" + SHA256.hex(hasher.finalize()).prefix(16)
        let admin = try await Connection.connect(.init(serverURL), logger: logger)
        try await admin.query("SELECT pg_advisory_lock(4242)")
        defer { Task { _ = try? await admin.query("SELECT pg_advisory_unlock(4242)"); await admin.close() } }
        if try await admin.scalar("SELECT 1 FROM pg_database WHERE datname = \(name)", as: Int.self) == nil {
            try await admin.execute(unsafeSQL: "CREATE DATABASE \(name)")
            let templatePool = pool(url(database: name), max: 1)
            _ = try await Migrator(pool: templatePool, directory: repositoryRoot.appendingPathComponent("sql"), logger: logger).migrate()
            await templatePool.close()
        }
        return name
    }

    /// Runs `body` with a fresh migrated database; drops it afterwards.
    static func withDatabase<T>(_ body: (Database, String) async throws -> T) async throws -> T {
        let template = try await template()
        let name = "ward_test_\(UInt32.random(in: 0...UInt32.max))_\(ProcessInfo.processInfo.processIdentifier)"
        let admin = try await Connection.connect(.init(serverURL), logger: logger)
        try await admin.execute(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE \(template)")
        let url = url(database: name)
        await admin.close()
        let database = Database(pool: pool(url))
        // A new connection for the cleanup: the body may have restarted the server.
        func drop() async throws {
            let admin = try await Connection.connect(.init(serverURL), logger: logger)
            try await admin.execute(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }
        do {
            let value = try await body(database, url)
            await database.close()
            try await drop()
            return value
        } catch {
            await database.close()
            try? await drop()
            throw error
        }
    }

    /// Writes `files` (name → CSV text) into a new temporary folder.
    static func folder(_ files: [String: String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ward-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: directory.appendingPathComponent(name)) }
        return directory
    }

    /// The Long Xuyên demo dataset, generated once per test process.
    static let demoFolder: URL = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ward-demo-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var texts = [ImportFile: String]()
        try? DatasetGenerator().generate { file, fields in texts[file, default: ""] += CSVWriter.line(fields) }
        for (file, text) in texts { try? Data(text.utf8).write(to: directory.appendingPathComponent(file.fileName)) }
        return directory
    }()
}
