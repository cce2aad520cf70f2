/// The fast lane of a facts.csv import: checks each line's format at the byte level, with no
/// allocation per row, and writes it out normalised for PostgreSQL's `COPY … (FORMAT csv)`:
/// `area_code,indicator_code,occurred_at,amount,batch_id`, an empty amount made `1`.
///
/// It accepts a strict subset of what the careful path (``CSVParser`` and ``Rules``) accepts:
/// unquoted ASCII fields, codes in their exact form, timestamps as
/// `YYYY-MM-DD[T ]HH:MM:SS[.ffffff](Z|±HH:MM)`, amounts as `-?digits[.digits]`. Anything else,
/// whether a mistake or merely unusual (quotes, spaces, a byte-order mark, a blank line), makes
/// ``feed(_:into:)`` return `false`: the caller then imports the file through the careful path,
/// which either accepts it too or names every bad line. So the fast lane never decides what a
/// file means differently, and never has to phrase an error.
public struct FactsCSVScanner: Sendable {
    static let columns = ImportFile.facts.columnNames

    /// For each of ``columns``, its position in the file's header.
    private var order: [Int]?
    private var carry: [UInt8] = []
    private let batchSuffix: [UInt8]
    /// Data rows accepted so far.
    public private(set) var rows = 0
    /// The line that sent the file to the careful path, for the log.
    public private(set) var rejectedLine: Int?

    /// `batch` is written as each row's last field (`batch_id`).
    public init(batch: Int64) {
        batchSuffix = Array(",\(batch)\n".utf8)
    }

    /// Scans the complete lines of `chunk` (a partial last line waits for the next chunk) and
    /// appends their normalised rows to `output`. Returns `false` when the fast lane cannot take
    /// this file.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, into output: inout [UInt8]) -> Bool {
        guard rejectedLine == nil else { return false }
        var start = 0
        if !carry.isEmpty {
            guard let newline = Self.firstNewline(in: chunk, from: 0) else {
                carry.append(contentsOf: chunk)
                return true
            }
            carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<newline]))
            let line = carry
            carry.removeAll(keepingCapacity: true)
            let accepted = line.withUnsafeBytes { take($0, into: &output) }
            guard accepted else { return false }
            start = newline + 1
        }
        while let newline = Self.firstNewline(in: chunk, from: start) {
            guard take(UnsafeRawBufferPointer(rebasing: chunk[start..<newline]), into: &output) else { return false }
            start = newline + 1
        }
        carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start...]))
        return true
    }

    /// Takes a last line without a newline; `false` as for ``feed(_:into:)``, or when the file
    /// had no header.
    public mutating func finish(into output: inout [UInt8]) -> Bool {
        guard rejectedLine == nil else { return false }
        if !carry.isEmpty {
            let line = carry
            carry.removeAll()
            guard line.withUnsafeBytes({ take($0, into: &output) }) else { return false }
        }
        if order == nil { rejectedLine = 1 }
        return order != nil
    }

    private static func firstNewline(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        while index < bytes.count {
            if bytes[index] == 0x0A { return index }
            index += 1
        }
        return nil
    }

    private mutating func take(_ raw: UnsafeRawBufferPointer, into output: inout [UInt8]) -> Bool {
        var line = raw
        if let last = line.last, last == 0x0D { line = UnsafeRawBufferPointer(rebasing: line.dropLast()) }
        let lineNumber = rows + 2
        guard let order else {
            guard let header = Self.header(line) else { rejectedLine = 1; return false }
            self.order = header
            return true
        }
        // Field boundaries; quotes, control characters and non-ASCII bytes go the careful way.
        var bounds: (Int, Int, Int) = (0, 0, 0)
        var commas = 0
        for index in 0..<line.count {
            let byte = line[index]
            if byte == 0x2C {
                switch commas {
                case 0: bounds.0 = index
                case 1: bounds.1 = index
                case 2: bounds.2 = index
                default: rejectedLine = lineNumber; return false
                }
                commas += 1
            } else if byte < 0x20 || byte >= 0x7F || byte == 0x22 {
                rejectedLine = lineNumber
                return false
            }
        }
        guard commas == 3 else { rejectedLine = lineNumber; return false }
        func field(_ position: Int) -> UnsafeRawBufferPointer {
            switch position {
            case 0: UnsafeRawBufferPointer(rebasing: line[0..<bounds.0])
            case 1: UnsafeRawBufferPointer(rebasing: line[(bounds.0 + 1)..<bounds.1])
            case 2: UnsafeRawBufferPointer(rebasing: line[(bounds.1 + 1)..<bounds.2])
            default: UnsafeRawBufferPointer(rebasing: line[(bounds.2 + 1)...])
            }
        }
        let area = field(order[0]), indicator = field(order[1]), occurredAt = field(order[2]), amount = field(order[3])
        guard Code.isValid(area, .area), Code.isValid(indicator, .indicator),
              Self.isTimestamp(occurredAt), amount.isEmpty || Self.isDecimal(amount) else {
            rejectedLine = lineNumber
            return false
        }
        output.append(contentsOf: area)
        output.append(0x2C)
        output.append(contentsOf: indicator)
        output.append(0x2C)
        output.append(contentsOf: occurredAt)
        output.append(0x2C)
        if amount.isEmpty { output.append(0x31) } else { output.append(contentsOf: amount) }
        output.append(contentsOf: batchSuffix)
        rows += 1
        return true
    }

    /// The header's column positions when it names exactly ``columns`` (any order, any case).
    private static func header(_ line: UnsafeRawBufferPointer) -> [Int]? {
        let names = line.split(separator: 0x2C, omittingEmptySubsequences: false).map { field in
            String(decoding: field, as: UTF8.self).trimmingSpaces().lowercased()
        }
        guard names.count == columns.count, Set(names).count == names.count else { return nil }
        let positions = columns.compactMap { names.firstIndex(of: $0) }
        return positions.count == columns.count ? positions : nil
    }

    /// `-?digits(.digits)?`.
    private static func isDecimal(_ field: UnsafeRawBufferPointer) -> Bool {
        var index = field.first == 0x2D ? 1 : 0
        var integerDigits = 0
        while index < field.count, field[index] >= 0x30, field[index] <= 0x39 { index += 1; integerDigits += 1 }
        guard integerDigits > 0 else { return false }
        if index == field.count { return true }
        guard field[index] == 0x2E else { return false }
        index += 1
        var fractionDigits = 0
        while index < field.count, field[index] >= 0x30, field[index] <= 0x39 { index += 1; fractionDigits += 1 }
        return fractionDigits > 0 && index == field.count
    }

    /// `YYYY-MM-DD[T ]HH:MM:SS[.f{1,6}](Z|±HH:MM)`, a real calendar day, offset at most 14 hours.
    private static func isTimestamp(_ field: UnsafeRawBufferPointer) -> Bool {
        guard field.count >= 20 else { return false }
        func number(_ at: Int, _ count: Int) -> Int? {
            var value = 0
            for index in at..<(at + count) {
                let byte = field[index]
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard let year = number(0, 4), field[4] == 0x2D, let month = number(5, 2), field[7] == 0x2D, let day = number(8, 2),
              field[10] == 0x54 || field[10] == 0x20,
              let hour = number(11, 2), field[13] == 0x3A, let minute = number(14, 2), field[16] == 0x3A, let second = number(17, 2),
              year >= 1, let calendarMonth = Month(year: year, month: month), (1...calendarMonth.dayCount).contains(day),
              hour < 24, minute < 60, second < 60 else { return false }
        var index = 19
        if field[index] == 0x2E {
            index += 1
            let digitsStart = index
            while index < field.count, field[index] >= 0x30, field[index] <= 0x39 { index += 1 }
            guard (1...6).contains(index - digitsStart) else { return false }
        }
        guard index < field.count else { return false }
        if field[index] == 0x5A { return index + 1 == field.count }
        guard field[index] == 0x2B || field[index] == 0x2D, field.count - index == 6, field[index + 3] == 0x3A,
              let offsetHours = number(index + 1, 2), let offsetMinutes = number(index + 4, 2) else { return false }
        return offsetHours <= 14 && offsetMinutes < 60
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while scalars.first == " " { scalars = scalars.dropFirst() }
        while scalars.last == " " { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
