/// A fragment of HTML: text that is safe to put in a page as is. Everything from the data
/// (names, codes, messages) enters through ``HTML/text(_:)`` or an attribute, escaped.
struct HTML: Sendable, ExpressibleByStringLiteral {
    var markup: String

    init(stringLiteral markup: String) { self.markup = markup }
    init(raw markup: String) { self.markup = markup }

    /// Text, escaped for element content and attribute values alike.
    static func text(_ text: String) -> HTML { HTML(raw: escape(text)) }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// An element: `attributes` are escaped, `children` are HTML already.
    static func element(_ tag: String, _ attributes: [(String, String?)] = [], _ children: [HTML] = []) -> HTML {
        var out = "<" + tag
        for (name, value) in attributes {
            guard let value else { continue }
            out += " \(name)=\"\(escape(value))\""
        }
        out += ">"
        for child in children { out += child.markup }
        out += "</\(tag)>"
        return HTML(raw: out)
    }

    /// An element without an end tag (`input`, `link`, `meta`).
    static func void(_ tag: String, _ attributes: [(String, String?)] = []) -> HTML {
        var out = "<" + tag
        for (name, value) in attributes {
            guard let value else { continue }
            out += value.isEmpty && ["selected", "checked", "required", "hidden"].contains(name) ? " \(name)" : " \(name)=\"\(escape(value))\""
        }
        return HTML(raw: out + ">")
    }

    static func + (a: HTML, b: HTML) -> HTML { HTML(raw: a.markup + b.markup) }
}

extension Array where Element == HTML {
    func joined() -> HTML { HTML(raw: map(\.markup).joined()) }
}

/// A query string from parameters (nil values left out), percent-encoded.
func queryString(_ parameters: [(String, String?)]) -> String {
    let pairs = parameters.compactMap { name, value in value.map { "\(name)=\(percentEncoded($0))" } }
    return pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&")
}

func percentEncoded(_ text: String) -> String {
    var out = ""
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: ","):
            out.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
        }
    }
    return out
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
