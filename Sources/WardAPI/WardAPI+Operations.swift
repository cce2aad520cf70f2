import Foundation
import Hummingbird
import Logging
import NIOCore
import PQ
import Prometheus
import WardStore

extension WardAPI {
    func addOperationRoutes(to router: Router<WardRequestContext>) {
        router.get("healthz") { _, _ in "ok\n" }

        // 503 while the database is unreachable; ready again by itself when it returns.
        router.get("readyz") { _, context -> Response in
            do {
                let ok = try await withThrowingTaskGroup(of: Bool.self) { group in
                    group.addTask { try await database.readPool.scalar("SELECT true", as: Bool.self) ?? false }
                    group.addTask { try await Task.sleep(for: .seconds(2)); return false }
                    let first = try await group.next() ?? false
                    group.cancelAll()
                    return first
                }
                if ok { return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready\n"))) }
            } catch {
                context.logger.warning("not ready", metadata: ["ward.error": "\(error)"])
            }
            return Response(status: .serviceUnavailable, headers: [.retryAfter: "2"], body: .init(byteBuffer: ByteBuffer(string: "database unreachable\n")))
        }

        router.get("metrics") { _, _ -> Response in
            guard let metrics else { throw Problem(.notFound, "metrics are not enabled in this process") }
            var buffer = [UInt8]()
            metrics.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }

        router.get("openapi.yaml") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
    }
}
