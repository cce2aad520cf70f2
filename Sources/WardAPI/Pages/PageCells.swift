import WardCore
import WardStore

/// Table cells shared by the pages: a figure keeps its exact value in `data-raw` (what the
/// browser test reads back and compares with the JSON feeds) and shows it in the reader's way.
enum PageCells {
    static func number(_ value: ExactDecimal?, field: String, _ language: PageLanguage, fractionDigits: Int? = nil) -> HTML {
        HTML.element("td", [("class", "num"), ("data-field", field), ("data-raw", value?.text ?? "")],
                     [.text(language.number(value, fractionDigits: fractionDigits))])
    }

    static func percent(_ value: ExactDecimal?, field: String, _ language: PageLanguage) -> HTML {
        HTML.element("td", [("class", "num"), ("data-field", field), ("data-raw", value?.text ?? "")], [.text(language.percent(value))])
    }

    /// A change with ▲ or ▼, good or bad by the indicator's direction.
    static func change(_ change: ExactDecimal?, direction: String, field: String, _ language: PageLanguage) -> HTML {
        guard let change else { return number(nil, field: field, language) }
        let up = !change.isNegative && change.text != "0"
        let down = change.isNegative
        let mood = switch (direction, up, down) {
        case ("higher_is_better", true, _), ("lower_is_better", _, true): "good"
        case ("higher_is_better", _, true), ("lower_is_better", true, _): "bad"
        default: "muted"
        }
        let mark = up ? "▲ " : (down ? "▼ " : "")
        return HTML.element("td", [("class", "num " + mood), ("data-field", field), ("data-raw", change.text)],
                            [.text(mark + language.number(change.isNegative ? ExactDecimal(String(change.text.dropFirst())) : change))])
    }

    /// Whether a change went the indicator's good way (nil: no change, or a neutral indicator).
    static func improved(_ change: ExactDecimal?, direction: String) -> Bool? {
        guard let change, change.text != "0" else { return nil }
        switch direction {
        case "higher_is_better": return !change.isNegative
        case "lower_is_better": return change.isNegative
        default: return nil
        }
    }

    static func outlier(_ mark: OutlierMark, _ language: PageLanguage) -> HTML {
        guard mark.isOutlier == true else { return "" }
        return HTML.element("span", [("class", "flag warn"), ("title", language[.outlier] + " (z = " + language.number(mark.score) + ")")],
                            [.text("⚠ " + language[.outlier])])
    }

    static func status(_ status: String?, _ language: PageLanguage) -> HTML {
        switch status {
        case "on_time": HTML.element("span", [("class", "good")], [.text(language[.onTime])])
        case "late": HTML.element("span", [("class", "bad")], [.text(language[.late])])
        case "missing": HTML.element("span", [("class", "bad flag")], [.text(language[.missing])])
        case "pending": HTML.element("span", [("class", "muted")], [.text(language[.pending])])
        default: ""
        }
    }
}
