import PQ
import WardCore
import WardStore

/// Writes JSON straight into bytes: the feeds' numbers are exact decimals (PostgreSQL's numeric
/// text, written as JSON numbers digit for digit), which Foundation's JSONEncoder could only
/// write through `Decimal`; encoder and `Decimal` were the largest part of the server's profile
/// under load on /compare. Nulls are written out, never left out: charts and spreadsheets expect
/// every column.
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
        var text = value.normalized.description
        text.withUTF8 { bytes.append(contentsOf: $0) }
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
        var text = text
        let plain = text.withUTF8 { utf8 in
            guard !utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else { return false }
            bytes.append(contentsOf: utf8)
            return true
        }
        if plain {
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

/// A feed the API writes with ``JSONWriter``: a few header members and its rows, which are also
/// its CSV (header `columns`, one line per row's cells).
protocol JSONFeed {
    var columns: [String] { get }
    var cellRows: [[FeedCell]] { get }
    func write(to json: inout JSONWriter)
}

extension JSONWriter {
    mutating func cell(_ cell: FeedCell) {
        switch cell {
        case .text(let value): string(value)
        case .number(let value): number(value)
        case .integer(let value): integer(value)
        case .bool(let value): bool(value)
        }
    }

    /// One object with a member per column.
    mutating func object(columns: [String], cells: [FeedCell]) {
        beginObject()
        for (column, value) in zip(columns, cells) { key(column); cell(value) }
        endObject()
    }

    /// `"rows": [ … ]`, an object per row.
    mutating func rows(columns: [String], _ rows: [[FeedCell]]) {
        key("rows")
        beginArray()
        for cells in rows { object(columns: columns, cells: cells) }
        endArray()
    }
}

extension Comparison: JSONFeed {
    var columns: [String] { CompareRow.columns }
    var cellRows: [[FeedCell]] { rows.map(\.cells) }

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("indicator"); json.string(indicator)
        json.key("parent"); json.string(parent)
        json.key("month"); json.string(month.description)
        json.key("total"); json.object(columns: CompareTotal.columns, cells: total.cells)
        json.rows(columns: columns, cellRows)
        json.endObject()
    }
}

extension Series: JSONFeed {
    var columns: [String] { SeriesRow.columns }
    var cellRows: [[FeedCell]] { rows.map(\.cells) }

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("indicator"); json.string(indicator)
        json.key("from"); json.string(from.description)
        json.key("to"); json.string(to.description)
        json.key("lineage"); json.string(lineage)
        json.rows(columns: columns, cellRows)
        json.endObject()
    }
}

extension Report: JSONFeed {
    var columns: [String] { ReportRow.columns }
    var cellRows: [[FeedCell]] { rows.map(\.cells) }

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("area"); json.string(area)
        json.key("name"); json.string(name)
        json.key("parent"); json.string(parent)
        json.key("month"); json.string(month.description)
        json.rows(columns: columns, cellRows)
        json.endObject()
    }
}

/// One row per month, one column per area: for Chart.js and spreadsheets (a bare JSON array).
struct WideSeries: JSONFeed {
    struct Row {
        var month: Month
        var periodStart: LocalDate
        var periodEnd: LocalDate
        var values: [Numeric?]
    }

    var areas: [String]
    var rows: [Row]

    var columns: [String] { ["month", "period_start", "period_end"] + areas }
    var cellRows: [[FeedCell]] {
        rows.map { [.text($0.month.description), .text($0.periodStart.description), .text($0.periodEnd.description)] + $0.values.map(FeedCell.number) }
    }

    func write(to json: inout JSONWriter) {
        json.beginArray()
        for cells in cellRows { json.object(columns: columns, cells: cells) }
        json.endArray()
    }
}
