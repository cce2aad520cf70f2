import Foundation

/// One CSV record and the physical line it starts on (1-based, the header is line 1).
public struct CSVRecord: Sendable, Equatable {
    public let line: Int
    public var fields: [String]
}

/// What makes input not well-formed CSV, with the line where it happens.
public struct CSVSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case notUTF8
        case binary
        case quoteInUnquotedField
        case textAfterClosingQuote
        case unterminatedQuote
    }
    public let line: Int
    public let reason: Reason

    public init(line: Int, reason: Reason) {
        self.line = line
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .notUTF8: "the text is not valid UTF-8 (save the file as UTF-8)"
        case .binary: "contains binary data (a NUL byte): this is not a CSV text file"
        case .quoteInUnquotedField: "broken quoting: a '\"' inside an unquoted field (quote the field and double the quote)"
        case .textAfterClosingQuote: "broken quoting: text after a closing '\"' (expected ',' or the end of the line)"
        case .unterminatedQuote: "broken quoting: a quoted field is never closed"
        }
    }
}

/// An incremental RFC 4180 parser: comma-separated, `"` quoting with `""` escapes, CRLF or LF,
/// a UTF-8 byte-order mark tolerated. Feed it chunks of any size; records come out as they end.
public struct CSVParser: Sendable {
    private enum State: Sendable { case fieldStart, unquoted, quoted, quoteInQuoted }
    private var state = State.fieldStart
    private var field: [UInt8] = []
    private var fields: [String] = []
    private var line = 1
    private var recordLine = 1
    private var sawBOMCheck = false
    private var bomPrefix: [UInt8] = []

    public init() {}

    /// Parses `bytes`, calling `emit` for every complete record.
    public mutating func feed(_ bytes: some Collection<UInt8>, _ emit: (CSVRecord) throws -> Void) throws {
        for byte in bytes {
            if !sawBOMCheck {
                bomPrefix.append(byte)
                if bomPrefix.count < 3 && [0xEF, 0xBB, 0xBF].starts(with: bomPrefix) { continue }
                sawBOMCheck = true
                let pending = bomPrefix == [0xEF, 0xBB, 0xBF] ? [] : bomPrefix
                bomPrefix = []
                for b in pending { try consume(b, emit) }
                continue
            }
            try consume(byte, emit)
        }
    }

    /// Ends the input: emits the last record if it had no trailing newline.
    public mutating func finish(_ emit: (CSVRecord) throws -> Void) throws {
        if !sawBOMCheck {
            sawBOMCheck = true
            let pending = bomPrefix
            bomPrefix = []
            for b in pending { try consume(b, emit) }
        }
        switch state {
        case .quoted: throw CSVSyntaxError(line: recordLine, reason: .unterminatedQuote)
        case .fieldStart where fields.isEmpty: return
        default:
            try endField()
            try endRecord(emit)
        }
    }

    private mutating func consume(_ byte: UInt8, _ emit: (CSVRecord) throws -> Void) throws {
        if byte == 0 { throw CSVSyntaxError(line: line, reason: .binary) }
        switch state {
        case .fieldStart:
            switch byte {
            case 0x22: state = .quoted
            case 0x2C: try endField()
            case 0x0A: try endField(); try endRecord(emit); line += 1
            case 0x0D: break
            default: field.append(byte); state = .unquoted
            }
        case .unquoted:
            switch byte {
            case 0x2C: try endField(); state = .fieldStart
            case 0x0A: try endField(); try endRecord(emit); line += 1; state = .fieldStart
            case 0x0D: break
            case 0x22: throw CSVSyntaxError(line: line, reason: .quoteInUnquotedField)
            default: field.append(byte)
            }
        case .quoted:
            if byte == 0x22 { state = .quoteInQuoted } else {
                if byte == 0x0A { line += 1 }
                field.append(byte)
            }
        case .quoteInQuoted:
            switch byte {
            case 0x22: field.append(0x22); state = .quoted
            case 0x2C: try endField(); state = .fieldStart
            case 0x0A: try endField(); try endRecord(emit); line += 1; state = .fieldStart
            case 0x0D: break
            default: throw CSVSyntaxError(line: line, reason: .textAfterClosingQuote)
            }
        }
    }

    private mutating func endField() throws {
        guard let text = String(validating: field, as: UTF8.self) else { throw CSVSyntaxError(line: line, reason: .notUTF8) }
        fields.append(text)
        field.removeAll(keepingCapacity: true)
    }

    private mutating func endRecord(_ emit: (CSVRecord) throws -> Void) throws {
        let record = CSVRecord(line: recordLine, fields: fields)
        fields.removeAll(keepingCapacity: true)
        recordLine = line + 1
        // A blank line is not a record.
        if record.fields == [""] { return }
        try emit(record)
    }
}

/// Writes CSV with RFC 4180 quoting where needed.
public enum CSVWriter {
    public static func line(_ fields: [String]) -> String {
        fields.map(quote).joined(separator: ",") + "\n"
    }

    public static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
