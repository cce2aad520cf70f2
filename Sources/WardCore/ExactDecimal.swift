/// An exact decimal number: a figure as PostgreSQL's `numeric` holds it, never passed through a
/// binary floating point. Kept as its shortest canonical text (`-0.5`, `1234567`, `12.25`: no
/// leading zeros, no trailing fractional zeros, no `-0`), which is also how JSON and CSV write it.
public struct ExactDecimal: Sendable, Hashable, Comparable, LosslessStringConvertible, ExpressibleByIntegerLiteral {
    /// The canonical text.
    public let text: String

    /// Text that is canonical already (the store's decoder makes it so); not checked.
    public init(canonical text: String) { self.text = text }

    public init(_ value: Int) { text = String(value) }
    public init(integerLiteral value: Int) { self.init(value) }

    /// Parses `-12.340`, `+7`, `.5`, `3.`; no exponent, no spaces. nil for anything else.
    public init?(_ text: String) {
        var integer = [UInt8]()
        var fraction = [UInt8]()
        var negative = false
        var seenPoint = false
        var digits = 0
        for (index, byte) in text.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "-") where index == 0: negative = true
            case UInt8(ascii: "+") where index == 0: break
            case UInt8(ascii: ".") where !seenPoint: seenPoint = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits += 1
                if seenPoint { fraction.append(byte) } else { integer.append(byte) }
            default: return nil
            }
        }
        guard digits > 0 else { return nil }
        while integer.count > 1, integer.first == UInt8(ascii: "0") { integer.removeFirst() }
        while fraction.last == UInt8(ascii: "0") { fraction.removeLast() }
        if integer.isEmpty { integer = [UInt8(ascii: "0")] }
        let isZero = integer == [UInt8(ascii: "0")] && fraction.isEmpty
        var bytes = negative && !isZero ? [UInt8(ascii: "-")] : []
        bytes += integer
        if !fraction.isEmpty { bytes += [UInt8(ascii: ".")] + fraction }
        self.text = String(decoding: bytes, as: UTF8.self)
    }

    public var description: String { text }

    public var isNegative: Bool { text.utf8.first == UInt8(ascii: "-") }
    public var isZero: Bool { text == "0" }
    /// No fractional part.
    public var isWhole: Bool { !text.utf8.contains(UInt8(ascii: ".")) }

    /// An approximation, for drawing and formatting only.
    public var doubleValue: Double { Double(text) ?? .nan }

    /// The integer and fraction digits, without the sign.
    var digits: (integer: Substring.UTF8View, fraction: Substring.UTF8View) {
        let body = isNegative ? text.dropFirst() : Substring(text)
        guard let point = body.firstIndex(of: ".") else { return (body.utf8, Substring().utf8) }
        return (body[..<point].utf8, body[body.index(after: point)...].utf8)
    }

    public static func < (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool {
        if lhs.isNegative != rhs.isNegative { return lhs.isNegative }
        let order = compareMagnitude(lhs.digits, rhs.digits)
        return lhs.isNegative ? order > 0 : order < 0
    }

    private static func compareMagnitude(_ a: (integer: Substring.UTF8View, fraction: Substring.UTF8View),
                                         _ b: (integer: Substring.UTF8View, fraction: Substring.UTF8View)) -> Int {
        if a.integer.count != b.integer.count { return a.integer.count < b.integer.count ? -1 : 1 }
        for (x, y) in zip(a.integer, b.integer) where x != y { return x < y ? -1 : 1 }
        var left = a.fraction.makeIterator(), right = b.fraction.makeIterator()
        while true {
            let x = left.next(), y = right.next()
            if x == nil && y == nil { return 0 }
            let l = x ?? UInt8(ascii: "0"), r = y ?? UInt8(ascii: "0")
            if l != r { return l < r ? -1 : 1 }
        }
    }
}
