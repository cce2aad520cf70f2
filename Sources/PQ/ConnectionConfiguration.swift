import Foundation

/// How to reach a PostgreSQL server.
public struct ConnectionConfiguration: Sendable {
    /// A `postgres://` URL or a libpq `key=value` connection string.
    public var conninfo: String
    /// Reported to the server as `application_name` (visible in `pg_stat_activity`).
    public var applicationName: String?
    /// Seconds libpq waits for the server to answer a connect, per host; libpq's minimum is 2.
    public var connectTimeout: Int

    public init(_ conninfo: String, applicationName: String? = nil, connectTimeout: Int = 10) {
        self.conninfo = conninfo
        self.applicationName = applicationName
        self.connectTimeout = connectTimeout
    }

    /// The connection string with any password removed, safe to log.
    public var redacted: String { Self.redact(conninfo) }

    static func redact(_ conninfo: String) -> String {
        if conninfo.hasPrefix("postgres://") || conninfo.hasPrefix("postgresql://"),
           var components = URLComponents(string: conninfo) {
            if components.password != nil { components.password = "***" }
            components.queryItems = components.queryItems?.map {
                $0.name == "password" ? URLQueryItem(name: "password", value: "***") : $0
            }
            return components.string ?? "postgres://***"
        }
        // key=value form: drop the password pair, whatever its quoting.
        let pattern = #"password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)"#
        return conninfo.replacingOccurrences(of: pattern, with: "password=***", options: .regularExpression)
    }
}
