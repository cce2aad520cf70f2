// `make bench-pq`: the Swift side. Prints "<milliseconds> <rows> <checksum>" for one run.
//   pq-bench fetch-stream | fetch-buffered | copy | peak-rss
import Foundation
import Logging
import PQ

@main
struct PQBench {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2, let url = ProcessInfo.processInfo.environment["DATABASE_URL"] else {
            FileHandle.standardError.write(Data("usage: DATABASE_URL=… pq-bench fetch-stream|fetch-buffered|copy\n".utf8))
            exit(2)
        }
        let db = try await Connection.connect(.init(url, applicationName: "pq-bench"))
        // COPY's rows are built before the clock starts: psql's side reads them ready-made from a file.
        let copyRows: [[any SQLEncodable]] = arguments[1] != "copy" ? [] : (1...1_000_000).map { g in
            [Int64(g), Int32(g % 1000), "phường \(g)", Numeric(Int64(g) * 125).scaled(by: 2), SQLDate(daysSinceUnixEpoch: 19_358 + g % 1000)]
        }
        let start = ContinuousClock.now
        var rows = 0
        var checksum = 0
        switch arguments[1] {
        case "fetch-stream":
            for try await row in try await db.stream("SELECT id, ward, label, amount, day FROM bench_rows") {
                checksum &+= try decode(row)
                rows += 1
            }
        case "fetch-buffered":
            for row in try await db.query("SELECT id, ward, label, amount, day FROM bench_rows") {
                checksum &+= try decode(row)
                rows += 1
            }
        case "copy":
            try await db.execute(unsafeSQL: "TRUNCATE bench_copy")
            rows = try await db.copy(into: "bench_copy", columns: ["id", "ward", "label", "amount", "day"], format: .binary) { writer in
                for row in copyRows { try await writer.write(row) }
            }
        case "exercise":
            // Every kind of PQ work once, for the leak checker (make leaks).
            try await db.execute(unsafeSQL: "DROP TABLE IF EXISTS leak_t; CREATE TABLE leak_t (id int8 PRIMARY KEY, label text, amount numeric)")
            rows = try await db.copy(into: "leak_t", columns: ["id", "label", "amount"]) { writer in
                for g in 1...10_000 { try await writer.write([Int64(g), "phường \(g)", Numeric(Int64(g))]) }
            }
            for try await row in try await db.stream("SELECT id, label, amount FROM leak_t") { checksum &+= Int(try row.decode(0, as: Int64.self)) }
            var seen = 0
            for try await _ in try await db.stream("SELECT id FROM leak_t") { seen += 1; if seen == 5 { break } }
            for row in try await db.query("SELECT id, label, amount, now(), ARRAY[1,2]::int8[] FROM leak_t WHERE id < \(Int64(100))") {
                _ = try row.decode((Int64, String, Numeric, Date, [Int64]).self)
            }
            _ = try? await db.query("INSERT INTO leak_t VALUES (\(Int64(1)), 'dup', 1)")
            _ = try? await db.query("SELEC 1")
            _ = try? await db.withTransaction { tx in try await tx.execute("DELETE FROM leak_t"); throw CancellationError() }
            let pool = ConnectionPool(configuration: .init(maxConnections: 4), connection: .init(url))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<50 { group.addTask { _ = try await pool.scalar("SELECT \(Int64(index))", as: Int.self) } }
                try await group.waitForAll()
            }
            await pool.close()
            try await db.execute(unsafeSQL: "DROP TABLE leak_t")
        case "noop":
            rows = try await db.scalar("SELECT 1", as: Int.self) ?? 0
        case "stream-count":
            for try await _ in try await db.stream("SELECT id, ward, label, amount, day FROM bench_rows") { rows += 1 }
        default:
            exit(2)
        }
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        print(String(format: "%.1f %d %d %d", ms, rows, checksum, peakResidentKiB()))
    }

    static func decode(_ row: Row) throws -> Int {
        let (id, ward, label, amount, day) = try row.decode((Int64, Int32, String, Numeric, SQLDate).self)
        return Int(id) &+ Int(ward) &+ label.utf8.count &+ amount.description.utf8.count &+ day.year &+ day.month &+ day.day
    }

    /// VmHWM: the peak resident set of this process, in KiB.
    static func peakResidentKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
        }
        return -1
    }
}

extension Numeric {
    /// `self / 10^places`, exactly, by moving the decimal point.
    func scaled(by places: Int) -> Numeric {
        var digits = description
        let negative = digits.hasPrefix("-")
        if negative { digits.removeFirst() }
        while digits.count <= places { digits = "0" + digits }
        let point = digits.index(digits.endIndex, offsetBy: -places)
        return Numeric((negative ? "-" : "") + digits[..<point] + "." + digits[point...]) ?? self
    }
}
