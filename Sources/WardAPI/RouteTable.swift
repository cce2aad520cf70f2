import HTTPTypes
import NIOConcurrencyHelpers

/// The paths the API serves and the methods of each, so that a known path asked with another
/// method answers 405 with an `Allow` header instead of the router's 404.
final class RouteTable: Sendable {
    private let routes = NIOLockedValueBox<[(segments: [Substring], methods: Set<HTTPRequest.Method>)]>([])

    /// Records `method` on `path` (`api/v1/areas/:code`); GET brings HEAD.
    func add(_ path: String, _ method: HTTPRequest.Method) {
        let segments = path.split(separator: "/")
        let methods: Set<HTTPRequest.Method> = method == .get ? [.get, .head] : [method]
        routes.withLockedValue { routes in
            if let index = routes.firstIndex(where: { $0.segments == segments }) {
                routes[index].methods.formUnion(methods)
            } else {
                routes.append((segments, methods))
            }
        }
    }

    /// The methods served on `path`; empty when no route has that path.
    func methods(for path: String) -> [HTTPRequest.Method] {
        let asked = path.split(separator: "/")
        let found = routes.withLockedValue { routes in
            routes.first { route in
                route.segments.count == asked.count && zip(route.segments, asked).allSatisfy { $0.first == ":" || $0 == $1 }
            }?.methods ?? []
        }
        return found.sorted { $0.rawValue < $1.rawValue }
    }
}
