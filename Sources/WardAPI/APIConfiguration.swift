/// How the HTTP layer behaves.
public struct APIConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Reads without a token (`WARDBOARD_PUBLIC_READ=true`).
    public var publicRead: Bool
    /// Largest accepted request body, in bytes.
    public var bodyLimit: Int
    /// Origins allowed to read the feeds from a browser (`*` for any); empty: no CORS headers.
    public var corsOrigins: [String]
    /// `Cache-Control` of the feeds.
    public var cacheControl: String

    public init(host: String = "127.0.0.1", port: Int = 8080, publicRead: Bool = false, bodyLimit: Int = 10 << 20,
                corsOrigins: [String] = [], cacheControl: String = "no-cache") {
        self.host = host
        self.port = port
        self.publicRead = publicRead
        self.bodyLimit = bodyLimit
        self.corsOrigins = corsOrigins
        self.cacheControl = cacheControl
    }
}
