import WardCore
import WardStore

/// Writes JSON straight into bytes: the feeds' numbers are exact decimals (PostgreSQL's numeric
/// text, written as JSON numbers digit for digit), which Foundation's JSONEncoder could only
/// write through `Decimal`; encoder and `Decimal` were the largest part of the server's profile
/// under load on /compare. Nulls are written out, never left out: charts and spreadsheets expect
/// every column.
struct JSONWriter {
    private let sink: ByteSink
    /// Per open object or array: whether the next member needs a comma first.
    private var needsComma: [Bool] = []

    init(capacity: Int = 16_384) { sink = ByteSink(capacity: capacity) }

    /// What was written.
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: sink.base, count: sink.count)) }

    mutating func reset() { sink.count = 0; needsComma.removeAll(keepingCapacity: true) }

    mutating func beginObject() { separate(); sink.append(0x7B); needsComma.append(false) }
    mutating func endObject() { needsComma.removeLast(); sink.append(0x7D) }
    mutating func beginArray() { separate(); sink.append(0x5B); needsComma.append(false) }
    mutating func endArray() { needsComma.removeLast(); sink.append(0x5D) }

    /// A member's name; its value comes next.
    mutating func key(_ name: String) {
        separate()
        rawString(name)
        sink.append(0x3A)
        if !needsComma.isEmpty { needsComma[needsComma.count - 1] = false }
    }

    mutating func string(_ value: String?) {
        separate()
        if let value { rawString(value) } else { rawNull() }
    }

    mutating func number(_ value: ExactDecimal?) { separate(); rawNumber(value) }
    mutating func integer(_ value: Int?) { separate(); rawInteger(value) }
    mutating func bool(_ value: Bool?) { separate(); rawBool(value) }

    /// The comma before a member or element, when one came before it in the same container.
    mutating func separate() {
        guard let last = needsComma.last else { return }
        if last { sink.append(0x2C) } else { needsComma[needsComma.count - 1] = true }
    }

    // MARK: Values alone (no comma bookkeeping)

    func rawBytes(_ raw: [UInt8]) { raw.withUnsafeBufferPointer { sink.append($0) } }

    func rawNull() { sink.append(0x6E, 0x75, 0x6C, 0x6C) }

    func rawNumber(_ value: ExactDecimal?) {
        guard let value else { return rawNull() }
        var text = value.text
        text.withUTF8 { sink.append($0) }
    }

    func rawInteger(_ value: Int?) {
        guard let value else { return rawNull() }
        var text = String(value)
        text.withUTF8 { sink.append($0) }
    }

    func rawBool(_ value: Bool?) {
        switch value {
        case true?: sink.append(0x74, 0x72, 0x75, 0x65)
        case false?: sink.append(0x66, 0x61, 0x6C, 0x73); sink.append(0x65)
        case nil: rawNull()
        }
    }

    func rawString(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            // Most strings (codes, names, months) need no escaping: copy them whole.
            if !utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
                sink.reserve(utf8.count + 2)
                sink.appendReserved(0x22)
                sink.appendReserved(utf8)
                sink.appendReserved(0x22)
                return
            }
            sink.append(0x22)
            let hex = Array("0123456789abcdef".utf8)
            for byte in utf8 {
                switch byte {
                case 0x22: sink.append(0x5C); sink.append(0x22)
                case 0x5C: sink.append(0x5C); sink.append(0x5C)
                case 0x0A: sink.append(0x5C); sink.append(0x6E)
                case 0x0D: sink.append(0x5C); sink.append(0x72)
                case 0x09: sink.append(0x5C); sink.append(0x74)
                case 0..<0x20:
                    sink.append(0x5C, 0x75, 0x30, 0x30)
                    sink.append(hex[Int(byte >> 4)]); sink.append(hex[Int(byte & 0xF)])
                default: sink.append(byte)
                }
            }
            sink.append(0x22)
        }
    }
}

/// Growable bytes written through a pointer: one capacity check per value instead of the
/// array's uniqueness and capacity checks per append.
final class ByteSink {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    @inline(__always) func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    private func grow(to needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.update(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }

    @inline(__always) func appendReserved(_ byte: UInt8) { base[count] = byte; count += 1 }

    @inline(__always) func appendReserved(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        (base + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    @inline(__always) func append(_ byte: UInt8) { reserve(1); appendReserved(byte) }

    @inline(__always) func append(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        reserve(4)
        base[count] = a; base[count + 1] = b; base[count + 2] = c; base[count + 3] = d
        count += 4
    }

    @inline(__always) func append(_ bytes: UnsafeBufferPointer<UInt8>) { reserve(bytes.count); appendReserved(bytes) }
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
    associatedtype Row: FeedRow
    var layout: JSONObjectLayout { get }
    var feedRows: [Row] { get }
    func write(to json: inout JSONWriter)
}

extension JSONFeed {
    var columns: [String] { layout.columns }
    var cellRows: [[FeedCell]] { feedRows.map(\.cells) }
}

/// Writes each value of a row after its member name, as the row hands them over.
struct JSONMemberWriter: FeedCellVisitor {
    let writer: JSONWriter
    let prefixes: [[UInt8]]
    var index = 0

    mutating func name() {
        writer.rawBytes(prefixes[index])
        index += 1
    }

    mutating func text(_ value: String?) { name(); if let value { writer.rawString(value) } else { writer.rawNull() } }
    mutating func number(_ value: ExactDecimal?) { name(); writer.rawNumber(value) }
    mutating func integer(_ value: Int?) { name(); writer.rawInteger(value) }
    mutating func bool(_ value: Bool?) { name(); writer.rawBool(value) }
}

extension JSONWriter {
    /// One object with a member per column of `layout`; `more` may add members before it closes
    /// (with ``key(_:)``).
    mutating func object(_ layout: JSONObjectLayout, row: some FeedRow, more: (inout JSONWriter) -> Void = { _ in }) {
        separate()
        var members = JSONMemberWriter(writer: self, prefixes: layout.prefixes)
        row.visitCells(&members)
        precondition(members.index == layout.prefixes.count, "a row gave \(members.index) values for \(layout.prefixes.count) columns")
        if members.index == 0 { sink.append(0x7B) }
        more(&self)
        sink.append(0x7D)
    }

    /// `"rows": [ … ]`, an object per row.
    mutating func rows(of feed: some JSONFeed) {
        key("rows")
        beginArray()
        let layout = feed.layout
        for row in feed.feedRows { object(layout, row: row) }
        endArray()
    }
}

extension Comparison: JSONFeed {
    static let layout = JSONObjectLayout(CompareRow.columns)
    static let totalLayout = JSONObjectLayout(CompareTotal.columns)
    var layout: JSONObjectLayout { Self.layout }
    var feedRows: [CompareRow] { rows }

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("indicator"); json.string(indicator)
        json.key("parent"); json.string(parent)
        json.key("month"); json.string(month.description)
        json.key("total")
        json.object(Self.totalLayout, row: total) { json in
            json.key("completeness")
            if let completeness = total.completeness { json.object(Completeness.countsLayout, row: completeness) } else { json.number(nil) }
        }
        json.rows(of: self)
        json.endObject()
    }
}

extension Completeness: JSONFeed {
    static let countsLayout = JSONObjectLayout(CompletenessCounts.columns)
    static let areaLayout = JSONObjectLayout(CompletenessRow.columns)
    static let indicatorLayout = JSONObjectLayout(CompletenessRow.indicatorColumns)
    var layout: JSONObjectLayout { byIndicator ? Self.indicatorLayout : Self.areaLayout }
    var feedRows: [CompletenessRow] { rows }

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("month"); json.string(month.description)
        json.key("parent"); json.string(parent)
        json.key("indicator"); json.string(indicator)
        json.key("total"); json.object(Self.areaLayout, row: total)
        json.rows(of: self)
        json.endObject()
    }
}

extension MonthStates: JSONFeed {
    static let layout = JSONObjectLayout(MonthStateRow.columns)
    var layout: JSONObjectLayout { Self.layout }
    var feedRows: [MonthStateRow] { rows }

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("month"); json.string(month.description)
        json.key("parent"); json.string(parent)
        json.rows(of: self)
        json.endObject()
    }
}

extension Quality: JSONFeed {
    static let layout = JSONObjectLayout(QualityRow.columns)
    var layout: JSONObjectLayout { Self.layout }
    var feedRows: [QualityRow] { rows }

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("month"); json.string(month.description)
        json.key("parent"); json.string(parent)
        json.key("indicator"); json.string(indicator)
        json.rows(of: self)
        json.endObject()
    }
}

/// The audit history, a bare array.
struct AuditHistory: JSONFeed {
    static let layout = JSONObjectLayout(AuditEntry.columns)
    var entries: [AuditEntry]
    var layout: JSONObjectLayout { Self.layout }
    var feedRows: [AuditEntry] { entries }

    func write(to json: inout JSONWriter) {
        json.beginArray()
        for entry in entries { json.object(Self.layout, row: entry) }
        json.endArray()
    }
}

extension Series: JSONFeed {
    static let layout = JSONObjectLayout(SeriesRow.columns)
    var layout: JSONObjectLayout { Self.layout }
    var feedRows: [SeriesRow] { rows }

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("indicator"); json.string(indicator)
        json.key("from"); json.string(from.description)
        json.key("to"); json.string(to.description)
        json.key("lineage"); json.string(lineage.rawValue)
        json.rows(of: self)
        json.endObject()
    }
}

extension Report: JSONFeed {
    static let layout = JSONObjectLayout(ReportRow.columns)
    var layout: JSONObjectLayout { Self.layout }
    var feedRows: [ReportRow] { rows }

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
extension WideSeries: JSONFeed {
    var layout: JSONObjectLayout { JSONObjectLayout(columns) }
    var feedRows: [Row] { rows }

    func write(to json: inout JSONWriter) {
        json.beginArray()
        let layout = self.layout
        for row in rows { json.object(layout, row: row) }
        json.endArray()
    }
}
