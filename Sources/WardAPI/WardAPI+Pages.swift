import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import WardCore
import WardStore

/// The pages city staff open in a browser (Pages/): the comparison, the chart and a ward's
/// review sheet, server-rendered from the same store methods the feeds use. With public reads
/// they need nothing; otherwise a token given once at /login rides in an HttpOnly cookie.
extension WardAPI {
    static let sessionCookie = "wardboard_session"

    func addPageRoutes(to routes: Routes) {
        routes.get(String(PageStylesheet.path.dropFirst())) { _, _ in PageStylesheet.response() }

        routes.get("/") { request, context in
            try await page(request, context) { language, session in try await comparePage(request, language: language, signedIn: session) }
        }
        routes.get("chart") { request, context in
            try await page(request, context) { language, session in try await chartPage(request, language: language, signedIn: session) }
        }
        routes.get("areas/:code") { request, context in
            try await page(request, context) { language, session in
                try await reviewSheetPage(request, code: try context.parameters.require("code"), language: language, signedIn: session)
            }
        }

        routes.get("login") { request, _ in
            let language = Self.language(request)
            let next = Self.safeNext(request.uri.queryParameters.get("next"))
            let layout = PageLayout(language: language, title: language[.login], signedIn: false, path: "/login", query: [("next", next)])
            return PageLayout.response(layout.render(LoginPage(language: language, next: next, failed: false).body()))
        }
        routes.post("login") { request, context in
            let form = try await Self.form(request)
            let language = Self.language(request)
            let next = Self.safeNext(form["next"])
            guard let token = form["token"]?.trimmingCharacters(in: .whitespaces), !token.isEmpty,
                  token.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-") }),
                  try await auth.lookup(token) != nil else {
                context.logger.info("page sign-in refused")
                let layout = PageLayout(language: language, title: language[.login], signedIn: false, path: "/login", query: [("next", next)])
                return PageLayout.response(layout.render(LoginPage(language: language, next: next, failed: true).body()), status: .unauthorized)
            }
            var response = Response(status: .seeOther, headers: [.location: next])
            response.setCookie(Cookie(name: Self.sessionCookie, value: token, maxAge: 30 * 86_400, path: "/", httpOnly: true, sameSite: .strict))
            return response
        }
        routes.post("logout") { _, _ in
            var response = Response(status: .seeOther, headers: [.location: "/login"])
            response.setCookie(Cookie(name: Self.sessionCookie, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict))
            return response
        }
    }

    /// Runs a page: checks the session (unless reads are public), renders errors as pages.
    private func page(_ request: Request, _ context: WardRequestContext,
                      _ render: @escaping @Sendable (PageLanguage, Bool) async throws -> Response) async throws -> Response {
        let language = Self.language(request)
        let token = request.cookies[Self.sessionCookie]?.value
        let signedIn: Bool
        if let token, !token.isEmpty, try await auth.lookup(token) != nil {
            signedIn = true
        } else if configuration.publicRead {
            signedIn = false
        } else {
            let here = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            return Response(status: .seeOther, headers: [.location: "/login" + queryString([("next", here), ("lang", language == .en ? "en" : nil)])])
        }
        do {
            // The same URL renders the same page for everyone (but for the sign-out button).
            return try await pageCache.page("\(signedIn)|\(request.uri.description)") { try await render(language, signedIn) }
        } catch let problem as Problem {
            return errorPage(problem.status, problem.detail, language: language, signedIn: signedIn, request: request)
        } catch let error as StoreError where error.code == .notFound || error.code == .invalidInput {
            return errorPage(error.code == .notFound ? .notFound : .badRequest, error.message, language: language, signedIn: signedIn, request: request)
        }
    }

    private func errorPage(_ status: HTTPResponse.Status, _ message: String, language: PageLanguage, signedIn: Bool, request: Request) -> Response {
        let layout = PageLayout(language: language, title: "Wardboard", signedIn: signedIn, path: request.uri.path, query: [])
        return PageLayout.response(layout.render(HTML.element("h1", [], [.text("Wardboard")])
                                                 + HTML.element("p", [("class", "error"), ("role", "alert")], [.text(message)])
                                                 + HTML.element("p", [], [HTML.element("a", [("href", "/")], [.text(language[.comparison])])])),
                                   status: status)
    }

    private func comparePage(_ request: Request, language: PageLanguage, signedIn: Bool) async throws -> Response {
        let parameters = RequestParameters(request)
        let indicators = try await IndicatorRepository(database).all()
        let code = try parameters.code("indicator", .indicator) ?? (indicators.first { $0.code == "thefts" } ?? indicators.first)?.code
        guard let code, let indicator = indicators.first(where: { $0.code == code }) else { throw Problem(.notFound, "unknown indicator") }
        let month = try parameters.month("month")
        let parent = try parameters.code("parent", .area)
        var page = ComparePage(language: language, indicators: indicators, indicator: indicator, parents: [], comparison: nil, sparklines: [:],
                               completeness: [:], brokenRules: [:], computedAt: nil, month: month, parent: parent, problem: nil)
        let feeds = FeedRepository(database)
        do {
            let comparison = try await feeds.compare(indicator: code, month: month, parent: parent)
            page.comparison = comparison
            let children = comparison.rows.map(\.area)
            async let sparks = sparklines(indicator: code, areas: children, to: comparison.month)
            async let review = indicator.kind == .ratio ? nil
                : ReviewRepository(database).completeness(month: comparison.month, parent: comparison.parent, indicator: code, byIndicator: false)
            async let quality = QualityRepository(database).quality(month: comparison.month, parent: comparison.parent, indicator: code)
            page.sparklines = try await sparks
            page.completeness = Dictionary(uniqueKeysWithValues: (try await review)?.rows.map { ($0.area, $0.counts) } ?? [])
            page.brokenRules = Dictionary(grouping: try await quality.rows.filter { $0.check == .rule }, by: \.area)
        } catch let error as StoreError where error.code == .notFound || error.code == .invalidInput {
            page.problem = error.message
        }
        let listMonth = page.comparison?.month ?? month
        page.parents = try await AreaRepository(database).parents(in: listMonth)
        page.computedAt = try await computedAt(language)
        let layout = PageLayout(language: language, title: language[.comparison], signedIn: signedIn, path: "/",
                                query: [("indicator", code), ("month", page.comparison?.month.description), ("parent", page.comparison?.parent),
                                        ("lang", language.rawValue)])
        return PageLayout.response(layout.render(page.body()), status: page.problem == nil ? .ok : .notFound)
    }

    /// The last 13 months of each area, comparable lineage (a merged ward's line continues).
    private func sparklines(indicator: String, areas: [String], to month: Month) async throws -> [String: [ExactDecimal?]] {
        var lines = [String: [ExactDecimal?]]()
        let from = month.adding(months: -12)
        for chunk in stride(from: 0, to: areas.count, by: FeedLimits.maxAreas).map({ Array(areas[$0..<min($0 + FeedLimits.maxAreas, areas.count)]) }) {
            let series = try await FeedRepository(database).series(indicator: indicator, areas: chunk, from: from, to: month, lineage: .comparable)
            let byKey = Dictionary(series.rows.map { ("\($0.area)|\($0.month)", $0.value) }, uniquingKeysWith: { first, _ in first })
            for area in chunk {
                lines[area] = (0...12).map { byKey["\(area)|\(from.adding(months: $0))"] ?? nil }
            }
        }
        return lines
    }

    private func chartPage(_ request: Request, language: PageLanguage, signedIn: Bool) async throws -> Response {
        let parameters = RequestParameters(request)
        let indicators = try await IndicatorRepository(database).all()
        let code = try parameters.code("indicator", .indicator) ?? (indicators.first { $0.code == "thefts" } ?? indicators.first)?.code
        guard let code, let indicator = indicators.first(where: { $0.code == code }) else { throw Problem(.notFound, "unknown indicator") }
        let lineage = try parameters.choice("lineage", default: Lineage.comparable)
        let from = try parameters.month("from"), to = try parameters.month("to")
        let areaRepository = AreaRepository(database)
        var areas: [String]
        if parameters.parameters.get("areas") != nil {
            areas = try parameters.codes("areas", .area, limit: 8)
        } else {
            // By default the children of the one top-level area today, the first four.
            let roots = try await areaRepository.list().filter { $0.parentCode == nil && $0.validTo == nil }
            let month = if let to { to } else { try await FeedRepository(database).series(indicator: code, areas: roots.map(\.code), from: nil, to: nil, lineage: .reported).to }
            areas = try await roots.count == 1 ? Array(areaRepository.children(of: roots[0].code, in: month).prefix(4).map(\.code)) : []
        }
        var page = ChartPage(language: language, indicators: indicators, indicator: indicator, series: nil, names: [:], areas: areas, marks: [],
                             lineage: lineage, from: from, to: to, problem: nil)
        do {
            if !areas.isEmpty {
                page.series = try await FeedRepository(database).series(indicator: code, areas: areas, from: from, to: to, lineage: lineage)
            }
            for code in areas {
                page.names[code] = try await areaRepository.find(code)?.name ?? code
                for succession in try await areaRepository.predecessors(of: code) where !page.marks.contains(where: { $0.0 == succession.effectiveMonth }) {
                    page.marks.append((succession.effectiveMonth, language[.reorganisation]))
                }
            }
        } catch let error as StoreError where error.code == .notFound || error.code == .invalidInput {
            page.problem = error.message
        }
        let layout = PageLayout(language: language, title: language[.chart], signedIn: signedIn, path: "/chart",
                                query: [("indicator", code), ("areas", areas.joined(separator: ",")), ("from", page.series?.from.description),
                                        ("to", page.series?.to.description), ("lineage", lineage.rawValue), ("lang", language.rawValue)])
        return PageLayout.response(layout.render(page.body()), status: page.problem == nil ? .ok : .notFound)
    }

    private func reviewSheetPage(_ request: Request, code: String, language: PageLanguage, signedIn: Bool) async throws -> Response {
        _ = try Code.check(code, .area, field: "code")
        let month = try RequestParameters(request).month("month")
        let report = try await FeedRepository(database).report(area: code, month: month)
        let parentName = try await report.parent.asyncMap { try await AreaRepository(database).find($0, in: report.month)?.name }
        let page = ReviewSheetPage(language: language, report: report, parentName: parentName ?? nil, computedAt: try await computedAt(language))
        let layout = PageLayout(language: language, title: report.name, signedIn: signedIn, path: "/areas/\(code)",
                                query: [("month", report.month.description), ("lang", language.rawValue)])
        return PageLayout.response(layout.render(page.body()))
    }

    /// When the worker last computed the figures, local time as the reader writes it
    /// (`08:15 29/11/2026`, `2026-11-29 08:15`).
    private func computedAt(_ language: PageLanguage) async throws -> String? {
        try await AggregateRepository(database).figuresComputedAt().map { local in
            let date = local.prefix(10).split(separator: "-"), time = local.dropFirst(11).prefix(5)
            return language == .vi && date.count == 3 ? "\(time) \(date[2])/\(date[1])/\(date[0])" : "\(local.prefix(10)) \(time)"
        }
    }

    static func language(_ request: Request) -> PageLanguage {
        request.uri.queryParameters.get("lang") == "en" ? .en : .vi
    }

    /// A path on this site to return to after signing in; anything else goes home.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"),
              !next.unicodeScalars.contains(where: { $0.value < 0x20 }) else { return "/" }
        return next
    }

    /// An `application/x-www-form-urlencoded` body (the sign-in form), at most 8 KiB.
    static func form(_ request: Request) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: 8 * 1024)
        let text = String(buffer: buffer)
        var fields = [String: String]()
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            if let name = parts.first { fields[name] = parts.count > 1 ? parts[1] : "" }
        }
        return fields
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
