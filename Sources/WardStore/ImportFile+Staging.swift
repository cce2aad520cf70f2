import Foundation
import PQ
import WardCore

/// How each import file is staged: a typed temporary table, its columns those of the file.
extension ImportFile {
    /// `CREATE TEMP TABLE import_stage (...)`: `line` (a file's line, a request's row index),
    /// then one typed column per column of the file (quoted: rules.csv has `left` and `right`).
    var stagingTable: String {
        let columns = self.columns.map { "\"\($0.name)\" \($0.kind.sqlType)" }.joined(separator: ", ")
        return "CREATE TEMP TABLE import_stage (line int4 NOT NULL, \(columns)) ON COMMIT DROP"
    }
}

extension ImportColumn.Kind {
    var sqlType: String {
        switch self {
        case .areaCode, .indicatorCode: "text COLLATE \"C\""
        case .name, .text, .operand: "text"
        case .date, .month: "date"
        case .decimal: "numeric"
        case .integer: "int4"
        case .instant: "timestamptz"
        case .boolean: "bool"
        }
    }
}

extension ImportValue {
    /// The value as COPY writes it into its staging column.
    var sqlValue: any SQLEncodable {
        switch self {
        case .null: String?.none
        case .text(let text): text
        case .date(let date): date.sqlDate
        case .month(let month): month.sqlDate
        case .decimal(let number): number
        case .integer(let number): Int32(truncatingIfNeeded: number)
        case .instant(let seconds): Date(timeIntervalSince1970: seconds)
        case .boolean(let flag): flag
        }
    }
}

/// Rows of one import, in the file's columns, on their way into the staging table: each row is
/// parsed once (``ImportFile/parse(_:)``); a good row is written to COPY, a bad one noted with
/// its position. Rows come from a CSV file or body (``CSVStagingReader``) or from a JSON request.
struct StagingWriter {
    let kind: ImportFile
    var rows = 0
    var problems: [InputProblem] = []
    var problemCount = 0
    /// Whether positions are JSON indexes (0-based) rather than file lines.
    let indexed: Bool

    init(kind: ImportFile, indexed: Bool) {
        self.kind = kind
        self.indexed = indexed
    }

    /// One row: `fields` in the file's column order, nil for a column left out.
    mutating func write(position: Int, fields: [String?], into writer: CopyWriter) async throws {
        rows += 1
        let values: [ImportValue]
        do throws(RuleViolation) {
            values = try kind.parse(fields)
        } catch {
            return note(problem(at: position, field: error.field, message: error.message))
        }
        try await writer.write([Int32(truncatingIfNeeded: position)] + values.map(\.sqlValue))
    }

    func problem(at position: Int, field: String, message: String) -> InputProblem {
        indexed ? InputProblem(index: position, field: field, message: message) : InputProblem(line: position, field: field, message: message)
    }

    mutating func note(_ problem: InputProblem) {
        problemCount += 1
        if problems.count < ImportError.shownLimit { problems.append(problem) }
    }
}

/// A CSV file or body, read in chunks: the header maps the file's columns (any order, optional
/// ones may be left out), then each record goes to the ``StagingWriter``.
struct CSVStagingReader {
    let kind: ImportFile
    let file: String
    var parser = CSVParser()
    /// For each of the kind's columns, its position in the header (nil: left out).
    var order: [Int?]?
    var headerCount = 0
    var pending: [CSVRecord] = []

    init(kind: ImportFile, file: String) {
        self.kind = kind
        self.file = file
    }

    mutating func feed(_ chunk: Data, to staging: inout StagingWriter, writer: CopyWriter) async throws {
        do {
            try parser.feed(chunk) { pending.append($0) }
        } catch let error as CSVSyntaxError {
            try await drain(to: &staging, writer: writer)
            throw syntaxFailure(error, staging)
        }
        try await drain(to: &staging, writer: writer)
    }

    mutating func finish(to staging: inout StagingWriter, writer: CopyWriter) async throws {
        do {
            try parser.finish { pending.append($0) }
        } catch let error as CSVSyntaxError {
            try await drain(to: &staging, writer: writer)
            throw syntaxFailure(error, staging)
        }
        try await drain(to: &staging, writer: writer)
    }

    func checkHeaderSeen() throws {
        if order == nil {
            throw ImportError(file: file, "the file is empty: expected a header row \(kind.columnNames.joined(separator: ","))")
        }
    }

    private func syntaxFailure(_ error: CSVSyntaxError, _ staging: StagingWriter) -> ImportError {
        var shown = staging.problems
        shown.append(InputProblem(line: error.line, field: "-", message: error.description))
        if error.reason == .binary || (error.reason == .notUTF8 && order == nil) {
            return ImportError(file: file, "line \(error.line): \(error.description)")
        }
        return ImportError(file: file, problems: shown, total: staging.problemCount + 1)
    }

    private mutating func drain(to staging: inout StagingWriter, writer: CopyWriter) async throws {
        let records = pending
        pending.removeAll(keepingCapacity: true)
        for record in records {
            guard let order else {
                self.order = try header(record)
                headerCount = record.fields.count
                continue
            }
            guard record.fields.count == headerCount else {
                staging.rows += 1
                staging.note(InputProblem(line: record.line, field: "-", message: "expected \(headerCount) fields as in the header, found \(record.fields.count)"))
                continue
            }
            try await staging.write(position: record.line, fields: order.map { $0.map { record.fields[$0] } }, into: writer)
        }
    }

    /// Maps the header to the kind's columns (any order); names what is missing or extra.
    private func header(_ record: CSVRecord) throws -> [Int?] {
        let found = record.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let expected = kind.columnNames
        let required = kind.columns.filter { !$0.optional }.map(\.name)
        let missing = required.filter { !found.contains($0) }
        let extra = found.filter { !expected.contains($0) }
        if missing.isEmpty && extra.isEmpty && Set(found).count == found.count {
            return expected.map { found.firstIndex(of: $0) }
        }
        if !found.contains(where: expected.contains) {
            throw ImportError(file: file, "line 1 is not a \(kind.fileName) header: none of its columns (\(expected.joined(separator: ","))) is there — is this a CSV file of that kind?")
        }
        var parts = [String]()
        if !missing.isEmpty { parts.append("missing column\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", "))") }
        if !extra.isEmpty { parts.append("unexpected column\(extra.count == 1 ? "" : "s") \(extra.map { Printable.excerpt($0) }.joined(separator: ", "))") }
        if Set(found).count != found.count { parts.append("a column appears twice") }
        throw ImportError(file: file, "line 1: \(parts.joined(separator: "; ")) (expected \(expected.joined(separator: ",")))")
    }
}
