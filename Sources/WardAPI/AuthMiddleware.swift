import Hummingbird

/// Who may call the routes of a group: any valid token (or none when reads are public), an
/// editor or admin token, or an admin token. The token found is put in the request's context.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = WardRequestContext

    enum Access { case read, write, admin }

    let authenticator: TokenAuthenticator
    let access: Access

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        switch access {
        case .read: context.token = try await authenticator.requireReader(request)
        case .write: context.token = try await authenticator.requireWriter(request)
        case .admin: context.token = try await authenticator.requireAdmin(request)
        }
        return try await next(request, context)
    }
}
