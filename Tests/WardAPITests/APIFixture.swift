import WardTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PQ
import WardAPI
import WardCore
@_spi(Testing) import WardStore
import WardWorker

/// A demo database with aggregates and one token of each kind.
struct APIWorld: Sendable {
    let database: Database
    let url: String
    let viewer: String
    let editor: String
    let otherEditor: String
    let admin: String

    static func make(_ database: Database, url: String) async throws -> APIWorld {
        _ = try await TestStore.importer(database).importDirectory(TestStore.demoFolder)
        _ = try await AggregationWorker(database: database, listens: false, configuration: .init(rebuildAt: nil), logger: TestStore.logger).rebuild(from: nil, reason: "test")
        let tokens = TokenRepository(database)
        return APIWorld(
            database: database, url: url,
            viewer: try await tokens.create(name: "city viewer", role: .viewer, area: nil).token,
            editor: try await tokens.create(name: "Long Xuyên ward", role: .editor, area: "long-xuyen").token,
            otherEditor: try await tokens.create(name: "Bình Đức ward", role: .editor, area: "binh-duc").token,
            admin: try await tokens.create(name: "city admin", role: .admin, area: nil).token)
    }

    func app(_ configuration: APIConfiguration = .init()) -> some ApplicationProtocol {
        Application(router: WardAPI(database: database, configuration: configuration).buildRouter())
    }

    func drain() async throws {
        _ = try await AggregationWorker(database: database, listens: false, configuration: .init(rebuildAt: nil), logger: TestStore.logger).drain()
    }
}

func withWorld<T>(_ body: (APIWorld) async throws -> T) async throws -> T {
    try await TestStore.withDatabase { database, url in try await body(try await APIWorld.make(database, url: url)) }
}

func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

extension TestResponse {
    var text: String { String(buffer: body) }
    func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) }
}

func jsonBody(_ value: Any) throws -> ByteBuffer { ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: value)) }
