import Crypto
import Foundation
import Logging
import PQ
import WardCore

/// The fast lane for facts files: the CSV goes, checked line by line in bytes and normalised by
/// ``FactsCSVScanner``, straight into `facts` with `COPY … (FORMAT csv)`, in one transaction
/// with its `fact_batches` row. The table's statement trigger checks every rule of DATA.md once
/// for the whole file; the worker adds the batch to `fact_sums` after the commit.
///
/// When the file is unusual (the scanner declines it) or breaks a rule (the server refuses the
/// COPY), the transaction is rolled back and the careful path (staging table, per-line checks)
/// runs instead: it accepts what the fast lane merely found unusual and names every bad line of
/// the rest. A good file is read once; a bad one twice.
extension Importer {
    /// Why the fast lane stopped without deciding anything.
    struct FastLaneDeclined: Error {
        var line: Int?
    }

    /// The file's SHA-256 matched a batch imported before (the transaction is rolled back).
    struct FactsImportedBefore: Error {
        var batch: Int64
    }

    /// Imports a facts file through the fast lane; `nil` when the careful path must take it.
    func loadFactsFast(name: String, totalBytes: Int, progress: @Sendable (Progress) -> Void,
                       nextChunk: () throws -> Data?) async throws -> FileResult? {
        do {
            return try await database.transaction { db -> FileResult in
                try await db.query("SELECT set_config('wardboard.actor', \(author), true), set_config('wardboard.override_reason', \(overrideReason ?? ""), true)")
                // The batch's digest is known at the end; a placeholder keeps the row unique until then.
                guard let batch = try await db.scalar(
                    "INSERT INTO fact_batches (sha256, source, rows) VALUES ('pending ' || txid_current(), \(name), 0) RETURNING id",
                    as: Int64.self) else { throw PQError(.protocolViolation, "INSERT … RETURNING id returned no row") }
                var scanner = FactsCSVScanner(batch: batch)
                var hasher = SHA256()
                var bytesRead = 0
                var encoded = [UInt8]()
                let inserted = try await db.copy(into: "facts", columns: ImportFile.facts.columnNames + ["batch_id"], format: .csv) { writer in
                    while let chunk = try nextChunk(), !chunk.isEmpty {
                        bytesRead += chunk.count
                        hasher.update(data: chunk)
                        encoded.removeAll(keepingCapacity: true)
                        let before = scanner.rows
                        guard chunk.withUnsafeBytes({ scanner.feed($0, into: &encoded) }) else {
                            throw FastLaneDeclined(line: scanner.rejectedLine)
                        }
                        try await writer.write(encoded: encoded, rows: scanner.rows - before)
                        progress(Progress(file: name, rows: scanner.rows, bytesRead: bytesRead, totalBytes: totalBytes, finished: false))
                    }
                    encoded.removeAll(keepingCapacity: true)
                    let before = scanner.rows
                    guard scanner.finish(into: &encoded) else { throw FastLaneDeclined(line: scanner.rejectedLine) }
                    try await writer.write(encoded: encoded, rows: scanner.rows - before)
                }
                let digest = Checksum.hex(hasher.finalize())
                if let earlier = try await db.scalar("SELECT id FROM fact_batches WHERE sha256 = \(digest)", as: Int64.self) {
                    throw FactsImportedBefore(batch: earlier)
                }
                try await db.execute("UPDATE fact_batches SET sha256 = \(digest), rows = \(scanner.rows) WHERE id = \(batch)")
                return FileResult(file: name, kind: .facts, rows: scanner.rows, changed: inserted, skipped: nil, seconds: 0)
            }
        } catch let declined as FastLaneDeclined {
            logger.info("facts file takes the careful path", metadata: ["ward.file": "\(name)", "ward.line": "\(declined.line.map(String.init) ?? "-")"])
            return nil
        } catch let earlier as FactsImportedBefore {
            return FileResult(file: name, kind: .facts, rows: 0, changed: 0,
                              skipped: "this file was imported before (batch \(earlier.batch)); facts have no identity, so it is not added twice", seconds: 0)
        } catch let error as StoreError where error.code == .invalidInput || error.code == .conflict {
            // The server refused a row: the careful path says which line and why.
            logger.info("facts file refused by the database, checking it line by line", metadata: ["ward.file": "\(name)", "ward.sqlstate": "\(error.sqlState ?? "-")"])
            return nil
        }
    }
}
