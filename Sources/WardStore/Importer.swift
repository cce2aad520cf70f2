import Foundation
import Logging
import PQ
import WardCore

/// Loads DATA.md's CSV files. Each file streams through the CSV parser into a temporary staging
/// table (binary COPY), is checked there, and is merged, all in one transaction: a file loads
/// whole or not at all. Importing the same files again changes nothing: observations, targets,
/// areas, indicators, successions and party cells are compared and upserted; a facts file is
/// recorded by its SHA-256 (`fact_batches`) and a file already imported is skipped, since facts
/// have no identity of their own.
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
    }

    let database: Database
    let logger: Logger
    /// Recorded as `updated_by` of observations.
    let author: String

    public init(database: Database, author: String = "import", logger: Logger) {
        self.database = database
        self.author = author
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
        return try await load(name: name, kind: kind, totalBytes: totalBytes, progress: progress) {
            guard let handle = FileHandle(forReadingAtPath: url.path) else { throw ImportError(file: name, "cannot open the file") }
            return { try handle.read(upToCount: 1 << 20) }
        }
    }

    /// Imports CSV text held in memory (an HTTP request body) exactly as a file would be.
    public func importBody(_ body: Data, as kind: ImportFile, name: String) async throws -> FileResult {
        try await load(name: name, kind: kind, totalBytes: body.count) {
            var sent = false
            return {
                defer { sent = true }
                return sent ? nil : body
            }
        }
    }

    /// Loads one file. `open` starts a read of its bytes, in chunks; a facts file may be read
    /// twice (see `loadFactsFast`).
    func load(name: String, kind: ImportFile, totalBytes: Int, progress: @Sendable (Progress) -> Void = { _ in },
              open: () throws -> () throws -> Data?) async throws -> FileResult {
        let started = ContinuousClock.now
        var result: FileResult
        if kind == .facts, let fast = try await loadFactsFast(name: name, totalBytes: totalBytes, progress: progress, nextChunk: try open()) {
            result = fast
            result.stagedLineByLine = false
        } else {
            result = try await loadCarefully(name: name, kind: kind, totalBytes: totalBytes, progress: progress, nextChunk: try open())
        }
        let elapsed = ContinuousClock.now - started
        result.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        progress(Progress(file: name, rows: result.rows, bytesRead: totalBytes, totalBytes: totalBytes, finished: true))
        logger.info("imported file", metadata: [
            "ward.file": "\(name)", "ward.rows": "\(result.rows)", "ward.changed": "\(result.changed)",
            "ward.ms": "\(Int(result.seconds * 1000))",
        ])
        return result
    }

    /// The careful path: a staging table, per-line checks naming every bad line, then a merge.
    func loadCarefully(name: String, kind: ImportFile, totalBytes: Int, progress: @Sendable (Progress) -> Void,
                       nextChunk: () throws -> Data?) async throws -> FileResult {
        try await database.pool.withTransaction { db -> FileResult in
            let columns = kind.stagingColumns.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
            try await db.execute(unsafeSQL: "CREATE TEMP TABLE import_stage (line int4 NOT NULL, \(columns)) ON COMMIT DROP")
            var reader = StagingReader(kind: kind, file: name)
            var hasher = SHA256()
            var bytesRead = 0
            try await db.copy(into: "pg_temp.import_stage", columns: ["line"] + kind.stagingColumns.map(\.0)) { writer in
                while true {
                    guard let chunk = try nextChunk(), !chunk.isEmpty else { break }
                    bytesRead += chunk.count
                    if kind == .facts { hasher.update(chunk) }
                    try await reader.feed(chunk, into: writer)
                    progress(Progress(file: name, rows: reader.rows, bytesRead: bytesRead, totalBytes: totalBytes, finished: false))
                }
                try await reader.finish(into: writer)
            }
            try reader.checkHeaderSeen()
            var problems = reader.problems
            var total = reader.problemCount
            for row in try await db.query(Query(unsafeSQL: "SELECT * FROM (\(kind.checks)) c(line, col, message) ORDER BY line LIMIT \(ImportError.shownLimit)")) {
                let (line, column, message) = try row.decode((Int32, String, String).self)
                problems.append(InputProblem(line: Int(line), field: column, message: message))
            }
            if problems.count > reader.problems.count {
                total += try await db.scalar(Query(unsafeSQL: "SELECT count(*) FROM (\(kind.checks)) c"), as: Int.self) ?? 0
            }
            if !problems.isEmpty {
                problems.sort { ($0.line ?? 0) < ($1.line ?? 0) }
                throw ImportError(file: name, problems: problems, total: total)
            }

            var binding: (any SQLEncodable)? = author
            if kind == .facts {
                let digest = SHA256.hex(hasher.finalize())
                if let id = try await db.scalar("SELECT id FROM fact_batches WHERE sha256 = \(digest)", as: Int.self) {
                    return FileResult(file: name, kind: kind, rows: reader.rows, changed: 0,
                                      skipped: "this file was imported before (batch \(id)); facts have no identity, so it is not added twice", seconds: 0)
                }
                binding = try await db.scalar("INSERT INTO fact_batches (sha256, source, rows) VALUES (\(digest), \(name), \(reader.rows)) RETURNING id", as: Int64.self)
            }
            if let check = kind.changesSomething, try await db.scalar(Query(unsafeSQL: check), as: Bool.self) != true {
                return FileResult(file: name, kind: kind, rows: reader.rows, changed: 0, skipped: nil, seconds: 0)
            }
            var changed = 0
            for statement in kind.merge {
                let bindings: [any SQLEncodable] = statement.contains("$1") ? [binding].compactMap { $0 } : []
                changed += try await db.execute(Query(unsafeSQL: statement, bindings: bindings))
            }
            return FileResult(file: name, kind: kind, rows: reader.rows, changed: changed, skipped: nil, seconds: 0)
        }
    }
}

/// Parses records, checks the header and each row's format, and writes good rows to COPY.
struct StagingReader {
    let kind: ImportFile
    let file: String
    var parser = CSVParser()
    var order: [Int]?
    var rows = 0
    var problems: [InputProblem] = []
    var problemCount = 0
    var pending: [CSVRecord] = []

    init(kind: ImportFile, file: String) {
        self.kind = kind
        self.file = file
    }

    mutating func feed(_ chunk: Data, into writer: CopyWriter) async throws {
        do {
            try parser.feed(chunk) { pending.append($0) }
        } catch let error as CSVSyntaxError {
            try await drain(into: writer)
            throw syntaxFailure(error)
        }
        try await drain(into: writer)
    }

    mutating func finish(into writer: CopyWriter) async throws {
        do {
            try parser.finish { pending.append($0) }
        } catch let error as CSVSyntaxError {
            try await drain(into: writer)
            throw syntaxFailure(error)
        }
        try await drain(into: writer)
    }

    func checkHeaderSeen() throws {
        if order == nil {
            throw ImportError(file: file, "the file is empty: expected a header row \(kind.columns.joined(separator: ","))")
        }
    }

    private func syntaxFailure(_ error: CSVSyntaxError) -> ImportError {
        var shown = problems
        shown.append(InputProblem(line: error.line, field: "-", message: error.description))
        if error.reason == .binary || (error.reason == .notUTF8 && order == nil) {
            return ImportError(file: file, "line \(error.line): \(error.description)")
        }
        return ImportError(file: file, problems: shown, total: problemCount + 1)
    }

    private mutating func drain(into writer: CopyWriter) async throws {
        let records = pending
        pending.removeAll(keepingCapacity: true)
        for record in records {
            guard let order else {
                self.order = try header(record)
                continue
            }
            rows += 1
            guard record.fields.count == kind.columns.count else {
                note(InputProblem(line: record.line, field: "-", message: "expected \(kind.columns.count) fields (\(kind.columns.joined(separator: ","))), found \(record.fields.count)"))
                continue
            }
            let fields = order.map { record.fields[$0] }
            switch kind.stage(fields) {
            case .success(let values): try await writer.write([Int32(record.line)] + values)
            case .failure(let violation): note(InputProblem(line: record.line, field: violation.field, message: violation.message))
            }
        }
    }

    private mutating func note(_ problem: InputProblem) {
        problemCount += 1
        if problems.count < ImportError.shownLimit { problems.append(problem) }
    }

    /// Maps the header to the expected columns (any order); names what is missing or extra.
    private func header(_ record: CSVRecord) throws -> [Int] {
        let found = record.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let expected = kind.columns
        let missing = expected.filter { !found.contains($0) }
        let extra = found.filter { !expected.contains($0) }
        if missing.isEmpty && extra.isEmpty && Set(found).count == found.count {
            return expected.compactMap { found.firstIndex(of: $0) }
        }
        if missing.count == expected.count {
            throw ImportError(file: file, "line 1 is not a \(kind.fileName) header: none of its columns (\(expected.joined(separator: ","))) is there — is this a CSV file of that kind?")
        }
        var parts = [String]()
        if !missing.isEmpty { parts.append("missing column\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", "))") }
        if !extra.isEmpty { parts.append("unexpected column\(extra.count == 1 ? "" : "s") \(extra.joined(separator: ", "))") }
        if Set(found).count != found.count { parts.append("a column appears twice") }
        throw ImportError(file: file, "line 1: \(parts.joined(separator: "; ")) (expected \(expected.joined(separator: ",")))")
    }
}
