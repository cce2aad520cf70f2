import Hummingbird
import WardCore
import WardStore

/// `GET /api/v1/compare?indicator=&month=&parent=`
struct CompareQuery {
    var indicator: String
    var month: Month?
    var parent: String?

    init(_ request: Request) throws {
        let parameters = RequestParameters(request)
        indicator = try parameters.requiredCode("indicator", .indicator)
        month = try parameters.month("month")
        parent = try parameters.code("parent", .area)
    }
}

/// `GET /api/v1/series?indicator=&areas=&from=&to=&lineage=&layout=`
struct SeriesQuery {
    enum Layout: String, CaseIterable { case long, wide }

    var indicator: String
    var areas: [String]
    var from: Month?
    var to: Month?
    var lineage: Lineage
    var layout: Layout

    init(_ request: Request) throws {
        let parameters = RequestParameters(request)
        indicator = try parameters.requiredCode("indicator", .indicator)
        areas = try parameters.codes("areas", .area, limit: FeedLimits.maxAreas)
        from = try parameters.month("from")
        to = try parameters.month("to")
        lineage = try parameters.choice("lineage", default: Lineage.reported)
        layout = try parameters.choice("layout", default: Layout.long)
        if let from, let to {
            do { try FeedLimits.checkRange(from: from, to: to) } catch { throw Problem.badParameter(error.field, error.message) }
        }
    }

    var filename: String { "series-\(indicator)-\(from?.description ?? "")-\(to?.description ?? "")" }
}

/// `GET /api/v1/areas?kind=&parent=&month=`
struct AreaListQuery {
    var kind: AreaKind?
    var parent: String?
    var month: Month?

    init(_ request: Request) throws {
        let parameters = RequestParameters(request)
        kind = try parameters.choice("kind", as: AreaKind.self)
        parent = try parameters.code("parent", .area)
        month = try parameters.month("month")
    }
}
