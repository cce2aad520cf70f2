import Crypto
import Foundation
import Logging
import PQ
import WardCore

/// Loads DATA.md's import files, from a folder, a file, a CSV body or the rows of a JSON request:
/// every row is parsed once into typed values (``ImportFile/parse(_:)``), staged in a temporary
/// table (binary COPY), checked there (the database side of the rules, by line or row), and
/// merged, all in one transaction: a file loads whole or not at all. Importing the same files
/// again changes nothing: observations, targets, areas, indicators, successions and party cells
/// are compared and upserted; a facts file is recorded by its SHA-256 (`fact_batches`) and a file
/// already imported is skipped, since facts have no identity of their own.
public struct Importer: Sendable {
    public struct Progress: Sendable {
        public var file: String
        public var rows: Int
        public var bytesRead: Int
        public var totalBytes: Int
        public var finished: Bool
    }

    public struct FileResult: Sendable {
        public var file: String
        public var kind: ImportFile
        public var rows: Int
        /// Rows inserted or changed.
        public var changed: Int
        /// Why nothing was done, when nothing was (a facts file imported before).
        public var skipped: String?
        public var seconds: Double
        /// The file went through the staging table and its per-line checks, not the fast lane
        /// (facts files with anything unusual, and every other kind of file).
        public var stagedLineByLine = true
        /// Warning rules the file left broken (DATA.md "Data quality"): listed, never blocking.
        public var warnings: [InputProblem] = []
    }

    let database: Database
    let logger: Logger
    /// Recorded as `updated_by` of observations and in the audit history.
    let author: String
    /// An editor's area: every row must be for it or an area below it (403 otherwise).
    let scope: String?
    /// Whether `reported_at` may give the real arrival of observations (an admin's command-line
    /// import); elsewhere writes arrive when they are made and the column is refused.
    let acceptsArrivalTimes: Bool
    /// An admin's reason to write into closed months (audited); nil: closed months refuse.
    let overrideReason: String?

    public init(database: Database, author: String = "import", scope: String? = nil, acceptsArrivalTimes: Bool = false,
                overrideReason: String? = nil, logger: Logger) {
        self.database = database
        self.author = author
        self.scope = scope
        self.acceptsArrivalTimes = acceptsArrivalTimes
        self.overrideReason = overrideReason
        self.logger = logger
    }

    /// Imports every known file present in `directory`, in dependency order.
    public func importDirectory(_ directory: URL, progress: @Sendable (Progress) -> Void = { _ in }) async throws -> [FileResult] {
        let present = ImportFile.allCases.filter { FileManager.default.fileExists(atPath: directory.appendingPathComponent($0.fileName).path) }
        guard !present.isEmpty else {
            throw ImportError(file: directory.path, "no import files here (expected \(ImportFile.allCases.map(\.fileName).joined(separator: ", ")))")
        }
        var results = [FileResult]()
        for kind in present {
            results.append(try await importFile(directory.appendingPathComponent(kind.fileName), as: kind, progress: progress))
        }
        return results
    }

    /// Imports one file; its kind comes from its name unless given.
    public func importFile(_ url: URL, as kind: ImportFile? = nil, progress: @Sendable (Progress) -> Void = { _ in }) async throws -> FileResult {
        let name = url.lastPathComponent
        guard let kind = kind ?? ImportFile(rawValue: url.deletingPathExtension().lastPathComponent) else {
            throw ImportError(file: name, "cannot tell which data this is: name it one of \(ImportFile.allCases.map(\.fileName).joined(separator: ", "))")
        }
        guard FileManager.default.isReadableFile(atPath: url.path) else { throw ImportError(file: name, "cannot open the file") }
        let totalBytes = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        return try await timed(name: name, totalBytes: totalBytes, progress: progress) {
            try await loadCSV(name: name, kind: kind, totalBytes: totalBytes, progress: progress) {
                guard let handle = FileHandle(forReadingAtPath: url.path) else { throw ImportError(file: name, "cannot open the file") }
                return { try handle.read(upToCount: 1 << 20) }
            }
        }
    }

    /// Imports CSV text held in memory (an HTTP request body) exactly as a file would be.
    public func importBody(_ body: Data, as kind: ImportFile, name: String) async throws -> FileResult {
        try await timed(name: name, totalBytes: body.count, progress: { _ in }) {
            try await loadCSV(name: name, kind: kind, totalBytes: body.count, progress: { _ in }) {
                var sent = false
                return {
                    defer { sent = true }
                    return sent ? nil : body
                }
            }
        }
    }

    /// Imports the rows of a request (JSON or NDJSON objects), each as its fields in the kind's
    /// column order (nil: the object left the field out). Problems are told by row index.
    public func importRows(_ rows: [[String?]], as kind: ImportFile, name: String) async throws -> FileResult {
        try await timed(name: name, totalBytes: 0, progress: { _ in }) {
            try await stageAndMerge(name: name, kind: kind, indexed: true, digest: {
                Checksum.hex(SHA256.hash(data: Array(rows.map { $0.map { $0 ?? "\u{1}" }.joined(separator: "\u{0}") }.joined(separator: "\n").utf8)))
            }) { staging, writer in
                for (index, fields) in rows.enumerated() {
                    try await staging.write(position: index, fields: fields, into: writer)
                }
            }
        }
    }

    private func timed(name: String, totalBytes: Int, progress: @Sendable (Progress) -> Void,
                       _ load: () async throws -> FileResult) async throws -> FileResult {
        let started = ContinuousClock.now
        var result = try await load()
        let elapsed = ContinuousClock.now - started
        result.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        progress(Progress(file: name, rows: result.rows, bytesRead: totalBytes, totalBytes: totalBytes, finished: true))
        logger.info("imported file", metadata: [
            "ward.file": "\(name)", "ward.rows": "\(result.rows)", "ward.changed": "\(result.changed)",
            "ward.ms": "\(Int(result.seconds * 1000))",
        ])
        return result
    }

    /// A CSV file or body: a facts file tries the fast lane first (not for an editor's write:
    /// its rows must be staged to check the editor's area); `open` starts a read of its bytes, in
    /// chunks, and may be called twice.
    func loadCSV(name: String, kind: ImportFile, totalBytes: Int, progress: @Sendable (Progress) -> Void,
                 open: () throws -> () throws -> Data?) async throws -> FileResult {
        if kind == .facts, scope == nil,
           var fast = try await loadFactsFast(name: name, totalBytes: totalBytes, progress: progress, nextChunk: try open()) {
            fast.stagedLineByLine = false
            return fast
        }
        let nextChunk = try open()
        var hasher = SHA256()
        var reader = CSVStagingReader(kind: kind, file: name)
        return try await stageAndMerge(name: name, kind: kind, indexed: false, digest: { Checksum.hex(hasher.finalize()) }) { staging, writer in
            var bytesRead = 0
            while let chunk = try nextChunk(), !chunk.isEmpty {
                bytesRead += chunk.count
                if kind == .facts { hasher.update(data: chunk) }
                try await reader.feed(chunk, to: &staging, writer: writer)
                progress(Progress(file: name, rows: staging.rows, bytesRead: bytesRead, totalBytes: totalBytes, finished: false))
            }
            try await reader.finish(to: &staging, writer: writer)
            try reader.checkHeaderSeen()
        }
    }

    /// The careful path: the rows into a staging table, the editor's area, the per-row checks
    /// naming every bad line or row, then the merge; one transaction. `digest` identifies a
    /// facts import (the same facts twice are added once).
    func stageAndMerge(name: String, kind: ImportFile, indexed: Bool, digest: () -> String,
                       _ fill: (inout StagingWriter, CopyWriter) async throws -> Void) async throws -> FileResult {
        try await database.transaction { db -> FileResult in
            try await db.execute(unsafeSQL: kind.stagingTable)
            var staging = StagingWriter(kind: kind, indexed: indexed)
            try await db.copy(into: "pg_temp.import_stage", columns: ["line"] + kind.columnNames) { writer in
                try await fill(&staging, writer)
            }
            if let scope, kind.writesForAnArea {
                try await checkScope(scope, on: db)
            }
            // Who writes, and why into closed months, for the triggers' audit (months.sql).
            try await db.query("SELECT set_config('wardboard.actor', \(author), true), set_config('wardboard.override_reason', \(overrideReason ?? ""), true)")
            var problems = staging.problems
            var total = staging.problemCount
            var closedMonths = 0
            for statement in kind.checkPreparation { try await db.execute(unsafeSQL: statement) }
            let unit = indexed ? "row" : "line"
            let columns = kind.checksFigures ? "c(line, col, message, locked)" : "c(line, col, message)"
            let checks = Query(unsafeSQL: "SELECT line, col, message, \(kind.checksFigures ? "locked" : "false") FROM (\(kind.checks)) \(columns) ORDER BY line LIMIT \(ImportError.shownLimit)",
                               bindings: kind.checks.contains("$1") ? [unit] : [])
            for row in try await db.query(checks) {
                let (line, column, message, locked) = try row.decode((Int32, String, String, Bool).self)
                problems.append(staging.problem(at: Int(line), field: column, message: message))
                if locked { closedMonths += 1 }
            }
            if kind == .observations && !acceptsArrivalTimes {
                for row in try await db.query("SELECT line FROM pg_temp.import_stage WHERE reported_at IS NOT NULL ORDER BY line LIMIT \(ImportError.shownLimit)") {
                    problems.append(staging.problem(at: Int(try row.decode(0, as: Int32.self)), field: "reported_at",
                                                    message: "only an admin's command-line import may give arrival times; other writes arrive when they are made"))
                    total += 1
                }
            }
            if problems.count > staging.problems.count {
                let count = Query(unsafeSQL: "SELECT count(*) FROM (\(kind.checks)) \(columns)", bindings: kind.checks.contains("$1") ? [unit] : [])
                total += try await db.scalar(count, as: Int.self) ?? 0
            }
            if !problems.isEmpty {
                problems.sort { ($0.line ?? $0.index ?? 0) < ($1.line ?? $1.index ?? 0) }
                throw ImportError(file: name, problems: problems, total: total, closedMonths: closedMonths == problems.count)
            }

            var binding: any SQLEncodable = author
            if kind == .facts {
                let digest = digest()
                if let id = try await db.scalar("SELECT id FROM fact_batches WHERE sha256 = \(digest)", as: Int.self) {
                    return FileResult(file: name, kind: kind, rows: staging.rows, changed: 0,
                                      skipped: "this file was imported before (batch \(id)); facts have no identity, so it is not added twice", seconds: 0)
                }
                binding = try await db.scalar("INSERT INTO fact_batches (sha256, source, rows) VALUES (\(digest), \(name), \(staging.rows)) RETURNING id", as: Int64.self) ?? 0
            }
            if let check = kind.changesSomething, try await db.scalar(Query(unsafeSQL: check), as: Bool.self) != true {
                return FileResult(file: name, kind: kind, rows: staging.rows, changed: 0, skipped: nil, seconds: 0)
            }
            // A file's statements write parts of the same rows (codes then areas; values then
            // arrival times): the file changed as many rows as the largest of them.
            var changed = 0
            for statement in kind.merge {
                changed = max(changed, try await db.execute(Query(unsafeSQL: statement, bindings: statement.contains("$1") ? [binding] : [])))
            }
            for statement in kind.afterMergePreparation { try await db.execute(unsafeSQL: statement) }
            func findings(_ check: String) async throws -> [InputProblem] {
                try await db.query(Query(unsafeSQL: "SELECT * FROM (\(check)) c(line, col, message) ORDER BY line")).map { row in
                    let (line, column, message) = try row.decode((Int32?, String, String).self)
                    return staging.problem(at: line.map(Int.init) ?? 0, field: column, message: message)
                }
            }
            if let check = kind.afterMergeChecks {
                let found = try await findings(check)
                if !found.isEmpty { throw ImportError(file: name, problems: found, total: found.count) }
            }
            var result = FileResult(file: name, kind: kind, rows: staging.rows, changed: changed, skipped: nil, seconds: 0)
            if let check = kind.afterMergeWarnings {
                result.warnings = try await findings(check)
                // Every key the file wrote was just judged against the rules (sql/functions/rules.sql).
                try await db.execute("SELECT wb_pending_rules_checked()")
            }
            return result
        }
    }

    /// Refuses the whole import when a row is for an area outside `scope` and the areas below it
    /// (in any month): an editor writes only for its own area.
    private func checkScope(_ scope: String, on db: Connection) async throws {
        let outside = try await db.query("""
            SELECT DISTINCT s.area_code FROM pg_temp.import_stage s
            WHERE s.area_code NOT IN (SELECT code FROM wb_area_subtree(\(scope))) ORDER BY 1 LIMIT 10
            """).map { try $0.decode(0, as: String.self) }
        if !outside.isEmpty {
            throw StoreError(.forbidden, "this token writes for \(scope) and the areas below it, not for \(outside.joined(separator: ", "))")
        }
    }
}
