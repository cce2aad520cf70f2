import Foundation
import PQ
import WardCore

/// Raw incident and receipt records, bulk-inserted with COPY.
public struct FactRepository: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    /// Inserts facts with binary COPY in the caller's transaction (or one of its own), into
    /// `batch` or, without one, into a batch of the transaction's own. The table's trigger
    /// validates them all and refuses the whole statement on one bad row; the worker adds them
    /// to `fact_sums` after the commit (``AggregateRepository/sumFacts(batches:)``).
    @discardableResult
    public func insert(_ facts: [Fact], batch: Int64? = nil) async throws -> Int {
        guard !facts.isEmpty else { return 0 }
        func copy(_ db: Connection) async throws -> Int {
            // Without a batch the column's default gives the facts their transaction's batch.
            let columns = ["area_code", "indicator_code", "occurred_at", "amount"] + (batch == nil ? [] : ["batch_id"])
            return try await db.copy(into: "facts", columns: columns) { writer in
                for fact in facts {
                    var values: [any SQLEncodable] = [fact.areaCode, fact.indicatorCode, Date(timeIntervalSince1970: fact.occurredAt),
                                                      Numeric(fact.amount) ?? Numeric(1)]
                    if let batch { values.append(batch) }
                    try await writer.write(values)
                }
            }
        }
        return try await database.transaction { try await copy($0) }
    }

    public func count(area: String, indicator: String) async throws -> Int {
        try await database.replica.scalar("SELECT count(*) FROM facts WHERE area_code = \(area) AND indicator_code = \(indicator)", as: Int.self) ?? 0
    }
}
