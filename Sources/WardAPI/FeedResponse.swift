import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import WardCore

/// Encodes a feed as JSON, or as CSV when asked (`?format=csv` or `Accept: text/csv`), with an
/// ETag that is the hash of the exact body (so it changes exactly when the data does) and
/// `If-None-Match` answered with 304.
struct FeedResponse {
    let configuration: APIConfiguration

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    enum Format { case json, csv }

    static func format(of request: Request) throws -> Format {
        if let format = request.uri.queryParameters.get("format") {
            switch format {
            case "json": return .json
            case "csv": return .csv
            default: throw Problem.badParameter("format", "'\(format)' is not json or csv")
            }
        }
        if let accept = request.headers[.accept], accept.contains("text/csv") { return .csv }
        return .json
    }

    /// JSON of `value`, or CSV of `columns` and `rows`.
    func respond<Value: Encodable>(_ value: Value, columns: [String], rows: [[String]], request: Request, filename: String) throws -> Response {
        let body: Data
        var headers = HTTPFields()
        switch try Self.format(of: request) {
        case .json:
            body = try Self.encoder.encode(value)
            headers[.contentType] = "application/json; charset=utf-8"
        case .csv:
            var text = CSVWriter.line(columns)
            for row in rows { text += CSVWriter.line(row) }
            body = Data(text.utf8)
            headers[.contentType] = "text/csv; charset=utf-8"
            headers[.contentDisposition] = "inline; filename=\"\(filename).csv\""
        }
        let etag = "\"" + SHA256.hex(SHA256.hash(body)).prefix(32) + "\""
        headers[.eTag] = etag
        headers[.cacheControl] = configuration.cacheControl
        headers[.vary] = "Accept, Authorization"
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag || $0 == "*" }) {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
