import WardCore
import WardStore

/// `GET /areas/{code}?month=`: the sheet of a ward's monthly review, grouped the way the review
/// is written, strengths and weaknesses first; it prints on A4.
struct ReviewSheetPage {
    var language: PageLanguage
    var report: Report
    var parentName: String?
    var computedAt: String?

    func body() -> HTML {
        let rows = report.rows.filter { $0.value != nil || $0.status != nil }
        let improved = rows.filter { PageCells.improved($0.change, direction: $0.direction) == true }
        let worsened = rows.filter { $0.worsened == true }
        let title = language[.reviewSheet] + " · " + report.name + " · " + language.month(report.month)
        var parts: [HTML] = [
            HTML.element("h1", [], [.text(title)]),
            HTML.element("p", [("class", "meta")], [.text((parentName.map { $0 + " · " } ?? "") + (computedAt.map { language[.computedAt] + " " + $0 } ?? ""))]),
            HTML.element("form", [("class", "filters noprint"), ("method", "get"), ("action", "/areas/\(report.area)")], [
                HTML.element("label", [], [.text(language[.month]), HTML.void("input", [("type", "month"), ("name", "month"), ("value", report.month.description)])]),
                language == .en ? HTML.void("input", [("type", "hidden"), ("name", "lang"), ("value", "en")]) : "",
                HTML.element("button", [("type", "submit")], [.text(language[.show])]),
            ]),
            HTML.element("div", [("class", "lists")], [
                list(language[.strengths], improved, id: "strengths"),
                list(language[.weaknesses], worsened, id: "weaknesses"),
            ]),
        ]
        let categories = Set(rows.map(\.category))
        let ordered = PageLanguage.categoryOrder.filter(categories.contains) + categories.subtracting(PageLanguage.categoryOrder).sorted()
        for category in ordered {
            parts.append(HTML.element("h2", [], [.text(language.category(category))]))
            parts.append(table(rows.filter { $0.category == category }, caption: language.category(category)))
        }
        if rows.isEmpty { parts.append(HTML.element("p", [], [.text(language[.noData])])) }
        return parts.joined()
    }

    func list(_ title: String, _ rows: [ReportRow], id: String) -> HTML {
        HTML.element("section", [("id", id)], [
            HTML.element("h2", [], [.text(title)]),
            rows.isEmpty ? HTML.element("p", [("class", "muted")], [.text(language[.nothing])]) :
                HTML.element("ul", [], rows.map { row in
                    HTML.element("li", [], [.text(name(row) + ": " + language.number(row.value) + " " + language.unit(row.unit)
                                                  + " (" + (row.change.map { ($0.isNegative ? "" : "+") + language.number($0) } ?? "") + ")")])
                }),
        ])
    }

    func name(_ row: ReportRow) -> String { language == .vi ? row.nameVi : (row.nameEn.isEmpty ? row.nameVi : row.nameEn) }

    func table(_ rows: [ReportRow], caption: String) -> HTML {
        let headers = [language[.indicator], language[.value], language[.change], language[.yoy], language[.ytd], language[.planAttainment],
                       language[.rank], language[.status], language[.quality]]
        return HTML.element("div", [("class", "scroll")], [HTML.element("table", [("class", "sheet")], [
            HTML.element("caption", [("class", "sr-only")], [.text(caption)]),
            HTML.element("thead", [], [HTML.element("tr", [], headers.enumerated().map {
                HTML.element("th", [("scope", "col"), ("class", $0.offset == 0 || $0.offset >= 7 ? nil : "num")], [.text($0.element)])
            })]),
            HTML.element("tbody", [], rows.map { row in
                HTML.element("tr", [("class", row.worsened == true ? "worsened" : nil), ("data-indicator", row.indicator)], [
                    HTML.element("th", [("scope", "row")], [.text(name(row) + " (" + language.unit(row.unit) + ")")]),
                    PageCells.number(row.value, field: "value", language),
                    PageCells.change(row.change, direction: row.direction, field: "change", language),
                    PageCells.percent(row.yoyChangePct, field: "yoy_change_pct", language),
                    PageCells.number(row.ytd, field: "ytd", language),
                    PageCells.percent(row.targetPct, field: "target_pct", language),
                    HTML.element("td", [("class", "num")], [.text(row.rank.map { "\($0)" + (row.ranked.map { "/\($0)" } ?? "") } ?? "")]),
                    HTML.element("td", [], [PageCells.status(row.status, language)]),
                    HTML.element("td", [], [PageCells.outlier(row.outlier, language)]),
                ])
            }),
        ])])
    }
}
