import Foundation
import Hummingbird
import PQ
import WardCore
import WardStore

extension WardAPI {
    func addFeedRoutes(to api: RouterGroup<WardRequestContext>) {
        api.get("compare") { request, _ -> Response in
            _ = try await auth.requireReader(request)
            let indicatorCode = try Self.required(request, "indicator")
            let feedRepository = FeedRepository(database)
            let month: Month
            if let given = try Self.month(request, "month") {
                month = given
            } else {
                guard let latest = try await feedRepository.latestMonth(indicator: try await indicator(indicatorCode).code) else {
                    throw Problem.notFound("indicator '\(indicatorCode)' has no data yet")
                }
                month = latest
            }
            let parentCode: String
            if let given = request.uri.queryParameters.get("parent"), !given.isEmpty {
                parentCode = given
            } else if let root = try await feedRepository.root(in: month) {
                parentCode = root
            } else {
                throw Problem.badParameter("parent", "is required: more than one top-level area exists in \(month)")
            }
            // One query answers; only when it finds nothing do the lookups say what is unknown.
            guard let comparison = try await feedRepository.compare(indicator: indicatorCode, month: month, parent: parentCode) else {
                _ = try await indicator(indicatorCode)
                _ = try await area(parentCode, in: month)
                throw Problem.notFound("nothing to compare for '\(indicatorCode)' under '\(parentCode)' in \(month)")
            }
            return try feeds.respond(comparison, request: request, filename: "compare-\(indicatorCode)-\(parentCode)-\(month)")
        }

        api.get("series") { request, _ -> Response in
            _ = try await auth.requireReader(request)
            let indicatorCode = try Self.required(request, "indicator")
            let codes = try Self.required(request, "areas").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !codes.isEmpty, codes.count <= 200 else { throw Problem.badParameter("areas", "give 1 to 200 area codes separated by commas") }
            let lineage = request.uri.queryParameters.get("lineage") ?? "reported"
            guard lineage == "reported" || lineage == "comparable" else { throw Problem.badParameter("lineage", "'\(lineage)' is not reported or comparable") }
            let layout = request.uri.queryParameters.get("layout") ?? "long"
            guard layout == "long" || layout == "wide" else { throw Problem.badParameter("layout", "'\(layout)' is not long or wide") }
            let feedRepository = FeedRepository(database)
            let givenTo = try Self.month(request, "to")
            let latest = givenTo == nil ? try await feedRepository.latestMonth(indicator: indicatorCode) : nil
            guard let to = givenTo ?? latest else {
                _ = try await indicator(indicatorCode)
                throw Problem.notFound("indicator '\(indicatorCode)' has no data yet")
            }
            let from = try Self.month(request, "from") ?? to.adding(months: -11)
            guard from <= to else { throw Problem.badParameter("from", "\(from) is after to (\(to))") }
            guard to.index - from.index < 240 else { throw Problem.badParameter("from", "a series spans at most 240 months") }
            let name = "series-\(indicatorCode)-\(from)-\(to)"
            // What is unknown, when something is (a 404 naming it).
            func checkNames() async throws -> Indicator {
                let known = try await indicator(indicatorCode)
                if let unknown = try await AreaRepository(database).unknown(codes).first { _ = try await area(unknown) }
                return known
            }
            if lineage == "reported" && layout == "long" {
                // One query answers; only when an area has no rows do the lookups say whether it is unknown.
                let series = try await feedRepository.reportedSeries(indicator: indicatorCode, areas: codes, from: from, to: to)
                let answered = Set(series.rows.map(\.area))
                if codes.contains(where: { !answered.contains($0) }) { _ = try await checkNames() }
                return try feeds.respond(series, request: request, filename: name)
            }
            let known = try await checkNames()
            let series = try await feedRepository.series(indicator: known, areas: codes, from: from, to: to, comparable: lineage == "comparable")
            if layout == "wide" {
                let period = try ReportingPeriod(cutoffDay: known.cutoffDay ?? 1, timeZone: .init(identifier: "Asia/Ho_Chi_Minh") ?? .current)
                var byKey = [String: Numeric?]()
                for row in series.rows { byKey["\(row.area)|\(row.month)"] = row.value }
                let wide = WideSeries(areas: codes, rows: from.through(to).map { month in
                    let dates = series.rows.first { $0.month == month }.map { ($0.periodStart, $0.periodEnd) } ?? period.dates(of: month)
                    return WideSeries.Row(month: month, periodStart: dates.0, periodEnd: dates.1, values: codes.map { byKey["\($0)|\(month)"] ?? nil })
                })
                return try feeds.respond(wide, request: request, filename: name)
            }
            return try feeds.respond(series, request: request, filename: name)
        }

        api.get("areas/:code/report") { request, context -> Response in
            _ = try await auth.requireReader(request)
            let code = try context.parameters.require("code")
            let month: Month
            if let given = try Self.month(request, "month") {
                month = given
            } else {
                guard let latest = try await FeedRepository(database).latestMonth(area: code) else {
                    throw Problem.notFound("area '\(code)' has no figures yet")
                }
                month = latest
            }
            let report = try await FeedRepository(database).report(area: try await area(code, in: month), month: month)
            return try feeds.respond(report, request: request, filename: "report-\(code)-\(month)")
        }

        api.get("status") { request, _ -> Response in
            _ = try await auth.requireReader(request)
            let status = try await AggregateRepository(database).status()
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.sortedKeys]
            return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                            body: .init(byteBuffer: .init(bytes: try encoder.encode(status))))
        }
    }
}

