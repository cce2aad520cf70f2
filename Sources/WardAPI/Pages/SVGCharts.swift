import Foundation
import WardCore

/// Charts drawn by the server as inline SVG (no script): positions are computed here from the
/// figures the feeds serve; the figures themselves are never recomputed.
enum SVGChart {
    /// A 13-month line for a table cell, with a title (its text alternative).
    static func sparkline(_ values: [ExactDecimal?], title: String) -> HTML {
        let width = 96.0, height = 22.0
        let numbers = values.map { $0.flatMap { Double($0.text) } }
        let present = numbers.compactMap { $0 }
        guard present.count >= 2, let low = present.min(), let high = present.max() else {
            return HTML.element("span", [("class", "muted")], ["–"])
        }
        let span = high > low ? high - low : 1
        let step = width / Double(max(1, numbers.count - 1))
        var segments = [String]()
        var current = [String]()
        for (index, value) in numbers.enumerated() {
            guard let value else {
                if current.count > 1 { segments.append(current.joined(separator: " ")) }
                current = []
                continue
            }
            let x = Double(index) * step, y = height - 2 - (value - low) / span * (height - 4)
            current.append(String(format: "%.1f,%.1f", x, y))
        }
        if current.count > 1 { segments.append(current.joined(separator: " ")) }
        let lines = segments.map { HTML(raw: "<polyline class=\"spark\" points=\"\($0)\"/>") }
        return HTML.element("svg", [("class", "sparkline"), ("viewBox", "0 0 \(Int(width)) \(Int(height))"), ("width", "\(Int(width))"),
                                    ("height", "\(Int(height))"), ("role", "img"), ("aria-label", title)],
                            [HTML.element("title", [], [.text(title)])] + lines)
    }

    /// A bar of a fraction (plan attainment), 0 to 150 %.
    static func bar(_ percent: ExactDecimal?, title: String) -> HTML {
        guard let percent, let value = Double(percent.text) else { return "" }
        let width = 60.0
        let filled = max(0, min(value, 150)) / 150 * width
        return HTML.element("svg", [("class", "bar"), ("viewBox", "0 0 60 8"), ("width", "60"), ("height", "8"), ("role", "img"), ("aria-label", title)], [
            HTML.element("title", [], [.text(title)]),
            HTML(raw: "<rect class=\"bar-track\" x=\"0\" y=\"0\" width=\"60\" height=\"8\"/>"),
            HTML(raw: String(format: "<rect class=\"%@\" x=\"0\" y=\"0\" width=\"%.1f\" height=\"8\"/>", value >= 100 ? "bar-done" : "bar-fill", filled)),
            HTML(raw: String(format: "<line class=\"bar-mark\" x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"8\"/>", width / 1.5, width / 1.5)),
        ])
    }

    struct Line {
        var name: String
        var points: [(Month, ExactDecimal?)]
    }

    /// Lines over months with axes, gridlines, a legend and vertical marks (a reorganisation).
    static func lines(_ lines: [Line], from: Month, to: Month, marks: [(Month, String)], title: String, language: PageLanguage) -> HTML {
        let width = 720.0, height = 320.0, left = 70.0, right = 12.0, top = 14.0, bottom = 46.0
        let months = max(1, to.index - from.index)
        let values = lines.flatMap { $0.points.compactMap { $0.1.flatMap { Double($0.text) } } }
        var low = min(0, values.min() ?? 0), high = values.max() ?? 1
        if high <= low { high = low + 1 }
        let niceStep = niceTick((high - low) / 5)
        low = (low / niceStep).rounded(.down) * niceStep
        high = (high / niceStep).rounded(.up) * niceStep
        func x(_ month: Month) -> Double { left + Double(month.index - from.index) / Double(months) * (width - left - right) }
        func y(_ value: Double) -> Double { top + (high - value) / (high - low) * (height - top - bottom) }
        var parts = [HTML.element("title", [], [.text(title)])]
        var tick = low
        while tick <= high + niceStep / 2 {
            parts.append(HTML(raw: String(format: "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", left, y(tick), width - right, y(tick))))
            let label = language.number(ExactDecimal(String(format: "%.0f", tick)))
            parts.append(HTML(raw: String(format: "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", left - 6, y(tick) + 4) + HTML.escape(label) + "</text>"))
            tick += niceStep
        }
        func short(_ month: Month) -> String { "\(month.month)/\(month.year % 100 < 10 ? "0" : "")\(month.year % 100)" }
        let every = max(1, months / 8)
        var month = from
        while month <= to {
            if (month.index - from.index) % every == 0 {
                parts.append(HTML(raw: String(format: "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x(month), height - bottom + 16)
                                  + HTML.escape("\(month.month)/\(month.year % 100 < 10 ? "0" : "")\(month.year % 100)") + "</text>"))
            }
            month = month.adding(months: 1)
        }
        for (index, (mark, label)) in marks.filter({ $0.0 >= from && $0.0 <= to }).sorted(by: { $0.0 < $1.0 }).enumerated() {
            parts.append(HTML(raw: String(format: "<line class=\"mark\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x(mark), top, x(mark), height - bottom)))
            parts.append(HTML(raw: String(format: "<text class=\"mark-label\" x=\"%.1f\" y=\"%.1f\">", x(mark) + 4, top + 10 + 12 * Double(index % 3))
                              + HTML.escape("\(label) \(short(mark))") + "</text>"))
        }
        for (index, line) in lines.enumerated() {
            var segment = [String]()
            func flush() {
                if segment.count > 1 { parts.append(HTML(raw: "<polyline class=\"line s\(index % 8)\" points=\"\(segment.joined(separator: " "))\"/>")) }
                if segment.count == 1 { parts.append(HTML(raw: "<circle class=\"dot s\(index % 8)\" r=\"2.5\" " + segment[0].split(separator: ",").enumerated().map { "\($0.offset == 0 ? "cx" : "cy")=\"\($0.element)\"" }.joined(separator: " ") + "/>")) }
                segment = []
            }
            for (month, value) in line.points {
                guard let number = value.flatMap({ Double($0.text) }) else { flush(); continue }
                segment.append(String(format: "%.1f,%.1f", x(month), y(number)))
            }
            flush()
            let legendY = height - 12.0
            let legendX = left + Double(index % 4) * 160
            parts.append(HTML(raw: String(format: "<rect class=\"key s%d\" x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"4\"/>", index % 8, legendX, legendY - 4 - Double(index / 4) * 0)
                              + String(format: "<text class=\"legend\" x=\"%.1f\" y=\"%.1f\">", legendX + 16, legendY) + HTML.escape(line.name) + "</text>"))
        }
        return HTML.element("svg", [("class", "chart"), ("viewBox", "0 0 \(Int(width)) \(Int(height))"), ("role", "img"), ("aria-label", title)], parts)
    }

    /// 1, 2 or 5 times a power of ten, at least `raw`.
    static func niceTick(_ raw: Double) -> Double {
        guard raw > 0 else { return 1 }
        let power = pow(10, floor(log10(raw)))
        for factor in [1.0, 2.0, 5.0, 10.0] where factor * power >= raw { return factor * power }
        return 10 * power
    }
}
