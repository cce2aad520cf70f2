import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import WardCore
import WardStore

extension HTTPField.Name {
    /// An admin's reason to write into closed months.
    static let wardboardReason = Self("X-Wardboard-Reason")!
}

struct WriteAnswer: Codable {
    var rows: Int
    var written: Int
    var note: String?
    /// Warning rules the write left broken (DATA.md "Data quality"): written, but worth a look.
    var warnings: [InputProblem]
}

extension WardAPI {
    func addWriteRoutes(editors: Routes, admins: Routes) {
        editors.post("observations") { request, context in try await write(.observations, request, context) }
        editors.post("facts") { request, context in try await write(.facts, request, context) }
        editors.put("targets") { request, context in try await write(.targets, request, context) }
        // Areas, indicators, rules and party cells, in their import formats.
        admins.post("areas") { request, context in try await write(.areas, request, context) }
        admins.put("indicators") { request, context in try await write(.indicators, request, context) }
        admins.put("party-cells") { request, context in try await write(.partyCells, request, context) }
        admins.put("rules") { request, context in try await write(.rules, request, context) }
    }

    /// One all-or-nothing write through the importer (the same checks, staging and merge as a
    /// file); an editor's rows must all be for its own area or the areas below it.
    func write(_ kind: ImportFile, _ request: Request, _ context: WardRequestContext) async throws -> Response {
        guard let token = context.token else { throw Problem(.unauthorized, "writing needs a token", headers: [.wwwAuthenticate: "Bearer"]) }
        // An admin may write into closed months, giving the reason (audited).
        let reason = request.headers[.wardboardReason].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        if reason != nil && token.role != .admin {
            throw Problem(.forbidden, "only an admin may write into closed months (X-Wardboard-Reason)")
        }
        let importer = Importer(database: database, author: ReviewRepository.actorName(token),
                                scope: token.role == .editor ? token.areaCode : nil, overrideReason: reason, logger: context.logger)
        let result: Importer.FileResult
        do {
            switch try await WriteBody.read(request, kind: kind, limit: configuration.bodyLimit) {
            case .csv(let text): result = try await importer.importBody(text, as: kind, name: "body")
            case .rows(let rows): result = try await importer.importRows(rows, as: kind, name: "body")
            }
        } catch let error as ImportError {
            if let fileProblem = error.fileProblem { throw Problem(.unprocessableContent, fileProblem) }
            if error.closedMonths {
                throw Problem(.conflict, "\(error.total) row\(error.total == 1 ? " is" : "s are") for closed months; nothing was written (an admin may write with X-Wardboard-Reason)",
                              errors: error.problems)
            }
            throw Problem(.unprocessableContent, "\(error.total) bad row\(error.total == 1 ? "" : "s"); nothing was written", errors: error.problems)
        }
        let answer = WriteAnswer(rows: result.rows, written: result.changed, note: result.skipped.map { _ in "the same facts were sent before; nothing was added" },
                                 warnings: result.warnings)
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try FeedResponse.encoder.encode(answer))))
    }
}
