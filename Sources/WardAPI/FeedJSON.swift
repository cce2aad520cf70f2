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

    mutating func reset() { bytes.removeAll(keepingCapacity: true); needsComma.removeAll(keepingCapacity: true) }

    mutating func beginObject() { separate(); bytes.append(0x7B); needsComma.append(false) }
    mutating func endObject() { needsComma.removeLast(); bytes.append(0x7D) }
    mutating func beginArray() { separate(); bytes.append(0x5B); needsComma.append(false) }
    mutating func endArray() { needsComma.removeLast(); bytes.append(0x5D) }

    /// A member's name; its value comes next.
    mutating func key(_ name: String) {
        separate()
        rawString(name)
        bytes.append(0x3A)
        if !needsComma.isEmpty { needsComma[needsComma.count - 1] = false }
    }

    mutating func string(_ value: String?) {
        separate()
        if let value { rawString(value) } else { rawNull() }
    }

    mutating func number(_ value: Numeric?) { separate(); rawNumber(value) }
    mutating func integer(_ value: Int?) { separate(); rawInteger(value) }
    mutating func bool(_ value: Bool?) { separate(); rawBool(value) }

    /// The comma before a member or element, when one came before it in the same container.
    mutating func separate() {
        guard let last = needsComma.last else { return }
        if last { bytes.append(0x2C) } else { needsComma[needsComma.count - 1] = true }
    }

    // MARK: Values alone (no comma bookkeeping)

    mutating func rawBytes(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }

    mutating func rawNull() { bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C]) }

    mutating func rawNumber(_ value: Numeric?) {
        // NaN and the infinities have no JSON form; aggregates never hold them.
        guard let value, value.isFinite else { return rawNull() }
        var text = value.normalized.description
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    mutating func rawInteger(_ value: Int?) {
        guard let value else { return rawNull() }
        var text = String(value)
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    mutating func rawBool(_ value: Bool?) {
        switch value {
        case true?: bytes.append(contentsOf: [0x74, 0x72, 0x75, 0x65])
        case false?: bytes.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])
        case nil: rawNull()
        }
    }

    mutating func rawString(_ text: String) {
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

/// The member names of one kind of row, encoded once: `{"a":`, then `,"b":`, … so that a row is
/// written as fixed prefixes and values, with no per-member escaping or comma bookkeeping.
struct JSONObjectLayout: Sendable {
    let columns: [String]
    let prefixes: [[UInt8]]

    init(_ columns: [String]) {
        self.columns = columns
        var writer = JSONWriter(capacity: 32)
        prefixes = columns.enumerated().map { index, column in
            writer.reset()
            writer.rawString(column)
            return [index == 0 ? 0x7B : 0x2C] + writer.bytes + [0x3A]
        }
    }
}

/// A feed the API writes with ``JSONWriter``: a few header members and its rows, which are also
/// its CSV (header `columns`, one line per row's cells).
protocol JSONFeed {
    var layout: JSONObjectLayout { get }
    var cellRows: [[FeedCell]] { get }
    /// The rows' cells one row at a time (without building every row first).
    func forEachRow(_ body: ([FeedCell]) -> Void)
    func write(to json: inout JSONWriter)
}

extension JSONFeed {
    var columns: [String] { layout.columns }
}

extension JSONWriter {
    /// One object with a member per column of `layout`.
    mutating func object(_ layout: JSONObjectLayout, cells: [FeedCell]) {
        separate()
        if cells.isEmpty { rawBytes([0x7B]) }
        for (prefix, cell) in zip(layout.prefixes, cells) {
            rawBytes(prefix)
            switch cell {
            case .text(let value): if let value { rawString(value) } else { rawNull() }
            case .number(let value): rawNumber(value)
            case .integer(let value): rawInteger(value)
            case .bool(let value): rawBool(value)
            }
        }
        rawBytes([0x7D])
    }

    /// `"rows": [ … ]`, an object per row.
    mutating func rows(of feed: some JSONFeed) {
        key("rows")
        beginArray()
        let layout = feed.layout
        feed.forEachRow { object(layout, cells: $0) }
        endArray()
    }
}

extension Comparison: JSONFeed {
    static let layout = JSONObjectLayout(CompareRow.columns)
    static let totalLayout = JSONObjectLayout(CompareTotal.columns)
    var layout: JSONObjectLayout { Self.layout }
    var cellRows: [[FeedCell]] { rows.map(\.cells) }
    func forEachRow(_ body: ([FeedCell]) -> Void) { for row in rows { body(row.cells) } }

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("indicator"); json.string(indicator)
        json.key("parent"); json.string(parent)
        json.key("month"); json.string(month.description)
        json.key("total"); json.object(Self.totalLayout, cells: total.cells)
        json.rows(of: self)
        json.endObject()
    }
}

extension Series: JSONFeed {
    static let layout = JSONObjectLayout(SeriesRow.columns)
    var layout: JSONObjectLayout { Self.layout }
    var cellRows: [[FeedCell]] { rows.map(\.cells) }
    func forEachRow(_ body: ([FeedCell]) -> Void) { for row in rows { body(row.cells) } }

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("indicator"); json.string(indicator)
        json.key("from"); json.string(from.description)
        json.key("to"); json.string(to.description)
        json.key("lineage"); json.string(lineage)
        json.rows(of: self)
        json.endObject()
    }
}

extension Report: JSONFeed {
    static let layout = JSONObjectLayout(ReportRow.columns)
    var layout: JSONObjectLayout { Self.layout }
    var cellRows: [[FeedCell]] { rows.map(\.cells) }
    func forEachRow(_ body: ([FeedCell]) -> Void) { for row in rows { body(row.cells) } }

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("area"); json.string(area)
        json.key("name"); json.string(name)
        json.key("parent"); json.string(parent)
        json.key("month"); json.string(month.description)
        json.rows(of: self)
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

    let layout: JSONObjectLayout
    var rows: [Row]

    init(areas: [String], rows: [Row]) {
        layout = JSONObjectLayout(["month", "period_start", "period_end"] + areas)
        self.rows = rows
    }

    var cellRows: [[FeedCell]] { rows.map(Self.cells) }
    func forEachRow(_ body: ([FeedCell]) -> Void) { for row in rows { body(Self.cells(row)) } }

    static func cells(_ row: Row) -> [FeedCell] {
        [.text(row.month.description), .text(row.periodStart.description), .text(row.periodEnd.description)] + row.values.map(FeedCell.number)
    }

    func write(to json: inout JSONWriter) {
        json.beginArray()
        forEachRow { json.object(layout, cells: $0) }
        json.endArray()
    }
}
