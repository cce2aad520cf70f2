import Foundation
import Hummingbird
import NIOCore
import WardCore
import WardStore

/// The body of a write, read once: CSV text for the importer as a file would be, or the rows of
/// a JSON array (NDJSON for facts) as fields in the import file's column order.
enum WriteBody {
    case csv(Data)
    case rows([[String?]])

    static func read(_ request: Request, kind: ImportFile, limit: Int) async throws -> WriteBody {
        let contentType = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let accepted = kind == .facts ? ["application/x-ndjson", "text/csv", "application/json"] : ["application/json", "text/csv"]
        guard accepted.contains(contentType) else {
            throw Problem(.unsupportedMediaType, "send \(accepted.joined(separator: " or ")), not '\(contentType.isEmpty ? "no content type" : contentType)'")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch {
            throw Problem(.contentTooLarge, "the body is larger than the limit of \(limit) bytes; send it in parts")
        }
        let bytes = Data(body.readableBytesView)
        switch contentType {
        case "text/csv": return .csv(bytes)
        default: return .rows(try rows(bytes, ndjson: contentType == "application/x-ndjson", kind: kind))
        }
    }

    /// JSON objects keyed by the file's column names, as fields in column order. Unknown keys,
    /// and values that are neither strings nor numbers, are told by index and field; a missing
    /// key is a missing field, which the importer judges like an empty one in a file.
    static func rows(_ data: Data, ndjson: Bool, kind: ImportFile) throws -> [[String?]] {
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
        let columns = kind.columnNames
        // JSON's true and false arrive as NSNumbers of this class (1 and 0 would pass as numbers).
        let booleanType = type(of: NSNumber(value: true))
        var problems = [InputProblem]()
        var rows = [(index: Int, fields: [String?])]()
        for (index, item) in objects.enumerated() {
            guard let object = item as? [String: Any] else {
                problems.append(InputProblem(index: index, field: "-", message: "expected an object"))
                continue
            }
            for key in object.keys.sorted() where !columns.contains(key) {
                problems.append(InputProblem(index: index, field: Printable.excerpt(key), message: "unknown field (expected \(columns.joined(separator: ", ")))"))
            }
            rows.append((index, columns.map { column -> String? in
                switch object[column] {
                case nil, is NSNull: return nil
                case let text as String: return text
                case let number as NSNumber where type(of: number) != booleanType: return number.stringValue
                default:
                    problems.append(InputProblem(index: index, field: column, message: "must be a string or a number"))
                    return nil
                }
            }))
        }
        if !problems.isEmpty {
            // Name the rows' other faults too (WardCore's reading of a row, as the importer's).
            for (index, fields) in rows {
                do throws(RuleViolation) { _ = try kind.parse(fields) } catch {
                    problems.append(InputProblem(index: index, field: error.field, message: error.message))
                }
            }
            problems.sort { ($0.index ?? 0) < ($1.index ?? 0) }
            throw Problem(.unprocessableContent, "\(problems.count) bad field\(problems.count == 1 ? "" : "s"); nothing was written", errors: problems)
        }
        return rows.map(\.fields)
    }
}
