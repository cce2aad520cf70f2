/// An exact decimal number, as PostgreSQL's `numeric` holds it: never passed through `Double`.
///
/// Kept as its canonical decimal text (`-0.000001`, `123456789012345678901234567890.123456789`),
/// plus `NaN` and the infinities that `numeric` allows since PostgreSQL 14.
public struct Numeric: Sendable, Hashable, Comparable, LosslessStringConvertible, ExpressibleByIntegerLiteral {
    enum Storage: Sendable, Hashable {
        /// Canonical decimal text: optional `-`, at least one integer digit, optional `.` and digits.
        case finite(String)
        case nan
        case infinity
        case negativeInfinity
    }

    let storage: Storage

    public static let nan = Numeric(storage: .nan)
    public static let infinity = Numeric(storage: .infinity)
    public static let negativeInfinity = Numeric(storage: .negativeInfinity)
    public static let zero = Numeric(0)

    init(storage: Storage) { self.storage = storage }

    /// Parses `-12.340`, `+7`, `.5`, `NaN`, `Infinity`; no exponents, no spaces.
    public init?(_ text: String) {
        switch text.lowercased() {
        case "nan": self = .nan; return
        case "infinity", "+infinity", "inf": self = .infinity; return
        case "-infinity", "-inf": self = .negativeInfinity; return
        default: break
        }
        var utf8 = Substring(text).utf8[...]
        var negative = false
        if let first = utf8.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            utf8 = utf8.dropFirst()
        }
        var integer = [UInt8]()
        var fraction = [UInt8]()
        var seenPoint = false
        for byte in utf8 {
            if byte == UInt8(ascii: ".") {
                if seenPoint { return nil }
                seenPoint = true
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                if seenPoint { fraction.append(byte) } else { integer.append(byte) }
            } else {
                return nil
            }
        }
        if integer.isEmpty && fraction.isEmpty { return nil }
        self.init(negative: negative, integer: integer[...], fraction: fraction[...])
    }

    init(negative: Bool, integer: ArraySlice<UInt8>, fraction: ArraySlice<UInt8>) {
        var integer = integer
        while integer.count > 1, integer.first == UInt8(ascii: "0") { integer = integer.dropFirst() }
        let isZero = !integer.contains { $0 != 48 } && !fraction.contains { $0 != 48 }
        var text = [UInt8]()
        text.reserveCapacity(integer.count + fraction.count + 2)
        if negative && !isZero { text.append(UInt8(ascii: "-")) }
        if integer.isEmpty { text.append(48) } else { text.append(contentsOf: integer) }
        if !fraction.isEmpty {
            text.append(UInt8(ascii: "."))
            text.append(contentsOf: fraction)
        }
        storage = .finite(String(decoding: text, as: UTF8.self))
    }

    public init(_ value: Int64) { storage = .finite(String(value)) }
    public init(_ value: Int) { self.init(Int64(value)) }
    public init(integerLiteral value: Int64) { self.init(value) }

    public var isNaN: Bool { storage == .nan }
    public var isFinite: Bool { if case .finite = storage { true } else { false } }
    public var isNegative: Bool {
        switch storage {
        case .finite(let text): text.utf8.first == UInt8(ascii: "-")
        case .negativeInfinity: true
        default: false
        }
    }

    /// Sign, integer digits and fraction digits of a finite value.
    var parts: (negative: Bool, integer: ArraySlice<UInt8>, fraction: ArraySlice<UInt8>)? {
        guard case .finite(let text) = storage else { return nil }
        let bytes = Array(text.utf8)
        let negative = bytes.first == UInt8(ascii: "-")
        let body = negative ? bytes[1...] : bytes[...]
        guard let point = body.firstIndex(of: UInt8(ascii: ".")) else { return (negative, body, []) }
        return (negative, body[..<point], body[(point + 1)...])
    }

    /// Digits after the decimal point, as written (`1.50` has scale 2).
    public var scale: Int { parts?.fraction.count ?? 0 }

    public var description: String {
        switch storage {
        case .nan: "NaN"
        case .infinity: "Infinity"
        case .negativeInfinity: "-Infinity"
        case .finite(let text): text
        }
    }

    /// The value without trailing fractional zeros (`1.50` → `1.5`, `2.00` → `2`).
    /// The stored text is canonical (no leading zeros, no `-0`), so this only cuts its tail;
    /// a value with nothing to cut is returned as it is, without allocating.
    public var normalized: Numeric {
        guard case .finite(var text) = storage else { return self }
        let end = text.withUTF8 { digits -> Int in
            guard let point = digits.firstIndex(of: UInt8(ascii: ".")) else { return digits.count }
            var end = digits.count
            while end > point + 1, digits[end - 1] == UInt8(ascii: "0") { end -= 1 }
            return end == point + 1 ? point : end
        }
        guard end < text.utf8.count else { return self }
        return Numeric(storage: .finite(String(text[..<text.utf8.index(text.utf8.startIndex, offsetBy: end)])))
    }

    /// The value as an integer when it has no fractional part and fits.
    public var int64Value: Int64? {
        guard case .finite(let text) = normalized.storage, !text.contains(".") else { return nil }
        return Int64(text)
    }

    /// An approximation, for display or charts only.
    public var doubleValue: Double {
        switch storage {
        case .nan: .nan
        case .infinity: .infinity
        case .negativeInfinity: -.infinity
        case .finite(let text): Double(text) ?? .nan
        }
    }

    public static func == (lhs: Numeric, rhs: Numeric) -> Bool {
        lhs.normalized.storage == rhs.normalized.storage
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(normalized.storage) }

    /// PostgreSQL's order: -Infinity < finite values < Infinity < NaN.
    public static func < (lhs: Numeric, rhs: Numeric) -> Bool {
        func rank(_ value: Numeric) -> Int {
            switch value.storage {
            case .negativeInfinity: 0
            case .finite: 1
            case .infinity: 2
            case .nan: 3
            }
        }
        guard let l = lhs.normalized.parts, let r = rhs.normalized.parts else { return rank(lhs) < rank(rhs) }
        if l.negative != r.negative { return l.negative }
        let order = compareMagnitude(l, r)
        return l.negative ? order > 0 : order < 0
    }

    private static func compareMagnitude(
        _ a: (negative: Bool, integer: ArraySlice<UInt8>, fraction: ArraySlice<UInt8>),
        _ b: (negative: Bool, integer: ArraySlice<UInt8>, fraction: ArraySlice<UInt8>)
    ) -> Int {
        if a.integer.count != b.integer.count { return a.integer.count < b.integer.count ? -1 : 1 }
        for (x, y) in zip(a.integer, b.integer) where x != y { return x < y ? -1 : 1 }
        let length = max(a.fraction.count, b.fraction.count)
        for index in 0..<length {
            let x = index < a.fraction.count ? a.fraction[a.fraction.startIndex + index] : 48
            let y = index < b.fraction.count ? b.fraction[b.fraction.startIndex + index] : 48
            if x != y { return x < y ? -1 : 1 }
        }
        return 0
    }
}

// MARK: - PostgreSQL's binary form: base-10000 digit groups

extension Numeric {
    private static let signPositive: UInt16 = 0x0000
    private static let signNegative: UInt16 = 0x4000
    private static let signNaN: UInt16 = 0xC000
    private static let signInfinity: UInt16 = 0xD000
    private static let signNegativeInfinity: UInt16 = 0xF000

    init(binary bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count >= 8 else { throw SQLDecodingFailure("numeric value of \(bytes.count) bytes is too short") }
        let count = Int(bytes.readUInt16(at: 0))
        let weight = Int(Int16(bitPattern: bytes.readUInt16(at: 2)))
        let sign = bytes.readUInt16(at: 4)
        let dscale = Int(bytes.readUInt16(at: 6))
        switch sign {
        case Self.signNaN: self = .nan; return
        case Self.signInfinity: self = .infinity; return
        case Self.signNegativeInfinity: self = .negativeInfinity; return
        case Self.signPositive, Self.signNegative: break
        default: throw SQLDecodingFailure("numeric value has an unknown sign 0x\(String(sign, radix: 16))")
        }
        guard bytes.count >= 8 + 2 * count, dscale <= 0x3FFF else { throw SQLDecodingFailure("numeric value is truncated") }
        // The canonical text is written once into a scratch buffer on the stack (slot 0 kept for
        // the sign); a value of 15 bytes or fewer then becomes a String with no heap allocation.
        let capacity = 2 + 4 * (max(weight, 0) + 1) + 1 + dscale + 4
        self = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { text in
            var end = 1
            var nonzero = false
            @inline(__always) func group(_ index: Int) -> Int { index >= 0 && index < count ? Int(bytes.readUInt16(at: 8 + 2 * index)) : 0 }
            @inline(__always) func put(_ digit: Int) {
                text[end] = 48 &+ UInt8(truncatingIfNeeded: digit)
                end &+= 1
                if digit != 0 { nonzero = true }
            }
            if weight >= 0 {
                // The first group without its leading zeros (at least one digit), then whole groups.
                let first = group(0)
                if first >= 1000 { put(first / 1000) }
                if first >= 100 { put(first / 100 % 10) }
                if first >= 10 { put(first / 10 % 10) }
                put(first % 10)
                var index = 1
                while index <= weight {
                    let value = group(index)
                    put(value / 1000); put(value / 100 % 10); put(value / 10 % 10); put(value % 10)
                    index += 1
                }
            } else {
                put(0)
            }
            if dscale > 0 {
                text[end] = UInt8(ascii: ".")
                end += 1
                var written = 0
                var index = weight + 1
                while written < dscale {
                    let value = group(index)
                    let digits = (value / 1000, value / 100 % 10, value / 10 % 10, value % 10)
                    put(digits.0); written += 1
                    if written < dscale { put(digits.1); written += 1 }
                    if written < dscale { put(digits.2); written += 1 }
                    if written < dscale { put(digits.3); written += 1 }
                    index += 1
                }
            }
            var start = 1
            if sign == Self.signNegative && nonzero {
                text[0] = UInt8(ascii: "-")
                start = 0
            }
            return Numeric(storage: .finite(String(decoding: UnsafeBufferPointer(rebasing: text[start..<end]), as: UTF8.self)))
        }
    }

    public func encodeBinary(into buffer: inout [UInt8]) {
        func put(_ value: UInt16) { buffer.append(UInt8(value >> 8)); buffer.append(UInt8(value & 0xFF)) }
        let special: UInt16?
        switch storage {
        case .nan: special = Self.signNaN
        case .infinity: special = Self.signInfinity
        case .negativeInfinity: special = Self.signNegativeInfinity
        case .finite: special = nil
        }
        if let special { put(0); put(0); put(special); put(0); return }
        guard let (negative, integerText, fractionText) = parts else { return }
        let scale = fractionText.count
        var integer = integerText.map { Int($0 - 48) }
        var fraction = fractionText.map { Int($0 - 48) }
        while integer.count % 4 != 0 { integer.insert(0, at: 0) }
        while fraction.count % 4 != 0 { fraction.append(0) }
        func groups(_ digits: [Int]) -> [Int] {
            stride(from: 0, to: digits.count, by: 4).map { digits[$0] * 1000 + digits[$0 + 1] * 100 + digits[$0 + 2] * 10 + digits[$0 + 3] }
        }
        var all = groups(integer) + groups(fraction)
        var weight = integer.count / 4 - 1
        while let first = all.first, first == 0 { all.removeFirst(); weight -= 1 }
        while let last = all.last, last == 0 { all.removeLast() }
        if all.isEmpty { weight = 0 }
        put(UInt16(all.count))
        put(UInt16(bitPattern: Int16(weight)))
        put(negative ? Self.signNegative : Self.signPositive)
        put(UInt16(scale))
        for group in all { put(UInt16(group)) }
    }
}
