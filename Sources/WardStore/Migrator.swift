import Foundation
import Logging
import PQ
import WardCore

/// Brings a database to the program's layout (`sql/`, see `sql/README.md`), in one transaction
/// under an advisory lock, so concurrent runs queue and a failure changes nothing:
///
/// 1. `sql/migrations/NNNN_name.sql` not applied yet, in order (tables, indexes, data). An applied
///    migration that was edited since is refused: its change belongs in a new migration.
/// 2. `sql/functions/<concern>.sql` whose text changed since it was last applied (or that was never
///    applied), in name order: the one current definition of each function, trigger and view,
///    applied again whenever it changes (Flyway's repeatable migrations).
///
/// A database made before v0.2.0 holds the first layout's migrations (0001-0007, since folded into
/// `0001_baseline.sql`); `0001_baseline.adopt.sql` then runs instead of the baseline: it checks that
/// the database is exactly that layout and takes it over in place.
public struct Migrator: Sendable {
    /// One file of `sql/`.
    public struct SQLFile: Sendable {
        public let name: String
        public let sql: String
        public var checksum: String { Checksum.sha256Hex(Array(sql.utf8)) }
    }

    public struct Migration: Sendable {
        public let version: Int
        public let file: SQLFile
        /// `NNNN_name.adopt.sql`: takes over a database made by an earlier layout instead.
        public let adopt: SQLFile?
        public var name: String { file.name }
    }

    /// What one run applied.
    public struct Outcome: Sendable, Equatable {
        public var migrations: [String] = []
        public var functions: [String] = []
        /// The earlier layout this run took over, if it did.
        public var adopted: Bool = false
    }

    let database: Database
    /// The `sql/` folder: `migrations/` and `functions/` inside.
    let directory: URL
    let logger: Logger
    static let lockKey: Int64 = 0x5741_5244_4d49_4752 // "WARDMIGR"

    public init(database: Database, directory: URL, logger: Logger) {
        self.database = database
        self.directory = directory
        self.logger = logger
    }

    /// The migrations, in version order.
    public func migrations() throws -> [Migration] {
        let folder = directory.appendingPathComponent("migrations")
        let names = try list(folder)
        return try names.filter { $0.hasSuffix(".sql") && !$0.hasSuffix(".adopt.sql") }.compactMap { name in
            guard name.prefix(4).allSatisfy(\.isNumber), let version = Int(name.prefix(4)) else { return nil }
            let adoptName = name.dropLast(4) + ".adopt.sql"
            return Migration(version: version, file: try read(folder, name),
                             adopt: names.contains(String(adoptName)) ? try read(folder, String(adoptName)) : nil)
        }
    }

    /// The function files, in the order they are applied.
    public func functionFiles() throws -> [SQLFile] {
        let folder = directory.appendingPathComponent("functions")
        return try list(folder).filter { $0.hasSuffix(".sql") }.map { try read(folder, $0) }
    }

    /// One checksum of the whole layout (tests name their template database after it).
    public func layoutChecksum() throws -> String {
        let parts = try migrations().flatMap { [$0.file] + ($0.adopt.map { [$0] } ?? []) } + functionFiles()
        return Checksum.sha256Hex(Array(parts.map { "\($0.name) \($0.checksum)\n" }.joined().utf8))
    }

    /// Applies what is missing or changed; returns what it applied.
    @discardableResult
    public func migrate() async throws -> Outcome {
        let migrations = try migrations()
        let functions = try functionFiles()
        return try await database.transaction { db in
            try await db.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))")
            try await db.execute(unsafeSQL: """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                  version integer PRIMARY KEY,
                  name text NOT NULL,
                  checksum text NOT NULL,
                  applied_at timestamptz NOT NULL DEFAULT now());
                CREATE TABLE IF NOT EXISTS schema_functions (
                  name text PRIMARY KEY,
                  checksum text NOT NULL,
                  applied_at timestamptz NOT NULL DEFAULT now());
                """)
            var outcome = Outcome()
            try await applyMigrations(migrations, on: db, outcome: &outcome)
            try await applyFunctions(functions, on: db, outcome: &outcome)
            return outcome
        }
    }

    private func applyMigrations(_ files: [Migration], on db: Connection, outcome: inout Outcome) async throws {
        var known = [Int: (name: String, checksum: String)]()
        for row in try await db.query("SELECT version, name, checksum FROM schema_migrations") {
            let (version, name, checksum) = try row.decode((Int, String, String).self)
            known[version] = (name, checksum)
        }
        let names = Set(files.map(\.name))
        var foreign = known.values.map(\.name).filter { !names.contains($0) }.sorted()
        for file in files {
            if let applied = known[file.version], names.contains(applied.name) {
                guard applied.checksum == file.file.checksum else {
                    throw StoreError(.migrationChanged, "sql/migrations/\(file.name) was edited after it was applied (checksum \(applied.checksum.prefix(12))… now \(file.file.checksum.prefix(12))…); put the change in a new migration instead")
                }
                continue
            }
            var script = file.file
            if !foreign.isEmpty {
                // The database was made by an earlier layout: only an adopt script may take it over,
                // and only in place of the first migration it does not know.
                guard let adopt = file.adopt, outcome.migrations.isEmpty, !outcome.adopted else {
                    throw StoreError(.migrationFailed, "the database holds migrations this program does not know (\(foreign.joined(separator: ", "))); it was made by another version of Wardboard")
                }
                script = adopt
                outcome.adopted = true
            }
            logger.info("applying migration", metadata: ["ward.migration": "\(script.name)"])
            do {
                try await db.execute(unsafeSQL: script.sql)
            } catch let error as PQError {
                throw StoreError(.migrationFailed, "sql/migrations/\(script.name) failed: \(error)")
            }
            if outcome.adopted && script.name == file.adopt?.name {
                try await db.execute("DELETE FROM schema_migrations WHERE name <> ALL(\(Array(names)))")
                foreign = []
            }
            try await db.execute("""
                INSERT INTO schema_migrations (version, name, checksum) VALUES (\(file.version), \(file.name), \(file.file.checksum))
                """)
            outcome.migrations.append(script.name)
        }
    }

    private func applyFunctions(_ files: [SQLFile], on db: Connection, outcome: inout Outcome) async throws {
        var known = [String: String]()
        for row in try await db.query("SELECT name, checksum FROM schema_functions") {
            let (name, checksum) = try row.decode((String, String).self)
            known[name] = checksum
        }
        // A function may call one defined in a later file: bodies are checked when they run.
        try await db.execute(unsafeSQL: "SET LOCAL check_function_bodies = off")
        for file in files where known[file.name] != file.checksum {
            logger.info("applying function file", metadata: ["ward.functions": "\(file.name)"])
            do {
                try await db.execute(unsafeSQL: file.sql)
            } catch let error as PQError {
                throw StoreError(.migrationFailed, "sql/functions/\(file.name) failed: \(error)")
            }
            try await db.execute("""
                INSERT INTO schema_functions (name, checksum) VALUES (\(file.name), \(file.checksum))
                ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum, applied_at = now()
                """)
            outcome.functions.append(file.name)
        }
    }

    private func list(_ folder: URL) throws -> [String] {
        do { return try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() }
        catch { throw StoreError(.migrationFailed, "cannot read the folder \(folder.path): \(error.localizedDescription)") }
    }

    private func read(_ folder: URL, _ name: String) throws -> SQLFile {
        let url = folder.appendingPathComponent(name)
        guard let sql = try? String(contentsOf: url, encoding: .utf8) else {
            throw StoreError(.migrationFailed, "cannot read \(url.path) as UTF-8 text")
        }
        return SQLFile(name: name, sql: sql)
    }
}
