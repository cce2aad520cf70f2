import Foundation
import PQ
import Testing

@Suite struct DecodingTests {
    @Test func integersAtTheirLimits() async throws {
        try await TestDatabase.withConnection { db in
            let row = try #require(try await db.query(
                "SELECT \(Int64.max)::int8, \(Int64.min)::int8, 2147483647::int4, (-32768)::int2, NULL::int8"
            ).first)
            #expect(try row.decode(0, as: Int64.self) == .max)
            #expect(try row.decode(1, as: Int64.self) == .min)
            #expect(try row.decode(2, as: Int32.self) == .max)
            #expect(try row.decode(3, as: Int16.self) == .min)
            #expect(try row.decode(4, as: Int64?.self) == nil)
            #expect(throws: PQError.self) { try row.decode(4, as: Int64.self) }
        }
    }

    @Test func numericNormalizedCutsOnlyTrailingFractionZeros() {
        let cases = ["1.500": "1.5", "2.00": "2", "10": "10", "100.0": "100", "-0.50": "-0.5", "0.000": "0", "1200": "1200", "0.0010": "0.001"]
        for (text, expected) in cases {
            #expect(Numeric(text)?.normalized.description == expected, "\(text)")
        }
        #expect(Numeric.nan.normalized.isNaN)
    }

    @Test func numericIsExact() async throws {
        try await TestDatabase.withConnection { db in
            let values = ["123456789012345678901234567890.123456789", "-0.000001", "0", "10000", "0.0001", "-99999999.00", "1e-20",
                          "-0.00", "0.000", "0.10", "1234.5678", "99990000", "-1", "1e20", "12345678.9", "-0.5", "5000.0001",
                          "1000.1", "0.00012345678901234567890", "7.000000000000000000001", "-10000.0000"]
            for text in values {
                let row = try #require(try await db.query("SELECT \(unsafeSQL: "'\(text)'")::numeric, \(unsafeSQL: "'\(text)'")::numeric::text").first)
                let decoded = try row.decode(0, as: Numeric.self)
                #expect(decoded.description == (try row.decode(1, as: String.self)), "numeric \(text)")
                // And back: bound as a parameter it compares equal on the server.
                let same = try await db.scalar("SELECT \(decoded)::numeric = \(unsafeSQL: "'\(text)'")::numeric", as: Bool.self)
                #expect(same == true)
            }
            let nan = try #require(try await db.query("SELECT 'NaN'::numeric, 'Infinity'::numeric, NULL::numeric").first)
            #expect(try nan.decode(0, as: Numeric.self).isNaN)
            #expect(try nan.decode(1, as: Numeric.self) == .infinity)
            #expect(try nan.decode(2, as: Numeric?.self) == nil)
        }
    }

    @Test func numericBinaryEncodingThroughCopy() async throws {
        try await TestDatabase.withConnection { db in
            try await db.execute(unsafeSQL: "CREATE TABLE n (v numeric)")
            let values = ["123456789012345678901234567890.123456789", "-0.000001", "0", "10000", "0.0001", "-99999999.00", "NaN"]
            try await db.copy(into: "n", columns: ["v"], format: .binary) { writer in
                for text in values { try await writer.write([Numeric(text)]) }
            }
            let stored = try await db.query("SELECT v::text FROM n").map { try $0.decode(0, as: String.self) }
            #expect(stored == values)
        }
    }

    @Test func floatsBoolsDatesUUIDsBytes() async throws {
        try await TestDatabase.withConnection { db in
            let id = UUID()
            let bytes = Bytea([0, 1, 2, 255, 0x5C])
            let row = try #require(try await db.query("""
                SELECT 1.5::float8, 'NaN'::float8, 0.25::float4, true, DATE '2024-02-29', DATE '1999-12-31',
                       \(id)::uuid, \(bytes)::bytea, TIMESTAMPTZ '2023-11-30T23:30:00+07:00', \(SQLDate(year: 2025, month: 7, day: 1))::date
                """).first)
            #expect(try row.decode(0, as: Double.self) == 1.5)
            #expect(try row.decode(1, as: Double.self).isNaN)
            #expect(try row.decode(2, as: Float.self) == 0.25)
            #expect(try row.decode(3, as: Bool.self))
            #expect(try row.decode(4, as: SQLDate.self) == SQLDate(year: 2024, month: 2, day: 29))
            #expect(try row.decode(5, as: SQLDate.self) == SQLDate(year: 1999, month: 12, day: 31))
            #expect(try row.decode(6, as: UUID.self) == id)
            #expect(try row.decode(7, as: Bytea.self) == bytes)
            #expect(try row.decode(8, as: Date.self) == Date(timeIntervalSince1970: 1_701_361_800))
            #expect(try row.decode(9, as: SQLDate.self).description == "2025-07-01")
        }
    }

    @Test func infiniteTimestampsAreExplicit() async throws {
        try await TestDatabase.withConnection { db in
            let row = try #require(try await db.query("SELECT 'infinity'::timestamptz, '-infinity'::timestamptz").first)
            #expect(try row.decode(0, as: SQLTimestamp.self) == .infinity)
            #expect(try row.decode(1, as: SQLTimestamp.self) == .negativeInfinity)
            let error = #expect(throws: PQError.self) { try row.decode(0, as: Date.self) }
            #expect(error?.message.contains("infinity") == true)
        }
    }

    @Test func jsonAndArrays() async throws {
        struct Payload: Codable, Sendable, Equatable { var ward: String; var count: Int }
        try await TestDatabase.withConnection { db in
            let row = try #require(try await db.query("""
                SELECT '{"ward":"Mỹ Long","count":3}'::jsonb, '[1,2]'::json, \([Int64(1), .max, .min])::int8[],
                       \(["Mỹ Bình", "a\"b", "c,d"])::text[], ARRAY[]::text[], ARRAY[1, NULL]::int8[]
                """).first)
            #expect(try row.decode(0, as: JSONValue<Payload>.self).value == Payload(ward: "Mỹ Long", count: 3))
            #expect(try row.decode(1, as: String.self) == "[1,2]")
            #expect(try row.decode(2, as: [Int64].self) == [1, .max, .min])
            #expect(try row.decode(3, as: [String].self) == ["Mỹ Bình", "a\"b", "c,d"])
            #expect(try row.decode(4, as: [String].self) == [])
            #expect(try row.decode(5, as: [Int64?].self) == [1, nil])
        }
    }

    @Test func decodeErrorNamesColumnTypeAndSwiftType() async throws {
        try await TestDatabase.withConnection { db in
            let row = try #require(try await db.query("SELECT 'x'::text AS ward_name").first)
            let error = #expect(throws: PQError.self) { try row.decode(0, as: Int64.self) }
            #expect(error?.code == .decoding)
            #expect(error?.message.contains("ward_name") == true)
            #expect(error?.message.contains("text") == true)
            #expect(error?.message.contains("Int64") == true)
            let (name) = try row.decode((String).self)
            #expect(name == "x")
        }
    }
}
