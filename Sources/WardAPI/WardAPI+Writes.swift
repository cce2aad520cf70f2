import Foundation
import Hummingbird
import NIOCore
import WardCore
import WardStore

struct WriteAnswer: Codable {
    var rows: Int
    var written: Int
    var note: String?
}

extension WardAPI {
    func addWriteRoutes(to api: RouterGroup<WardRequestContext>) {
        api.post("observations") { request, context in try await write(.observations, request, context) }
        api.post("facts") { request, context in try await write(.facts, request, context) }
        api.put("targets") { request, context in try await write(.targets, request, context) }
        // Admin: areas, indicators and party cells, in their import formats.
        api.post("areas") { request, context in try await write(.areas, request, context) }
        api.put("indicators") { request, context in try await write(.indicators, request, context) }
        api.put("party-cells") { request, context in try await write(.partyCells, request, context) }
    }

    /// One all-or-nothing write: the body (JSON array, NDJSON for facts, or CSV) becomes the
    /// import format and goes through the importer's checks and merge in one transaction.
    func write(_ kind: ImportFile, _ request: Request, _ context: WardRequestContext) async throws -> Response {
        let token: TokenInfo
        switch kind {
        case .observations, .facts, .targets: token = try await auth.requireWriter(request)
        default: token = try await auth.requireAdmin(request)
        }
        let contentType = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let accepted = kind == .facts ? ["application/x-ndjson", "text/csv", "application/json"] : ["application/json", "text/csv"]
        guard accepted.contains(contentType) else {
            throw Problem(.unsupportedMediaType, "send \(accepted.joined(separator: " or ")), not '\(contentType.isEmpty ? "no content type" : contentType)'")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: configuration.bodyLimit)
        } catch {
            throw Problem(.contentTooLarge, "the body is larger than the limit of \(configuration.bodyLimit) bytes; send it in parts")
        }
        let bytes = Data(body.readableBytesView)
        let isJSON = contentType != "text/csv"
        let csv: Data
        if isJSON {
            let records = try Self.jsonRecords(bytes, ndjson: contentType == "application/x-ndjson", columns: kind.columns, defaults: kind == .facts ? ["amount": "1"] : [:])
            csv = Data((CSVWriter.line(kind.columns) + records.map(CSVWriter.line).joined()).utf8)
        } else {
            csv = bytes
        }
        if token.role == .editor, let scope = token.areaCode {
            let codes = try Self.areaCodes(in: csv)
            let outside = try await AreaRepository(database).outside(codes, ancestor: scope)
            if !outside.isEmpty {
                throw Problem(.forbidden, "token '\(token.name)' writes for \(scope) and the areas below it, not for \(outside.prefix(10).joined(separator: ", "))")
            }
        }
        let importer = Importer(database: database, author: "token:\(token.id):\(token.name)", logger: context.logger)
        do {
            let result = try await importer.importBody(csv, as: kind, name: "body")
            let answer = WriteAnswer(rows: result.rows, written: result.changed, note: result.skipped.map { _ in "the same facts were sent before; nothing was added" })
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: try FeedResponse.encoder.encode(answer))))
        } catch let error as ImportError {
            if let fileProblem = error.fileProblem { throw Problem(.unprocessableContent, fileProblem) }
            // CSV lines stay lines; JSON rows are told by their index (line 2 is index 0).
            let problems = error.problems.map { problem in
                isJSON ? InputProblem(index: problem.line.map { $0 - 2 }, field: problem.field, message: problem.message) : problem
            }
            throw Problem(.unprocessableContent, "\(error.total) bad row\(error.total == 1 ? "" : "s"); nothing was written", errors: problems)
        }
    }

    /// JSON objects keyed by the CSV column names, as CSV fields. Unknown or missing keys, and
    /// values that are neither strings nor numbers, are reported by index and field.
    static func jsonRecords(_ data: Data, ndjson: Bool, columns: [String], defaults: [String: String]) throws -> [[String]] {
        var objects = [Any]()
        do {
            if ndjson {
                for line in data.split(separator: UInt8(ascii: "\n")) where !line.allSatisfy({ $0 == 32 || $0 == 13 }) {
                    objects.append(try JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed]))
                }
            } else {
                guard let array = try JSONSerialization.jsonObject(with: data) as? [Any] else {
                    throw Problem(.unprocessableContent, "the body must be a JSON array of objects")
                }
                objects = array
            }
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem(.badRequest, "the body is not valid JSON: \(error.localizedDescription)")
        }
        var problems = [InputProblem]()
        var records = [[String]]()
        for (index, item) in objects.enumerated() {
            guard let object = item as? [String: Any] else {
                problems.append(InputProblem(index: index, field: "-", message: "expected an object"))
                continue
            }
            for key in object.keys where !columns.contains(key) {
                problems.append(InputProblem(index: index, field: key, message: "unknown field (expected \(columns.joined(separator: ", ")))"))
            }
            var record = [String]()
            for column in columns {
                switch object[column] {
                case let text as String: record.append(text)
                case let number as NSNumber: record.append(number.stringValue)
                case nil, is NSNull:
                    if let fallback = defaults[column] { record.append(fallback) }
                    else if ["parent_code", "valid_to", "numerator", "denominator", "cutoff_day", "founded_on", "share"].contains(column) { record.append("") }
                    else { problems.append(InputProblem(index: index, field: column, message: "is missing")); record.append("") }
                default:
                    problems.append(InputProblem(index: index, field: column, message: "must be a string or a number"))
                    record.append("")
                }
            }
            records.append(record)
        }
        if !problems.isEmpty {
            throw Problem(.unprocessableContent, "\(problems.count) bad field\(problems.count == 1 ? "" : "s"); nothing was written", errors: problems)
        }
        return records
    }

    /// The distinct area codes of a CSV body (its `area_code` or `code` column).
    static func areaCodes(in csv: Data) throws -> [String] {
        var parser = CSVParser()
        var column: Int?
        var codes = Set<String>()
        do {
            try parser.feed(csv) { record in
                guard let index = column else {
                    column = record.fields.firstIndex(of: "area_code") ?? record.fields.firstIndex(of: "code")
                    return
                }
                if index < record.fields.count { codes.insert(record.fields[index]) }
            }
            try parser.finish { record in
                if let index = column, index < record.fields.count { codes.insert(record.fields[index]) }
            }
        } catch {
            // Malformed CSV is reported, by line, by the importer.
        }
        return codes.sorted()
    }
}
