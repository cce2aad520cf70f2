import Foundation
import PQ
import WardCore

/// The worker's side of the database: summing facts, claiming stale keys, recomputing,
/// rebuilding, run records. The steps and their locks are SQL functions (sql/functions/queue.sql,
/// fact_folding.sql, rebuild.sql); each call here is one transaction, so a reader never sees half
/// of a batch and a killed worker's keys return to the queue.
public struct AggregateRepository: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    public struct BatchResult: Sendable, Equatable {
        public var keys: Int
        public var rows: Int
    }

    /// Adds the facts of up to `batches` fact batches not yet summed to `fact_sums` and queues
    /// their keys, in one transaction; returns the number of facts summed (0: none waiting).
    public func sumFacts(batches: Int) async throws -> Int {
        try await database.transaction { db in
            try await db.scalar("SELECT wb_fold_fact_batches(\(Int32(clamping: batches)))", as: Int.self) ?? 0
        }
    }

    /// Claims up to `limit` stale keys and recomputes what depends on them, in one transaction.
    public func processBatch(limit: Int) async throws -> BatchResult {
        try await database.transaction { db in
            guard let row = try await db.query("SELECT keys, rows FROM wb_process_queue(\(Int32(clamping: limit)))").first else {
                return BatchResult(keys: 0, rows: 0)
            }
            let (keys, rows) = try row.decode((Int, Int).self)
            return BatchResult(keys: keys, rows: rows)
        }
    }

    /// Recomputes everything from `from` (all months when nil) in one transaction; returns rows.
    public func rebuild(from: Month?) async throws -> Int {
        try await database.transaction { db in
            try await db.scalar("SELECT wb_rebuild(\(from?.sqlDate)::date)", as: Int.self) ?? 0
        }
    }

    /// Clears the queue of the keys a full rebuild deleted (an import queues every key it writes,
    /// 800,000 at 1,000 wards): until autovacuum reached them, the next batches' claims read past
    /// every dead row (46 ms for the first edit after a rebuild, 17 ms for the next).
    public func vacuumQueue() async throws {
        try await database.primary.execute("VACUUM aggregate_queue")
    }

    /// Counts every area's review for the months that began since the last pass (a new month
    /// starts with everyone pending, without anyone writing); returns the rows written, 0 most
    /// of the time.
    public func extendReview() async throws -> Int {
        try await database.transaction { db in
            try await db.scalar("SELECT wb_extend_review()", as: Int.self) ?? 0
        }
    }

    /// Whether a full rebuild is due: areas, successions, indicators or settings changed in a way
    /// the aggregates read since the last one, or a migration asked for one. Requests for changes
    /// the aggregates do not read (a renamed area) are dropped here (`wb_rebuild_needed`).
    public func rebuildRequested() async throws -> Bool {
        try await database.primary.scalar("SELECT wb_rebuild_needed()", as: Bool.self) ?? false
    }

    /// Whether a full rebuild finished successfully since `instant`.
    public func rebuiltSince(_ instant: Date) async throws -> Bool {
        try await database.primary.scalar(
            "SELECT EXISTS (SELECT 1 FROM aggregate_runs WHERE kind = 'full' AND status = 'ok' AND started_at >= \(instant))", as: Bool.self) ?? false
    }

    // MARK: - Runs

    public func startRun(kind: String, worker: String) async throws -> Int {
        try await database.primary.scalar("INSERT INTO aggregate_runs (kind, worker) VALUES (\(kind), \(worker)) RETURNING id", as: Int.self) ?? 0
    }

    public func finishRun(_ id: Int, keys: Int, rows: Int, error: String?) async throws {
        try await database.primary.execute("""
            UPDATE aggregate_runs SET finished_at = clock_timestamp(), keys = \(keys), rows = \(rows),
              status = CASE WHEN \(error)::text IS NULL THEN 'ok' ELSE 'failed' END, error = \(error)
            WHERE id = \(id)
            """)
    }

    // MARK: - Status

    public struct Status: Sendable, Codable, Equatable {
        public var queueDepth: Int
        /// Fact batches loaded but not yet summed into `fact_sums` (their keys are not queued yet).
        public var factBatchesWaiting: Int = 0
        public var oldestQueuedAt: Date?
        public var rebuildRequested: Bool
        public var lastRunAt: Date?
        public var lastRunStatus: String?
        public var lastRunKind: String?
        public var lastFullRebuildAt: Date?
        public var dataUpdatedAt: Date?
        public var aggregatesComputedAt: Date?
        /// The read replica's lag; absent without one (`DATABASE_READ_URL`).
        public var replica: ReplicaStatus?
    }

    /// When the worker last finished a run, as local time with its offset (what the pages show).
    public func figuresComputedAt() async throws -> String? {
        try await database.replica.scalar("""
            SELECT wb_local_time(finished_at) FROM aggregate_runs WHERE status = 'ok' AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1
            """, as: String?.self) ?? nil
    }

    /// The worker's state as the primary knows it, and the replica's lag behind it.
    public func status() async throws -> Status {
        let rows = try await database.primary.query("""
            SELECT (SELECT count(*) FROM aggregate_queue),
                   (SELECT min(enqueued_at) FROM aggregate_queue),
                   EXISTS (SELECT 1 FROM aggregate_rebuild_requests),
                   r.finished_at, r.status, r.kind,
                   (SELECT max(finished_at) FROM aggregate_runs WHERE kind = 'full' AND status = 'ok'),
                   (SELECT max(updated_at) FROM observations),
                   (SELECT max(computed_at) FROM aggregates),
                   (SELECT count(*) FROM fact_batches WHERE NOT summed)
            FROM (SELECT 1) one
            LEFT JOIN LATERAL (SELECT finished_at, status, kind FROM aggregate_runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1) r ON true
            """)
        let replica = await database.replicaStatus()
        guard let row = rows.first else { return Status(queueDepth: 0, rebuildRequested: false, replica: replica) }
        let (depth, oldest, requested, lastAt, lastStatus, lastKind, lastFull, updated, computed, waiting) =
            try row.decode((Int, Date?, Bool, Date?, String?, String?, Date?, Date?, Date?, Int).self)
        return Status(queueDepth: depth, factBatchesWaiting: waiting, oldestQueuedAt: oldest, rebuildRequested: requested, lastRunAt: lastAt,
                      lastRunStatus: lastStatus, lastRunKind: lastKind, lastFullRebuildAt: lastFull,
                      dataUpdatedAt: updated, aggregatesComputedAt: computed, replica: replica)
    }
}
