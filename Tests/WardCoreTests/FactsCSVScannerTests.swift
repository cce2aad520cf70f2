import Testing
import WardCore

@Suite struct FactsCSVScannerTests {
    /// Feeds `text` in chunks of `size` bytes; the normalised output, or the line declined.
    func scan(_ text: String, chunk size: Int = 1 << 20) -> (output: String, rows: Int, declined: Int?) {
        var scanner = FactsCSVScanner(batch: 7)
        var output = [UInt8]()
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count {
            let end = min(start + size, bytes.count)
            let accepted = bytes[start..<end].withUnsafeBytes { scanner.feed($0, into: &output) }
            if !accepted { return ("", scanner.rows, scanner.rejectedLine) }
            start = end
        }
        if !scanner.finish(into: &output) { return ("", scanner.rows, scanner.rejectedLine) }
        return (String(decoding: output, as: UTF8.self), scanner.rows, nil)
    }

    @Test func normalisesColumnOrderEmptyAmountsAndLineEndsWhateverTheChunks() {
        let text = "Occurred_At,amount,area_code,indicator_code\r\n2023-11-30T23:30:00+07:00,,my-long,thefts\r\n2023-11-30 16:30:00.25Z,-12.50,my-hoa,budget_revenue"
        let expected = "my-long,thefts,2023-11-30T23:30:00+07:00,1,7\nmy-hoa,budget_revenue,2023-11-30 16:30:00.25Z,-12.50,7\n"
        for size in [1, 2, 3, 7, 64, 1 << 20] {
            let result = scan(text, chunk: size)
            #expect(result.output == expected, "chunks of \(size)")
            #expect(result.rows == 2 && result.declined == nil)
        }
    }

    @Test func declinesWhatOnlyTheCarefulPathMayJudge() {
        let header = "area_code,indicator_code,occurred_at,amount\n"
        let cases: [(String, Int)] = [
            ("\"my-long\",thefts,2023-11-30T23:30:00+07:00,1\n", 2),       // quoting
            ("my-long, thefts,2023-11-30T23:30:00+07:00,1\n", 2),          // a space
            ("My-long,thefts,2023-11-30T23:30:00+07:00,1\n", 2),           // not a code
            ("mỹ-long,thefts,2023-11-30T23:30:00+07:00,1\n", 2),           // not ASCII
            ("my-long,thefts,2023-02-29T10:00:00+07:00,1\n", 2),           // no such day
            ("my-long,thefts,2024-02-29T10:00:00+07:00,1\nmy-long,thefts,2023-11-30T23:30:00,1\n", 3), // no offset
            ("my-long,thefts,2023-11-30T23:30:00.1234567Z,1\n", 2),         // finer than microseconds
            ("my-long,thefts,2023-11-30T23:30:00+07:00,1e3\n", 2),         // exponent
            ("my-long,thefts,2023-11-30T23:30:00+07:00\n", 2),             // a field missing
            ("my-long,thefts,2023-11-30T23:30:00+07:00,1,2\n", 2),         // a field too many
            ("\n", 2),                                                     // a blank line
        ]
        for (rows, line) in cases {
            #expect(scan(header + rows).declined == line, "\(rows)")
        }
        #expect(scan("\u{FEFF}" + header).declined == 1, "a byte-order mark")
        #expect(scan("area_code,indicator_code,occurred_at\n").declined == 1, "a column missing")
        #expect(scan("").declined == 1, "no header at all")
        #expect(scan(header).output == "" && scan(header).declined == nil, "a header alone is an empty file of facts")
    }
}
