import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Logging
import Prometheus
import WardCore
import WardStore

/// The HTTP layer: routes over the repositories (it never writes SQL).
public struct WardAPI: Sendable {
    let database: Database
    let configuration: APIConfiguration
    let auth: TokenAuthenticator
    let feeds: FeedResponse
    let metrics: PrometheusCollectorRegistry?

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
        router.add(middleware: ProblemMiddleware())
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
        addOperationRoutes(to: router)
        let api = router.group("api/v1")
        addAreaRoutes(to: api)
        addFeedRoutes(to: api)
        addWriteRoutes(to: api)
        return router
    }

    /// An application serving `buildRouter()` on the configured address.
    public func buildApplication(logger: Logger) -> some ApplicationProtocol {
        Application(
            router: buildRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "wardboard"),
            logger: logger
        )
    }

    // MARK: - Parameters

    static func month(_ request: Request, _ name: String) throws -> Month? {
        guard let text = request.uri.queryParameters.get(name), !text.isEmpty else { return nil }
        guard let month = Month(text) else { throw Problem.badParameter(name, "'\(text)' is not a month in the form YYYY-MM") }
        return month
    }

    static func required(_ request: Request, _ name: String) throws -> String {
        guard let text = request.uri.queryParameters.get(name), !text.isEmpty else { throw Problem.badParameter(name, "is required") }
        return text
    }

    func indicator(_ code: String) async throws -> Indicator {
        guard let indicator = try await IndicatorRepository(database).find(code) else {
            throw Problem.notFound("unknown indicator '\(code)'; GET /api/v1/indicators lists them")
        }
        return indicator
    }

    func area(_ code: String, in month: Month? = nil) async throws -> Area {
        let areas = AreaRepository(database)
        if let month, let area = try await areas.find(code, in: month) { return area }
        if let area = try await areas.find(code) {
            if let month { throw Problem.notFound("area '\(code)' did not exist in \(month)") }
            return area
        }
        throw Problem.notFound("unknown area '\(code)'; GET /api/v1/areas lists them")
    }
}
