import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import PQ
import WardCore
@_spi(Testing) import WardStore

/// Hands each test a fresh, migrated database: the migrations run once into a template
/// database (named after their checksum), and each test gets `CREATE DATABASE … TEMPLATE`.
public enum TestStore {
    public static var serverURL: String {
        ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "postgres://wardboard@127.0.0.1:54329/wardboard"
    }

    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    public static let logger: Logger = {
        var logger = Logger(label: "ward.tests")
        logger.logLevel = .warning
        return logger
    }()

    public static func url(database: String) -> String {
        guard var components = URLComponents(string: serverURL) else { return serverURL }
        components.path = "/" + database
        return components.string ?? serverURL
    }

    public static func pool(_ url: String, max: Int = 4) -> ConnectionPool {
        ConnectionPool(configuration: .init(minConnections: 0, maxConnections: max), connection: .init(url, applicationName: "ward-tests"), logger: logger)
    }

    public static var sqlDirectory: URL { repositoryRoot.appendingPathComponent("sql") }

    /// A store on `url` (tests reach its pool with `@_spi(Testing) import WardStore`).
    public static func database(_ url: String, max: Int = 4) -> Database {
        Database(DatabaseConfiguration(url: url, maxConnections: max, minConnections: 0, applicationName: "ward-tests"), logger: logger)
    }

    /// The template database with every migration and function file applied, named after the
    /// layout's checksum.
    public static func template() async throws -> String {
        let layout = try Migrator(database: database(serverURL, max: 1), directory: sqlDirectory, logger: logger).layoutChecksum()
        let name = "wardboard_template_" + layout.prefix(16)
        let admin = try await Connection.connect(.init(serverURL), logger: logger)
        try await admin.query("SELECT pg_advisory_lock(4242)")
        defer { Task { _ = try? await admin.query("SELECT pg_advisory_unlock(4242)"); await admin.close() } }
        if try await admin.scalar("SELECT 1 FROM pg_database WHERE datname = \(name)", as: Int.self) == nil {
            try await admin.execute(unsafeSQL: "CREATE DATABASE \(name)")
            let templateDatabase = database(url(database: name), max: 1)
            do {
                _ = try await Migrator(database: templateDatabase, directory: sqlDirectory, logger: logger).migrate()
                await templateDatabase.close()
            } catch {
                // No half-made template for the next test to find.
                await templateDatabase.close()
                try? await admin.execute(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
                throw error
            }
        }
        return name
    }

    /// Runs `body` with a fresh migrated database; drops it afterwards.
    public static func withDatabase<T>(_ body: (Database, String) async throws -> T) async throws -> T {
        let template = try await template()
        let name = "ward_test_\(UInt32.random(in: 0...UInt32.max))_\(ProcessInfo.processInfo.processIdentifier)"
        let admin = try await Connection.connect(.init(serverURL), logger: logger)
        try await admin.execute(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE \(template)")
        let url = url(database: name)
        await admin.close()
        let database = database(url)
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
    public static func folder(_ files: [String: String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ward-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: directory.appendingPathComponent(name)) }
        return directory
    }

    /// An importer as an admin's command-line import runs it: the demo's arrival times are taken.
    public static func importer(_ database: Database) -> Importer {
        Importer(database: database, author: "import:test", acceptsArrivalTimes: true, logger: logger)
    }

    /// The Long Xuyên demo dataset, generated once per test process.
    public static let demoFolder: URL = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ward-demo-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var texts = [ImportFile: String]()
        try? DatasetGenerator().generate { file, fields in texts[file, default: ""] += CSVWriter.line(fields) }
        for (file, text) in texts { try? Data(text.utf8).write(to: directory.appendingPathComponent(file.fileName)) }
        return directory
    }()
}

/// Runs a program and waits for it with `waitpid`: unlike Foundation's `Process`, this does not
/// hang when the program leaves a daemon behind (pg_ctl's postmaster inherits Process's pipe).
/// `DATABASE_URL` is removed: the scripts then manage the private cluster.
public func runAndWait(_ path: String, _ arguments: [String]) throws -> Int32 {
    var pid: pid_t = 0
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
    let envp: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment
        .filter { $0.key != "DATABASE_URL" }.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { (argv + envp).forEach { free($0) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    let spawned = posix_spawn(&pid, path, &actions, nil, argv, envp)
    guard spawned == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status >> 8) & 0xFF
}
