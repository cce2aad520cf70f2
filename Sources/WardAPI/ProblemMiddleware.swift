import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PQ
import WardStore

/// Gives every request an id, logs it without query strings (tokens may travel there), and turns
/// every error into problem+json. The id is the client's `X-Request-Id` when sane (then also in
/// every log line as `ward.request_id`), else Hummingbird's own request id, which every log line
/// carries already as `hb.request.id` (a random per-process prefix and a counter: no system call,
/// where `UUID()` opened /dev/urandom on every request).
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = WardRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let incoming = request.headers[.xRequestID].flatMap { $0.count <= 64 && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } ? $0 : nil }
        if let incoming {
            context.requestID = incoming
            context.logger[metadataKey: "ward.request_id"] = "\(incoming)"
        } else {
            context.requestID = context.id
        }
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = problem(for: error, context: context).response(path: request.uri.path, requestID: context.requestID)
        }
        response.headers[.xRequestID] = context.requestID
        let elapsed = ContinuousClock.now - start
        context.logger.info("request", metadata: [
            "ward.method": "\(request.method.rawValue)", "ward.path": "\(request.uri.path)", "ward.status": "\(response.status.code)",
            "ward.ms": "\(Double(elapsed.components.attoseconds / 1_000_000_000_000) / 1000 + Double(elapsed.components.seconds) * 1000)",
        ])
        return response
    }

    func problem(for error: any Error, context: Context) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as StoreError:
            switch error.code {
            case .notFound: return Problem(.notFound, error.message)
            case .forbidden: return Problem(.forbidden, error.message)
            case .invalidInput: return Problem(.unprocessableContent, error.message, errors: error.problems)
            default: return Problem(.internalServerError, "the server could not complete the request")
            }
        case let error as HTTPError:
            return Problem(error.status, error.body ?? error.status.reasonPhrase)
        case let error as PQError where error.code == .connectionFailed || error.code == .connectionClosed || error.code == .poolTimeout:
            context.logger.error("database unavailable", metadata: ["ward.error": "\(error)"])
            return Problem(.serviceUnavailable, "the database is not reachable; try again shortly", headers: [.retryAfter: "5"])
        default:
            context.logger.error("request failed", metadata: ["ward.error": "\(String(reflecting: error))"])
            return Problem(.internalServerError, "the server could not complete the request (request id \(context.requestID))")
        }
    }
}

extension HTTPField.Name {
    static let xRequestID = Self("X-Request-Id")!
}
