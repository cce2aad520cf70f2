import Foundation
import Hummingbird
import WardCore
import WardStore

extension WardAPI {
    func addFeedRoutes(to api: Routes) {
        api.get("compare") { request, _ in
            let query = try CompareQuery(request)
            let comparison = try await FeedRepository(database).compare(indicator: query.indicator, month: query.month, parent: query.parent)
            return try feeds.respond(comparison, request: request, filename: "compare-\(comparison.indicator)-\(comparison.parent)-\(comparison.month)")
        }

        api.get("series") { request, _ in
            let query = try SeriesQuery(request)
            let repository = FeedRepository(database)
            switch query.layout {
            case .long:
                let series = try await repository.series(indicator: query.indicator, areas: query.areas, from: query.from, to: query.to, lineage: query.lineage)
                return try feeds.respond(series, request: request, filename: query.filename)
            case .wide:
                let series = try await repository.wideSeries(indicator: query.indicator, areas: query.areas, from: query.from, to: query.to, lineage: query.lineage)
                return try feeds.respond(series, request: request, filename: query.filename)
            }
        }

        api.get("areas/:code/report") { request, context in
            let code = try context.parameters.requireCode("code", .area)
            let report = try await FeedRepository(database).report(area: code, month: try RequestParameters(request).month("month"))
            return try feeds.respond(report, request: request, filename: "report-\(code)-\(report.month)")
        }

        api.get("status") { _, _ in
            let status = try await AggregateRepository(database).status()
            return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                            body: .init(byteBuffer: .init(bytes: try FeedResponse.snakeCaseEncoder.encode(status))))
        }
    }
}

extension Parameters {
    /// A path parameter that must be a code (404 for anything else would hide a typo).
    func requireCode(_ name: String, _ kind: Code.Kind) throws -> String {
        let text = try require(name)
        do { return try Code.check(text, kind, field: name) } catch { throw Problem.badParameter(name, error.message) }
    }
}
