import WardCore

/// Says which name of a request is unknown, once a query found nothing: an indicator, an area,
/// or an area that did not exist in the month asked for. The feeds ask only then, so a request
/// that finds its rows costs one query.
struct NameLookup: Sendable {
    let database: Database

    func indicator(_ code: String) async throws -> Indicator {
        guard let indicator = try await IndicatorRepository(database).find(code) else {
            throw StoreError(.notFound, "unknown indicator '\(Printable.excerpt(code))'; GET /api/v1/indicators lists them")
        }
        return indicator
    }

    func area(_ code: String, in month: Month? = nil) async throws -> Area {
        let areas = AreaRepository(database)
        if let month, let area = try await areas.find(code, in: month) { return area }
        if let area = try await areas.find(code) {
            if let month { throw StoreError(.notFound, "area '\(code)' did not exist in \(month)") }
            return area
        }
        throw StoreError(.notFound, "unknown area '\(Printable.excerpt(code))'; GET /api/v1/areas lists them")
    }

    /// Throws for the indicator, or else the first of `areas`, that is unknown.
    func check(indicator: String, areas: [String]) async throws {
        _ = try await self.indicator(indicator)
        if let unknown = try await AreaRepository(database).unknown(areas).first { _ = try await area(unknown) }
    }
}
