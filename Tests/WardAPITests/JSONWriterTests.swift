import Foundation
import WardCore
import Testing
@testable import WardAPI
@_spi(Testing) import WardStore

/// The feeds' JSON writer: what it writes parses back to the same values, whatever the text.
@Suite struct JSONWriterTests {
    @Test func stringsNumbersAndRowsParseBackToTheSameValues() throws {
        let texts = ["Phường Mỹ Long", "say \"hi\"", "back\\slash", "line\nbreak\ttab\r", "bell\u{07}\u{1F}", "", "/ and ' and <"]
        let layout = JSONObjectLayout(["text", "number", "integer", "flag", "missing", "quote\"key"])
        // A small first capacity: every row makes the buffer grow.
        var json = JSONWriter(capacity: 8)
        json.beginObject()
        json.key("rows")
        json.beginArray()
        for (index, text) in texts.enumerated() {
            json.object(layout, row: Row(text: text, index: index))
        }
        json.endArray()
        json.key("total"); json.number(ExactDecimal("-0.250"))
        json.key("none"); json.number(nil)
        json.endObject()

        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.bytes)) as? [String: Any])
        let rows = try #require(parsed["rows"] as? [[String: Any]])
        #expect(rows.count == texts.count)
        for (index, row) in rows.enumerated() {
            #expect(row["text"] as? String == texts[index])
            #expect((row["number"] as? NSNumber)?.doubleValue == 12.5)
            #expect((row["integer"] as? NSNumber)?.intValue == -index)
            #expect((row["flag"] as? Bool) == (index % 2 == 0))
            #expect(row["missing"] is NSNull && row["quote\"key"] is NSNull, "nulls are written, never left out")
        }
        #expect((parsed["total"] as? NSNumber)?.doubleValue == -0.25)
        #expect(parsed["none"] is NSNull)
        // Numbers are written digit for digit, trailing zeros of the fraction cut.
        #expect(String(decoding: json.bytes, as: UTF8.self).contains("\"number\":12.5,"))
    }
}

/// A row with one value of each kind, two of them null.
private struct Row: FeedRow {
    var text: String
    var index: Int

    func visitCells<Visitor: FeedCellVisitor>(_ visitor: inout Visitor) {
        visitor.text(text); visitor.number(ExactDecimal("12.500")); visitor.integer(-index); visitor.bool(index % 2 == 0)
        visitor.number(nil); visitor.text(nil)
    }
}
