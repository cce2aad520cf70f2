import WardCore
import WardStore

/// `GET /chart`: one indicator for chosen areas over a range, drawn by the server, the
/// reorganisations marked; the same rows as `/api/v1/series`, also as a table.
struct ChartPage {
    var language: PageLanguage
    var indicators: [Indicator]
    var indicator: Indicator
    var series: Series?
    var names: [String: String]
    var areas: [String]
    var marks: [(Month, String)]
    var lineage: Lineage
    var from: Month?
    var to: Month?
    var problem: String?

    func body() -> HTML {
        var parts: [HTML] = [HTML.element("h1", [], [.text(language[.chartOf] + " · " + language.name(of: indicator))]), filters()]
        if let problem { parts.append(HTML.element("p", [("class", "error"), ("role", "alert")], [.text(problem)])) }
        if let series {
            let lines = areas.map { code in
                SVGChart.Line(name: names[code] ?? code, points: series.rows.filter { $0.area == code }.map { ($0.month, $0.value) })
            }
            let title = language.name(of: indicator) + " (" + language.unit(indicator.unit) + "), " + language.month(series.from) + " – " + language.month(series.to)
            parts.append(HTML.element("figure", [], [
                SVGChart.lines(lines, from: series.from, to: series.to, marks: marks, title: title, language: language),
                HTML.element("figcaption", [("class", "meta")], [.text(title + " · " + (lineage == .comparable ? language[.comparable] : language[.asReported]))]),
            ]))
            parts.append(table(series))
        }
        return parts.joined()
    }

    func filters() -> HTML {
        HTML.element("form", [("class", "filters"), ("method", "get"), ("action", "/chart")], [
            HTML.element("label", [], [.text(language[.indicator]), HTML.element("select", [("name", "indicator")], indicators.map { item in
                HTML.element("option", [("value", item.code), ("selected", item.code == indicator.code ? "" : nil)], [.text(language.name(of: item))])
            })]),
            HTML.element("label", [], [.text(language[.areas]), HTML.void("input", [("type", "text"), ("name", "areas"), ("value", areas.joined(separator: ",")), ("size", "40")])]),
            HTML.element("label", [], [.text(language[.from]), HTML.void("input", [("type", "month"), ("name", "from"), ("value", (series?.from ?? from)?.description)])]),
            HTML.element("label", [], [.text(language[.to]), HTML.void("input", [("type", "month"), ("name", "to"), ("value", (series?.to ?? to)?.description)])]),
            HTML.element("label", [], [.text(language[.lineage]), HTML.element("select", [("name", "lineage")], [
                HTML.element("option", [("value", "comparable"), ("selected", lineage == .comparable ? "" : nil)], [.text(language[.comparable])]),
                HTML.element("option", [("value", "reported"), ("selected", lineage == .reported ? "" : nil)], [.text(language[.asReported])]),
            ])]),
            language == .en ? HTML.void("input", [("type", "hidden"), ("name", "lang"), ("value", "en")]) : "",
            HTML.element("button", [("type", "submit")], [.text(language[.show])]),
        ])
    }

    /// The figures drawn, as a table (the chart's text alternative).
    func table(_ series: Series) -> HTML {
        var month = series.from
        var rows = [HTML]()
        while month <= series.to {
            let current = month
            rows.append(HTML.element("tr", [("data-month", current.description)], [HTML.element("th", [("scope", "row")], [.text(language.month(current))])]
                + areas.map { code in
                    let row = series.rows.first { $0.area == code && $0.month == current }
                    return HTML.element("td", [("class", "num"), ("data-area", code), ("data-field", "value"), ("data-raw", row?.value?.text ?? "")],
                                        [.text(language.number(row?.value))])
                }))
            month = month.adding(months: 1)
        }
        let head = HTML.element("tr", [], [HTML.element("th", [("scope", "col")], [.text(language[.month])])]
                                + areas.map { HTML.element("th", [("scope", "col"), ("class", "num")], [.text(names[$0] ?? $0)]) })
        return HTML.element("div", [("class", "scroll")], [HTML.element("table", [("id", "series")], [
            HTML.element("caption", [], [.text(language.name(of: indicator))]), HTML.element("thead", [], [head]), HTML.element("tbody", [], rows),
        ])])
    }
}
