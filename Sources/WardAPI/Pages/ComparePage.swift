import WardCore
import WardStore

/// `GET /`: the children of a parent ranked for one indicator and month, with their totals, 13
/// months of each (comparable lineage), who reported and what looks wrong.
struct ComparePage {
    var language: PageLanguage
    var indicators: [Indicator]
    var indicator: Indicator
    var parents: [Area]
    var comparison: Comparison?
    var sparklines: [String: [ExactDecimal?]]
    /// Reported of expected, per child (nil for a ratio, which is never reported).
    var completeness: [String: CompletenessCounts]
    /// Broken rules below each child.
    var brokenRules: [String: [QualityRow]]
    var computedAt: String?
    var month: Month?
    var parent: String?
    var problem: String?

    func body() -> HTML {
        var parts: [HTML] = [
            HTML.element("h1", [], [.text(language[.comparison] + (comparison.map { " · " + language.month($0.month) } ?? ""))]),
            filters(),
        ]
        if let problem { parts.append(HTML.element("p", [("class", "error"), ("role", "alert")], [.text(problem)])) }
        if let comparison { parts.append(table(comparison)) }
        if let computedAt { parts.append(HTML.element("p", [("class", "meta")], [.text(language[.computedAt] + " " + computedAt)])) }
        return parts.joined()
    }

    func filters() -> HTML {
        let chosenMonth = (comparison?.month ?? month)?.description
        let chosenParent = comparison?.parent ?? parent
        return HTML.element("form", [("class", "filters"), ("method", "get"), ("action", "/")], [
            HTML.element("label", [], [.text(language[.indicator]), HTML.element("select", [("name", "indicator")], indicators.map { item in
                HTML.element("option", [("value", item.code), ("selected", item.code == indicator.code ? "" : nil)], [.text(language.name(of: item))])
            })]),
            HTML.element("label", [], [.text(language[.month]), HTML.void("input", [("type", "month"), ("name", "month"), ("value", chosenMonth),
                                                                                     ("pattern", "[0-9]{4}-[0-9]{2}")])]),
            HTML.element("label", [], [.text(language[.parent]), HTML.element("select", [("name", "parent")], parents.map { area in
                HTML.element("option", [("value", area.code), ("selected", area.code == chosenParent ? "" : nil)], [.text(area.name)])
            })]),
            language == .en ? HTML.void("input", [("type", "hidden"), ("name", "lang"), ("value", "en")]) : "",
            HTML.element("button", [("type", "submit")], [.text(language[.show])]),
        ])
    }

    func table(_ comparison: Comparison) -> HTML {
        let direction = indicator.direction.rawValue
        let headers: [(String, String)] = [
            (language[.rank], "num"), (language[.area], ""), (language[.value] + " (" + language.unit(indicator.unit) + ")", "num"),
            (language[.change], "num"), (language[.yoy], "num"), (language[.ytd], "num"), (language[.planAttainment], "num"),
            (language[.share], "num"), (language[.trend], ""), (language[.reported], "num"), (language[.quality], ""),
        ]
        let head = HTML.element("thead", [], [HTML.element("tr", [], headers.map { HTML.element("th", [("scope", "col"), ("class", $0.1.isEmpty ? nil : $0.1)], [.text($0.0)]) })])
        var rows = comparison.rows.map { row -> HTML in
            let sheet = "/areas/\(row.area)" + queryString([("month", comparison.month.description), ("lang", language == .en ? "en" : nil)])
            let counts = completeness[row.area]
            let rules = brokenRules[row.area] ?? []
            return HTML.element("tr", [("class", row.worsened == true ? "worsened" : nil), ("data-area", row.area)], [
                PageCells.number(row.rank.map { ExactDecimal($0) }, field: "rank", language),
                HTML.element("th", [("scope", "row")], [HTML.element("a", [("href", sheet)], [.text(row.name)]),
                                                        row.worsened == true ? HTML.element("span", [("class", "bad")], [.text(" · " + language[.worsened])]) : ""]),
                PageCells.number(row.value, field: "value", language),
                PageCells.change(row.change, direction: direction, field: "change", language),
                PageCells.percent(row.yoyChangePct, field: "yoy_change_pct", language),
                PageCells.number(row.ytd, field: "ytd", language),
                HTML.element("td", [("class", "num"), ("data-field", "target_pct"), ("data-raw", row.targetPct?.text ?? "")], [
                    .text(language.percent(row.targetPct) + " "), SVGChart.bar(row.targetPct, title: language[.planAttainment] + " " + language.percent(row.targetPct)),
                ]),
                PageCells.percent(row.sharePct, field: "share_pct", language),
                HTML.element("td", [], [SVGChart.sparkline(sparklines[row.area] ?? [], title: language[.chartOf] + " " + row.name + ", " + language[.trend])]),
                HTML.element("td", [("class", "num"), ("data-field", "reported")],
                             [.text(counts.map { "\($0.reported)/\($0.expected)" } ?? "")]),
                HTML.element("td", [], [PageCells.outlier(row.outlier, language)] + rules.map { rule in
                    HTML.element("span", [("class", rule.severity == "error" ? "flag bad" : "flag warn"), ("title", rule.message)],
                                 [.text(" ✖ " + (rule.rule ?? language[.ruleBroken]))])
                }),
            ])
        }
        let total = comparison.total
        rows.append(HTML.element("tr", [("class", "total"), ("data-area", comparison.parent)], [
            HTML.element("td", [], []), HTML.element("th", [("scope", "row")], [.text(language[.total])]),
            PageCells.number(total.value, field: "value", language),
            PageCells.change(total.change, direction: direction, field: "change", language),
            HTML.element("td", [], []), HTML.element("td", [], []), HTML.element("td", [], []), HTML.element("td", [], []), HTML.element("td", [], []),
            HTML.element("td", [("class", "num"), ("data-field", "reported")],
                         [.text(total.completeness.map { "\($0.reported)/\($0.expected)" } ?? "")]),
            HTML.element("td", [], []),
        ]))
        let caption = language.name(of: indicator) + " · " + language.month(comparison.month)
        return HTML.element("div", [("class", "scroll")], [HTML.element("table", [("id", "comparison")], [
            HTML.element("caption", [], [.text(caption)]), head, HTML.element("tbody", [], rows),
        ])])
    }
}
