/// An exact decimal number, as PostgreSQL's `numeric` holds it: never passed through `Double`.
///
/// Kept as its canonical decimal text (`-0.000001`, `123456789012345678901234567890.123456789`),
/// plus `NaN` and the infinities that `numeric` allows since PostgreSQL 14.
public struct Numeric: Sendable, Hashable, Comparable, LosslessStringConvertible, ExpressibleByIntegerLiteral {
    enum Storage: Sendable, Hashable {
        /// Digits without sign or point; `scale` of them are after the point.
        case finite(negative: Bool, digits: String, scale: Int)
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
        self.init(negative: negative, integer: integer, fraction: fraction)
    }

    init(negative: Bool, integer: [UInt8], fraction: [UInt8]) {
        var integer = integer[...]
        while integer.count > 1, integer.first == UInt8(ascii: "0") { integer = integer.dropFirst() }
        if integer.isEmpty { integer = [UInt8(ascii: "0")] }
        let digits = String(decoding: integer + fraction, as: UTF8.self)
        let isZero = !digits.utf8.contains { $0 != UInt8(ascii: "0") }
        storage = .finite(negative: negative && !isZero, digits: digits, scale: fraction.count)
    }

    public init(_ value: Int64) {
        let magnitude = String(value.magnitude)
        storage = .finite(negative: value < 0, digits: magnitude, scale: 0)
    }

    public init(_ value: Int) { self.init(Int64(value)) }
    public init(integerLiteral value: Int64) { self.init(value) }

    public var isNaN: Bool { storage == .nan }
    public var isFinite: Bool { if case .finite = storage { true } else { false } }
    public var isNegative: Bool {
        switch storage {
        case .finite(let negative, _, _): negative
        case .negativeInfinity: true
        default: false
        }
    }
    /// Digits after the decimal point, as written (`1.50` has scale 2).
    public var scale: Int { if case .finite(_, _, let scale) = storage { scale } else { 0 } }

    public var description: String {
        switch storage {
        case .nan: return "NaN"
        case .infinity: return "Infinity"
        case .negativeInfinity: return "-Infinity"
        case .finite(let negative, let digits, let scale):
            var text = negative ? "-" : ""
            if scale == 0 { return text + digits }
            let integerCount = digits.utf8.count - scale
            text += digits.prefix(integerCount) + "." + digits.suffix(scale)
            return text
        }
    }

    /// The value without trailing fractional zeros (`1.50` → `1.5`, `2.00` → `2`).
    public var normalized: Numeric {
        guard case .finite(let negative, let digits, var scale) = storage else { return self }
        var bytes = Array(digits.utf8)
        while scale > 0, bytes.last == UInt8(ascii: "0") { bytes.removeLast(); scale -= 1 }
        let integer = Array(bytes.prefix(bytes.count - scale))
        return Numeric(negative: negative, integer: integer, fraction: Array(bytes.suffix(scale)))
    }

    /// The value as an integer when it has no fractional part and fits.
    public var int64Value: Int64? {
        guard case .finite(let negative, let digits, let scale) = normalized.storage, scale == 0 else { return nil }
        guard let magnitude = UInt64(digits) else { return nil }
        if negative { return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// An approximation, for display or charts only.
    public var doubleValue: Double {
        switch storage {
        case .nan: .nan
        case .infinity: .infinity
        case .negativeInfinity: -.infinity
        case .finite: Double(description) ?? .nan
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
        guard case .finite(let ln, let ld, let ls) = lhs.storage,
              case .finite(let rn, let rd, let rs) = rhs.storage else { return rank(lhs) < rank(rhs) }
        if ln != rn { return ln }
        let magnitudeLess = compareMagnitude(ld, ls, rd, rs) < 0
        let magnitudeGreater = compareMagnitude(ld, ls, rd, rs) > 0
        return ln ? magnitudeGreater : magnitudeLess
    }

    private static func compareMagnitude(_ a: String, _ aScale: Int, _ b: String, _ bScale: Int) -> Int {
        let scale = max(aScale, bScale)
        let left = Array(a.utf8) + Array(repeating: UInt8(ascii: "0"), count: scale - aScale)
        let right = Array(b.utf8) + Array(repeating: UInt8(ascii: "0"), count: scale - bScale)
        let l = left.drop { $0 == UInt8(ascii: "0") }, r = right.drop { $0 == UInt8(ascii: "0") }
        if l.count != r.count { return l.count < r.count ? -1 : 1 }
        for (x, y) in zip(l, r) where x != y { return x < y ? -1 : 1 }
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
        guard bytes.count >= 8 + 2 * count else { throw SQLDecodingFailure("numeric value is truncated") }
        func group(_ index: Int) -> Int { index < count ? Int(bytes.readUInt16(at: 8 + 2 * index)) : 0 }
        func appendPadded(_ value: Int, to out: inout [UInt8]) {
            var divisor = 1000
            while divisor > 0 { out.append(UInt8(ascii: "0") + UInt8(value / divisor % 10)); divisor /= 10 }
        }
        var integer = [UInt8]()
        if weight >= 0 {
            for index in 0...weight { appendPadded(group(index), to: &integer) }
        }
        var fraction = [UInt8]()
        var index = weight + 1
        while fraction.count < dscale {
            if index < 0 { fraction += [48, 48, 48, 48] } else { appendPadded(group(index), to: &fraction) }
            index += 1
        }
        if fraction.count > dscale { fraction.removeLast(fraction.count - dscale) }
        self.init(negative: sign == Self.signNegative, integer: integer, fraction: fraction)
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
        guard case .finite(let negative, let digits, let scale) = storage else { return }
        let bytes = Array(digits.utf8).map { Int($0 - UInt8(ascii: "0")) }
        var integer = Array(bytes.prefix(bytes.count - scale))
        var fraction = Array(bytes.suffix(scale))
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
