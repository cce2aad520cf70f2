import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import WardStore

/// An error answer as `application/problem+json` (RFC 9457).
public struct Problem: Error, Sendable {
    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String
    /// Per-row problems of a refused write.
    public var errors: [InputProblem]
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ detail: String, errors: [InputProblem] = [], headers: HTTPFields = [:]) {
        self.status = status
        self.title = status.reasonPhrase
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    static func badParameter(_ name: String, _ why: String) -> Problem { Problem(.badRequest, "parameter '\(name)': \(why)") }
    static func notFound(_ what: String) -> Problem { Problem(.notFound, what) }

    struct Body: Encodable {
        var type = "about:blank"
        var title: String
        var status: Int
        var detail: String
        var instance: String?
        var requestId: String?
        var errors: [InputProblem]?

        enum CodingKeys: String, CodingKey {
            case type, title, status, detail, instance, requestId = "request_id", errors
        }
    }

    /// The problem+json document.
    func body(path: String?, requestID: String?) -> Data {
        let body = Body(title: title, status: status.code, detail: detail, instance: path, requestId: requestID.flatMap { $0.isEmpty ? nil : $0 },
                        errors: errors.isEmpty ? nil : errors)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(body)) ?? Data("{}".utf8)
    }

    func response(path: String, requestID: String) -> Response {
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body(path: path, requestID: requestID))))
    }
}
