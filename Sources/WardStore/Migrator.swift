import Foundation
import Logging
import PQ
import WardCore

/// Applies `sql/NNNN_name.sql` files in order, each in its own transaction, and records them in
/// `schema_migrations` with a SHA-256 checksum. An applied file that was edited is refused.
/// Concurrent runs are safe: they queue on an advisory lock.
public struct Migrator: Sendable {
    public struct Migration: Sendable {
        public let version: Int
        public let name: String
        public let sql: String
        public var checksum: String { SHA256.hex(SHA256.hash(Array(sql.utf8))) }
    }

    let pool: ConnectionPool
    let directory: URL
    let logger: Logger
    static let lockKey: Int64 = 0x5741_5244_4d49_4752 // "WARDMIGR"

    public init(pool: ConnectionPool, directory: URL, logger: Logger) {
        self.pool = pool
        self.directory = directory
        self.logger = logger
    }

    /// The migration files, in version order.
    public func migrations() throws -> [Migration] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory.path) }
        catch { throw StoreError(.migrationFailed, "cannot read the migrations folder \(directory.path): \(error.localizedDescription)") }
        return try names.filter { $0.hasSuffix(".sql") }.sorted().compactMap { name in
            guard let version = Int(name.prefix { $0.isNumber }), name.prefix(4).allSatisfy(\.isNumber) else { return nil }
            let url = directory.appendingPathComponent(name)
            guard let sql = try? String(contentsOf: url, encoding: .utf8) else {
                throw StoreError(.migrationFailed, "cannot read \(url.path) as UTF-8 text")
            }
            return Migration(version: version, name: name, sql: sql)
        }
    }

    /// Applies what is missing; returns the names applied now.
    @discardableResult
    public func migrate() async throws -> [String] {
        let files = try migrations()
        return try await pool.withConnection { db in
            try await db.query("SELECT pg_advisory_lock(\(Self.lockKey))")
            do {
                let applied = try await apply(files, on: db)
                try await db.query("SELECT pg_advisory_unlock(\(Self.lockKey))")
                return applied
            } catch {
                _ = try? await db.query("SELECT pg_advisory_unlock(\(Self.lockKey))")
                throw error
            }
        }
    }

    private func apply(_ files: [Migration], on db: Connection) async throws -> [String] {
        try await db.execute(unsafeSQL: """
            CREATE TABLE IF NOT EXISTS schema_migrations (
              version integer PRIMARY KEY,
              name text NOT NULL,
              checksum text NOT NULL,
              applied_at timestamptz NOT NULL DEFAULT now())
            """)
        var known = [Int: (String, String)]()
        for row in try await db.query("SELECT version, name, checksum FROM schema_migrations") {
            let (version, name, checksum) = try row.decode((Int, String, String).self)
            known[version] = (name, checksum)
        }
        var applied = [String]()
        for file in files {
            if let (name, checksum) = known[file.version] {
                guard checksum == file.checksum else {
                    throw StoreError(.migrationChanged, "sql/\(file.name) was edited after it was applied as \(name) (checksum \(checksum.prefix(12))… now \(file.checksum.prefix(12))…); put the change in a new migration instead")
                }
                continue
            }
            logger.info("applying migration", metadata: ["ward.migration": "\(file.name)"])
            do {
                try await db.withTransaction { tx in
                    try await tx.execute(unsafeSQL: file.sql)
                    try await tx.execute("INSERT INTO schema_migrations (version, name, checksum) VALUES (\(file.version), \(file.name), \(file.checksum))")
                }
            } catch let error as PQError {
                throw StoreError(.migrationFailed, "sql/\(file.name) failed: \(error)")
            }
            applied.append(file.name)
        }
        return applied
    }
}
