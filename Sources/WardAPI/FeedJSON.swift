import PQ
import WardCore
import WardStore

/// Writes JSON straight into bytes: the feeds' numbers are exact decimals (PostgreSQL's numeric
/// text, written as JSON numbers digit for digit), which Foundation's JSONEncoder could only
/// write through `Decimal`, and at several times the cost. Nulls are written out, never left out:
/// charts and spreadsheets expect every column.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    /// Per open object or array: whether the next member needs a comma first.
    private var needsComma: [Bool] = []

    init(capacity: Int = 4096) { bytes.reserveCapacity(capacity) }

    mutating func beginObject() { separate(); bytes.append(0x7B); needsComma.append(false) }
    mutating func endObject() { needsComma.removeLast(); bytes.append(0x7D) }
    mutating func beginArray() { separate(); bytes.append(0x5B); needsComma.append(false) }
    mutating func endArray() { needsComma.removeLast(); bytes.append(0x5D) }

    /// A member's name; its value comes next.
    mutating func key(_ name: String) {
        separate()
        appendString(name)
        bytes.append(0x3A)
        if !needsComma.isEmpty { needsComma[needsComma.count - 1] = false }
    }

    mutating func string(_ value: String?) {
        separate()
        if let value { appendString(value) } else { appendNull() }
    }

    mutating func number(_ value: Numeric?) {
        separate()
        // NaN and the infinities have no JSON form; aggregates never hold them.
        guard let value, value.isFinite else { return appendNull() }
        bytes.append(contentsOf: value.normalized.description.utf8)
    }

    mutating func integer(_ value: Int?) {
        separate()
        if let value { bytes.append(contentsOf: String(value).utf8) } else { appendNull() }
    }

    mutating func bool(_ value: Bool?) {
        separate()
        switch value {
        case true?: bytes.append(contentsOf: "true".utf8)
        case false?: bytes.append(contentsOf: "false".utf8)
        case nil: appendNull()
        }
    }

    private mutating func separate() {
        guard let last = needsComma.last else { return }
        if last { bytes.append(0x2C) } else { needsComma[needsComma.count - 1] = true }
    }

    private mutating func appendNull() { bytes.append(contentsOf: "null".utf8) }

    private mutating func appendString(_ text: String) {
        bytes.append(0x22)
        // Most strings (codes, names, months) need no escaping: copy them whole.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            bytes.append(contentsOf: text.utf8)
            bytes.append(0x22)
            return
        }
        for byte in text.utf8 {
            switch byte {
            case 0x22: bytes.append(0x5C); bytes.append(0x22)
            case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
            case 0x0A: bytes.append(0x5C); bytes.append(0x6E)
            case 0x0D: bytes.append(0x5C); bytes.append(0x72)
            case 0x09: bytes.append(0x5C); bytes.append(0x74)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(0x22)
    }
}

/// A feed the API writes with ``JSONWriter``.
protocol JSONFeed {
    func write(to json: inout JSONWriter)
}

extension Comparison: JSONFeed {
    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("indicator"); json.string(indicator)
        json.key("parent"); json.string(parent)
        json.key("month"); json.string(month.description)
        json.key("total")
        json.beginObject()
        json.key("value"); json.number(total.value)
        json.key("previous"); json.number(total.previous)
        json.key("change"); json.number(total.change)
        json.key("change_pct"); json.number(total.changePct)
        json.key("reporting"); json.integer(total.reporting)
        json.key("expected"); json.integer(total.expected)
        json.endObject()
        json.key("rows")
        json.beginArray()
        for row in rows {
            json.beginObject()
            json.key("area"); json.string(row.area)
            json.key("name"); json.string(row.name)
            json.key("value"); json.number(row.value)
            json.key("previous"); json.number(row.previous)
            json.key("change"); json.number(row.change)
            json.key("change_pct"); json.number(row.changePct)
            json.key("yoy_change_pct"); json.number(row.yoyChangePct)
            json.key("ytd"); json.number(row.ytd)
            json.key("target"); json.number(row.target)
            json.key("target_pct"); json.number(row.targetPct)
            json.key("rank"); json.integer(row.rank)
            json.key("share_pct"); json.number(row.sharePct)
            json.key("worsened"); json.bool(row.worsened)
            json.endObject()
        }
        json.endArray()
        json.endObject()
    }
}

extension Series: JSONFeed {
    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("indicator"); json.string(indicator)
        json.key("from"); json.string(from.description)
        json.key("to"); json.string(to.description)
        json.key("lineage"); json.string(lineage)
        json.key("rows")
        json.beginArray()
        for row in rows {
            json.beginObject()
            json.key("area"); json.string(row.area)
            json.key("month"); json.string(row.month.description)
            json.key("period_start"); json.string(row.periodStart.description)
            json.key("period_end"); json.string(row.periodEnd.description)
            json.key("value"); json.number(row.value)
            json.key("previous"); json.number(row.previous)
            json.key("change"); json.number(row.change)
            json.key("change_pct"); json.number(row.changePct)
            json.key("yoy_change_pct"); json.number(row.yoyChangePct)
            json.key("ytd"); json.number(row.ytd)
            json.key("target_pct"); json.number(row.targetPct)
            json.endObject()
        }
        json.endArray()
        json.endObject()
    }
}

extension Report: JSONFeed {
    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("area"); json.string(area)
        json.key("name"); json.string(name)
        json.key("parent"); json.string(parent)
        json.key("month"); json.string(month.description)
        json.key("rows")
        json.beginArray()
        for row in rows {
            json.beginObject()
            json.key("indicator"); json.string(row.indicator)
            json.key("name_vi"); json.string(row.nameVi)
            json.key("name_en"); json.string(row.nameEn)
            json.key("unit"); json.string(row.unit)
            json.key("category"); json.string(row.category)
            json.key("direction"); json.string(row.direction)
            json.key("value"); json.number(row.value)
            json.key("previous"); json.number(row.previous)
            json.key("change"); json.number(row.change)
            json.key("change_pct"); json.number(row.changePct)
            json.key("yoy_change_pct"); json.number(row.yoyChangePct)
            json.key("ytd"); json.number(row.ytd)
            json.key("target"); json.number(row.target)
            json.key("target_pct"); json.number(row.targetPct)
            json.key("rank"); json.integer(row.rank)
            json.key("ranked_among"); json.integer(row.ranked)
            json.key("share_pct"); json.number(row.sharePct)
            json.key("worsened"); json.bool(row.worsened)
            json.endObject()
        }
        json.endArray()
        json.endObject()
    }
}

/// One row per month, one column per area: for Chart.js and spreadsheets.
struct WideSeries: JSONFeed {
    struct Row {
        var month: Month
        var periodStart: LocalDate
        var periodEnd: LocalDate
        var values: [Numeric?]
    }

    var areas: [String]
    var rows: [Row]

    func write(to json: inout JSONWriter) {
        json.beginArray()
        for row in rows {
            json.beginObject()
            json.key("month"); json.string(row.month.description)
            json.key("period_start"); json.string(row.periodStart.description)
            json.key("period_end"); json.string(row.periodEnd.description)
            for (area, value) in zip(areas, row.values) { json.key(area); json.number(value) }
            json.endObject()
        }
        json.endArray()
    }
}
