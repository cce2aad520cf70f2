import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus
import WardStore

extension WardAPI {
    func addOperationRoutes(to router: Routes) {
        router.get("healthz") { _, _ in Self.plainText(.ok, "ok\n") }

        // 503 while the database is unreachable; ready again by itself when it returns.
        // Ready while reads can be answered, by the replica or (while it is away) the primary; a
        // lagging or unreachable replica is said, not a reason to take the process out.
        router.get("readyz") { _, _ in
            if await database.isReachable() {
                let replica = await database.replicaStatus()
                return Self.plainText(.ok, "ready\n" + (replica.map { $0.summary + "\n" } ?? ""))
            }
            var response = Self.plainText(.serviceUnavailable, "database unreachable\n")
            response.headers[.retryAfter] = "2"
            return response
        }

        router.get("metrics") { _, _ in
            guard let metrics else { throw Problem(.notFound, "metrics are not enabled in this process") }
            var buffer = [UInt8]()
            metrics.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }

        router.get("openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
    }

    static func plainText(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
