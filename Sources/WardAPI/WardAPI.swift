import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Prometheus
import WardCore
import WardStore

/// The HTTP layer: routes over the repositories (it never writes SQL, and never sees PQ).
public struct WardAPI: Sendable {
    let database: Database
    let configuration: APIConfiguration
    let auth: TokenAuthenticator
    let feeds: FeedResponse
    let metrics: PrometheusCollectorRegistry?
    let routes = RouteTable()
    let pageCache = PageCache()

    public init(database: Database, configuration: APIConfiguration, metrics: PrometheusCollectorRegistry? = nil) {
        self.database = database
        self.configuration = configuration
        self.auth = TokenAuthenticator(tokens: TokenRepository(database), publicRead: configuration.publicRead)
        self.feeds = FeedResponse(configuration: configuration)
        self.metrics = metrics
    }

    /// The router with every route and middleware; tests drive it with `app.test(.router)`.
    public func buildRouter() -> Router<WardRequestContext> {
        // HEAD of every GET route: the same status and headers (ETag, Content-Length), no body.
        let router = Router(context: WardRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: ProblemMiddleware(routes: routes))
        if !configuration.corsOrigins.isEmpty {
            // "*": any origin; one origin: exactly it; several: the request's origin is echoed.
            let origin: CORSMiddleware<WardRequestContext>.AllowOriginExtended =
                configuration.corsOrigins == ["*"] ? .all
                : configuration.corsOrigins.count == 1 ? .custom(configuration.corsOrigins[0]) : .originBased
            router.add(middleware: CORSMiddleware(
                allowOrigin: origin, allowHeaders: [.authorization, .contentType, .ifNoneMatch, .accept],
                allowMethods: [.get, .head, .post, .put, .options], exposedHeaders: ["ETag", "X-Request-Id"], maxAge: .seconds(600)))
        }
        if metrics != nil { router.add(middleware: MetricsMiddleware()) }
        addOperationRoutes(to: Routes(router.group(), table: routes, prefix: ""))
        addPageRoutes(to: Routes(router.group(), table: routes, prefix: ""))
        let api = "api/v1"
        func group(_ access: AuthMiddleware.Access) -> Routes {
            Routes(router.group(.init(api)).add(middleware: AuthMiddleware(authenticator: auth, access: access)), table: routes, prefix: api)
        }
        let (readers, writers, admins) = (group(.read), group(.write), group(.admin))
        addAreaRoutes(to: readers)
        addFeedRoutes(to: readers)
        addWriteRoutes(editors: writers, admins: admins)
        addReviewRoutes(readers: readers, writers: writers, admins: admins)
        addQualityRoutes(readers: readers)
        return router
    }

    /// An application serving `buildRouter()` on the configured address.
    public func buildApplication(logger: Logger) -> some ApplicationProtocol {
        Application(
            router: buildRouter(),
            server: HTTPLimits.server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "wardboard"),
            logger: logger
        )
    }
}

/// A router group that also records each route in the ``RouteTable`` (for 405 answers).
struct Routes {
    let group: RouterGroup<WardRequestContext>
    let table: RouteTable
    let prefix: String

    init(_ group: RouterGroup<WardRequestContext>, table: RouteTable, prefix: String) {
        self.group = group
        self.table = table
        self.prefix = prefix
    }

    typealias Handler = @Sendable (Request, WardRequestContext) async throws -> Response

    func on(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        table.add(prefix.isEmpty ? path : "\(prefix)/\(path)", method)
        group.on(.init(path), method: method, use: handler)
    }

    func get(_ path: String, _ handler: @escaping Handler) { on(.get, path, handler) }
    func post(_ path: String, _ handler: @escaping Handler) { on(.post, path, handler) }
    func put(_ path: String, _ handler: @escaping Handler) { on(.put, path, handler) }
}
