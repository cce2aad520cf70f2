import Foundation
import HTTPTypes
import Hummingbird
import Logging
import WardStore

/// Gives every request an id, logs it without query strings (tokens may travel there), and turns
/// every error into problem+json. The id is the client's `X-Request-Id` when sane (then also in
/// every log line as `ward.request_id`), else Hummingbird's own request id, which every log line
/// carries already as `hb.request.id` (a random per-process prefix and a counter: no system call,
/// where `UUID()` opened /dev/urandom on every request).
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = WardRequestContext
    /// To tell a known path asked with another method (405) from an unknown path (404).
    let routes: RouteTable

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
            if let tooLarge = HTTPLimits.problem(for: request) { throw tooLarge }
            response = try await next(request, context)
        } catch {
            response = problem(for: error, request: request, context: context).response(path: request.uri.path, requestID: context.requestID)
        }
        response.headers[.xRequestID] = context.requestID
        let elapsed = ContinuousClock.now - start
        context.logger.info("request", metadata: [
            "ward.method": "\(request.method.rawValue)", "ward.path": "\(request.uri.path)", "ward.status": "\(response.status.code)",
            "ward.ms": "\(Double(elapsed.components.attoseconds / 1_000_000_000_000) / 1000 + Double(elapsed.components.seconds) * 1000)",
        ])
        return response
    }

    func problem(for error: any Error, request: Request, context: Context) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as StoreError:
            return Problem(error, logger: context.logger, requestID: context.requestID)
        case let error as HTTPError where error.status == .notFound:
            // The router found no route: a known path with another method is a 405.
            let allowed = routes.methods(for: request.uri.path)
            guard !allowed.isEmpty else { return Problem(.notFound, "no such resource: \(request.uri.path)") }
            let list = allowed.map(\.rawValue).joined(separator: ", ")
            return Problem(.methodNotAllowed, "\(request.method.rawValue) is not served here; use \(list)", headers: [.allow: list])
        case let error as HTTPError:
            return Problem(error.status, error.body ?? error.status.reasonPhrase)
        default:
            context.logger.error("request failed", metadata: ["ward.error": "\(String(reflecting: error))"])
            return Problem(.internalServerError, "the server could not complete the request (request id \(context.requestID))")
        }
    }
}

extension Problem {
    /// The HTTP answer to a store error: the only place store errors meet status codes.
    init(_ error: StoreError, logger: Logger, requestID: String) {
        switch error.code {
        case .notFound:
            self.init(.notFound, error.message)
        case .forbidden:
            self.init(.forbidden, error.message)
        case .conflict:
            self.init(.conflict, error.message, errors: error.problems)
        case .invalidInput where !error.problems.isEmpty && error.problems.allSatisfy({ $0.line == nil && $0.index == nil }):
            // A parameter of the request, named.
            self.init(.badRequest, error.problems.map { "parameter '\($0.field)': \($0.message)" }.joined(separator: "; "))
        case .invalidInput:
            self.init(.unprocessableContent, error.message, errors: error.problems)
        case .unavailable:
            logger.error("database unavailable", metadata: ["ward.error": "\(error.debugDescription)"])
            self.init(.serviceUnavailable, error.message, headers: [.retryAfter: "5"])
        case .migrationChanged, .migrationFailed, .failed:
            logger.error("request failed", metadata: ["ward.error": "\(error.debugDescription)"])
            self.init(.internalServerError, "the server could not complete the request (request id \(requestID))")
        }
    }
}

extension HTTPField.Name {
    static let xRequestID = Self("X-Request-Id")!
}
