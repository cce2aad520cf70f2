import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import WardCore
import WardStore

/// Finds the token of a request (`Authorization: Bearer …`, or `?token=` for read-only tokens)
/// and checks it against the store, caching answers for a few seconds so that a busy chart does
/// not cost a query per request. The token itself is never logged.
final class TokenAuthenticator: Sendable {
    let tokens: TokenRepository
    let publicRead: Bool
    private let cache = Mutex<[String: (TokenInfo?, ContinuousClock.Instant)]>([:])
    static let cacheLife: Duration = .seconds(10)

    init(tokens: TokenRepository, publicRead: Bool) {
        self.tokens = tokens
        self.publicRead = publicRead
    }

    func lookup(_ token: String) async throws -> TokenInfo? {
        let key = TokenRepository.fingerprint(token)
        let now = ContinuousClock.now
        if let (info, at) = cache.withLock({ $0[key] }), now - at < Self.cacheLife { return info }
        let info = try await tokens.authenticate(token)
        cache.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[key] = (info, now)
        }
        return info
    }

    /// The request's token, or a 401 when it has none or an unknown one.
    func authenticate(_ request: Request, allowQueryToken: Bool) async throws -> TokenInfo? {
        var presented: String?
        var fromQuery = false
        if let header = request.headers[.authorization] {
            guard header.lowercased().hasPrefix("bearer ") else {
                throw Problem(.unauthorized, "the Authorization header must be 'Bearer <token>'", headers: [.wwwAuthenticate: "Bearer"])
            }
            presented = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        } else if let query = request.uri.queryParameters.get("token") {
            presented = query
            fromQuery = true
        }
        guard let presented else { return nil }
        guard let info = try await lookup(presented) else {
            throw Problem(.unauthorized, "the token is unknown or revoked", headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""])
        }
        if fromQuery && (info.role != .viewer || !allowQueryToken) {
            throw Problem(.forbidden, "only read-only (viewer) tokens may be sent as ?token=; send this one as 'Authorization: Bearer'")
        }
        return info
    }

    /// For read endpoints: any valid token, or none when reads are public.
    func requireReader(_ request: Request) async throws -> TokenInfo? {
        let info = try await authenticate(request, allowQueryToken: true)
        if info == nil && !publicRead {
            throw Problem(.unauthorized, "this feed needs a token: 'Authorization: Bearer <token>' or ?token=<viewer token>",
                          headers: [.wwwAuthenticate: "Bearer"])
        }
        return info
    }

    /// For writes: an editor or admin token.
    func requireWriter(_ request: Request) async throws -> TokenInfo {
        guard let info = try await authenticate(request, allowQueryToken: false) else {
            throw Problem(.unauthorized, "writing needs an editor or admin token: 'Authorization: Bearer <token>'", headers: [.wwwAuthenticate: "Bearer"])
        }
        guard info.role.canWrite else { throw Problem(.forbidden, "token '\(info.name)' is a viewer token: it may read, not write") }
        return info
    }

    func requireAdmin(_ request: Request) async throws -> TokenInfo {
        let info = try await requireWriter(request)
        guard info.role == .admin else { throw Problem(.forbidden, "only admin tokens may do this") }
        return info
    }
}
