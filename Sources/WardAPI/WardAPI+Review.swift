import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import WardCore
import WardStore

/// `GET /api/v1/completeness?month=&parent=&indicator=&by=indicator`
struct CompletenessQuery {
    enum By: String, CaseIterable { case area, indicator }

    var scope: MonthScopeQuery
    var byIndicator: Bool

    init(_ request: Request) throws {
        scope = try MonthScopeQuery(request)
        byIndicator = try RequestParameters(request).choice("by", default: By.area) == .indicator
    }
}

/// The body of a month action: `{"area": "…", "reason": "…"}`.
struct MonthActionBody: Decodable {
    var area: String
    var reason: String?

    static func read(_ request: Request, limit: Int) async throws -> MonthActionBody {
        let buffer = try await request.body.collect(upTo: limit)
        let body: MonthActionBody
        do {
            body = try JSONDecoder().decode(MonthActionBody.self, from: Data(buffer.readableBytesView))
        } catch {
            throw Problem(.badRequest, #"the body must be a JSON object {"area": "<area code>", "reason": "…"}"#)
        }
        do { _ = try Code.check(body.area, .area, field: "area") } catch { throw Problem(.unprocessableContent, "\(error.field): \(error.message)") }
        if let reason = body.reason {
            do { _ = try Rules.text(reason, field: "reason") } catch { throw Problem(.unprocessableContent, "\(error.field): \(error.message)") }
        }
        return body
    }
}

struct MonthActionAnswer: Codable {
    var area: String
    var month: String
    var state: String
}

struct ApprovalAnswer: Codable {
    var area: String
    var month: String
    var approved: [String]
    var notSubmitted: [String]
    var approvedAlready: [String]
    var submittedByYou: [String]

    enum CodingKeys: String, CodingKey {
        case area, month, approved, notSubmitted = "not_submitted", approvedAlready = "approved_already", submittedByYou = "submitted_by_you"
    }
}

extension WardAPI {
    func addReviewRoutes(readers: Routes, writers: Routes, admins: Routes) {
        readers.get("completeness") { request, _ in
            let query = try CompletenessQuery(request)
            let completeness = try await ReviewRepository(database).completeness(month: query.scope.month, parent: query.scope.parent,
                                                                                  indicator: query.scope.indicator, byIndicator: query.byIndicator)
            return try feeds.respond(completeness, request: request, filename: "completeness-\(completeness.parent)-\(completeness.month)")
        }

        readers.get("months/:month") { request, context in
            let month = try context.parameters.requireMonth("month")
            let states = try await ReviewRepository(database).monthStates(month: month, parent: try RequestParameters(request).code("parent", .area))
            return try feeds.respond(states, request: request, filename: "months-\(states.parent)-\(month)")
        }

        for action in ["submit", "withdraw", "reopen"] {
            writers.post("months/:month/\(action)") { request, context in
                let (month, body, token) = try await monthAction(request, context)
                let reviews = ReviewRepository(database)
                let state = switch action {
                case "submit": try await reviews.submit(area: body.area, month: month, by: token)
                case "withdraw": try await reviews.withdraw(area: body.area, month: month, by: token)
                default: try await reviews.reopen(area: body.area, month: month, reason: body.reason ?? "", by: token)
                }
                return try json(MonthActionAnswer(area: body.area, month: month.description, state: state))
            }
        }

        writers.post("months/:month/approve") { request, context in
            let (month, body, token) = try await monthAction(request, context)
            let outcomes = try await ReviewRepository(database).approve(area: body.area, month: month, by: token)
            func areas(_ outcome: String) -> [String] { outcomes.filter { $0.outcome == outcome }.map(\.area) }
            return try json(ApprovalAnswer(area: body.area, month: month.description, approved: areas("approved"), notSubmitted: areas("not_submitted"),
                                           approvedAlready: areas("approved_already"), submittedByYou: areas("submitted_by_you")))
        }

        admins.get("audit") { request, _ in
            let parameters = RequestParameters(request)
            let entries = try await ReviewRepository(database).audit(area: try parameters.code("area", .area), month: try parameters.month("month"))
            return try feeds.respond(AuditHistory(entries: entries), request: request, filename: "audit")
        }
    }

    private func monthAction(_ request: Request, _ context: WardRequestContext) async throws -> (Month, MonthActionBody, TokenInfo) {
        guard let token = context.token else { throw Problem(.unauthorized, "this needs a token", headers: [.wwwAuthenticate: "Bearer"]) }
        let month = try context.parameters.requireMonth("month")
        return (month, try await MonthActionBody.read(request, limit: 64 * 1024), token)
    }

    func json(_ value: some Encodable) throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try FeedResponse.encoder.encode(value))))
    }
}

extension Parameters {
    /// A path parameter that must be a month `YYYY-MM`.
    func requireMonth(_ name: String) throws -> Month {
        let text = try require(name)
        do { return try Rules.month(text, field: name) } catch { throw Problem.badParameter(name, error.message) }
    }
}
