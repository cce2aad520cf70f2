import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import WardCore
import WardStore

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

    /// For `/api/v1/status`: dates in ISO 8601, members in snake case.
    static let snakeCaseEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    enum Format: String, CaseIterable { case json, csv }

    /// `?format=json|csv` (empty: as if absent), else `Accept: text/csv`, else JSON.
    static func format(of request: Request) throws -> Format {
        if let format = try RequestParameters(request).choice("format", as: Format.self) { return format }
        if let accept = request.headers[.accept], accept.contains("text/csv") { return .csv }
        return .json
    }

    /// JSON of `value`, or CSV of `columns` and `rows`.
    func respond<Value: Encodable>(_ value: Value, columns: [String], rows: [[String]], request: Request, filename: String) throws -> Response {
        try respond(json: { Array(try Self.encoder.encode(value)) }, columns: columns, rows: { rows }, request: request, filename: filename)
    }

    /// A feed written by ``JSONWriter``, or as CSV from its cells.
    func respond(_ feed: some JSONFeed, request: Request, filename: String) throws -> Response {
        try respond(json: {
            var json = JSONWriter()
            feed.write(to: &json)
            return json.bytes
        }, columns: feed.columns, rows: { feed.cellRows.map { $0.map(\.csv) } }, request: request, filename: filename)
    }

    /// Only the asked-for format is built.
    private func respond(json: () throws -> [UInt8], columns: [String], rows: () -> [[String]], request: Request, filename: String) throws -> Response {
        let body: [UInt8]
        var headers = HTTPFields()
        switch try Self.format(of: request) {
        case .json:
            body = try json()
            headers[.contentType] = "application/json; charset=utf-8"
        case .csv:
            var text = CSVWriter.line(columns)
            for row in rows() { text += CSVWriter.line(row) }
            body = Array(text.utf8)
            headers[.contentType] = "text/csv; charset=utf-8"
            headers[.contentDisposition] = "inline; filename=\"\(filename).csv\""
        }
        let etag = Self.etag(body)
        headers[.eTag] = etag
        headers[.cacheControl] = configuration.cacheControl
        headers[.vary] = "Accept, Authorization"
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag || $0 == "*" }) {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// A strong validator of the exact body: two 64-bit multiply-xor hashes over its 8-byte
    /// words (different offsets and multipliers, each word mixed with a rotation) and the length.
    /// It changes whenever the bytes do; it needs no secrecy (the body is what the client
    /// receives), so a cryptographic hash would only cost more (it did: 6 % of /compare; a
    /// byte-at-a-time loop still took 2 %).
    static func etag(_ body: [UInt8]) -> String {
        var first: UInt64 = 0xcbf2_9ce4_8422_2325
        var second: UInt64 = 0x6c62_272e_07bb_0142
        body.withUnsafeBytes { raw in
            var offset = 0
            while offset + 8 <= raw.count {
                let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                first = (first ^ word) &* 0x0000_0100_0000_01B3
                first ^= first >> 29
                second = (second ^ (word << 23 | word >> 41)) &* 0x9E37_79B9_7F4A_7C15
                second ^= second >> 31
                offset += 8
            }
            while offset < raw.count {
                let byte = UInt64(raw[offset])
                first = (first ^ byte) &* 0x0000_0100_0000_01B3
                second = (second ^ byte) &* 0x9E37_79B9_7F4A_7C15
                offset += 1
            }
        }
        func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return "\"" + hex(first) + hex(second) + "-" + String(body.count, radix: 16) + "\""
    }
}
