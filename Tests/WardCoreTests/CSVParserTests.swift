import Testing
import WardCore

@Suite struct CSVParserTests {
    func parse(_ text: [UInt8], chunk: Int = 3) throws -> [CSVRecord] {
        var parser = CSVParser()
        var records = [CSVRecord]()
        var index = 0
        while index < text.count {
            try parser.feed(text[index..<min(index + chunk, text.count)]) { records.append($0) }
            index += chunk
        }
        try parser.finish { records.append($0) }
        return records
    }

    @Test func quotingLinesAndBOM() throws {
        let text = "\u{FEFF}code,name\r\nmy-long,\"Mỹ Long, \"\"trung tâm\"\"\"\r\n\nx,\"two\nlines\"\nlast,row"
        let records = try parse(Array(text.utf8))
        #expect(records.map(\.fields) == [["code", "name"], ["my-long", "Mỹ Long, \"trung tâm\""], ["x", "two\nlines"], ["last", "row"]])
        #expect(records.map(\.line) == [1, 2, 4, 6])
    }

    @Test func brokenInput() {
        #expect(throws: CSVSyntaxError(line: 2, reason: .quoteInUnquotedField)) { try parse(Array("a,b\nx,y\"z\n".utf8)) }
        #expect(throws: CSVSyntaxError(line: 2, reason: .textAfterClosingQuote)) { try parse(Array("a,b\n\"x\"y,z\n".utf8)) }
        #expect(throws: CSVSyntaxError(line: 2, reason: .unterminatedQuote)) { try parse(Array("a,b\n\"x,z\n".utf8)) }
        #expect(throws: CSVSyntaxError(line: 3, reason: .notUTF8)) { try parse(Array("a,b\nx,y\nM\u{1}".utf8) + [0xFF, 0x0A]) }
        #expect(throws: CSVSyntaxError(line: 1, reason: .binary)) { try parse([0x89, 0x50, 0x4E, 0x47, 0x00, 0x01]) }
    }

    @Test func writerQuotesOnlyWhenNeeded() {
        #expect(CSVWriter.line(["a", "b,c", "say \"hi\""]) == "a,\"b,c\",\"say \"\"hi\"\"\"\n")
    }
}
