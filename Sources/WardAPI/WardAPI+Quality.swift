import Hummingbird
import WardCore
import WardStore

/// `?month=&parent=&indicator=`: a required month below a parent (default: the one top-level
/// area), of every indicator or one; what `/quality` and `/completeness` read.
struct MonthScopeQuery {
    var month: Month
    var parent: String?
    var indicator: String?

    init(_ request: Request) throws {
        let parameters = RequestParameters(request)
        guard let month = try parameters.month("month") else { throw Problem.badParameter("month", "is required") }
        self.month = month
        parent = try parameters.code("parent", .area)
        indicator = try parameters.code("indicator", .indicator)
    }
}

extension WardAPI {
    /// Data quality (DATA.md "Data quality: rules and outliers"): rules are written with
    /// `PUT /api/v1/rules` (WardAPI+Writes.swift); what breaks them, and the outliers, read here.
    func addQualityRoutes(readers: Routes) {
        readers.get("quality") { request, _ in
            let query = try MonthScopeQuery(request)
            let quality = try await QualityRepository(database).quality(month: query.month, parent: query.parent, indicator: query.indicator)
            return try feeds.respond(quality, request: request, filename: "quality-\(quality.parent)-\(quality.month)")
        }
    }
}
