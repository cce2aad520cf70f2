import Foundation
import PQ
import WardCore

/// The worker's side of the database: claiming stale keys, recomputing, rebuilding, run records.
///
/// Concurrency: keys are claimed with `FOR UPDATE SKIP LOCKED` (no two workers take the same
/// key); a batch then takes a transaction-scoped advisory lock per indicator it touches, in code
/// order, because roll-ups of one indicator read every ward's value: two batches of the same
/// indicator run one after the other and the second sees the first's commit. A full rebuild
/// holds the exclusive rebuild lock; batches hold it shared. Each batch is one transaction, so
/// a reader never sees half of it and a killed worker's keys return to the queue.
public struct AggregateRepository: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    static let rebuildLock: Int64 = 0x5741_5244_5245_4255 // "WARDREBU"
    static let indicatorLockSpace: Int32 = 0x5744 // "WD"

    public struct BatchResult: Sendable, Equatable {
        public var keys: Int
        public var rows: Int
    }

    /// Adds the facts of up to `batches` fact batches not yet summed to `fact_sums` and queues
    /// their keys, in one transaction; returns the number of facts summed (0: none waiting).
    /// Loads only check facts; summing them is the worker's, like the aggregates built on them.
    public func sumFacts(batches: Int) async throws -> Int {
        try await database.pool.withTransaction { db in
            try await db.query("SELECT pg_advisory_xact_lock_shared(\(Self.rebuildLock))")
            return try await db.scalar("SELECT wb_fold_fact_batches(\(batches)::int)", as: Int.self) ?? 0
        }
    }

    /// Claims up to `limit` stale keys and recomputes what depends on them, in one transaction.
    public func processBatch(limit: Int, worker: String) async throws -> BatchResult {
        try await database.pool.withTransaction { db in
            try await db.query("SELECT pg_advisory_xact_lock_shared(\(Self.rebuildLock))")
            try await db.execute(unsafeSQL: """
                CREATE TEMP TABLE IF NOT EXISTS wb_dirty (indicator_code text COLLATE "C", area_code text COLLATE "C", month date) ON COMMIT DROP;
                TRUNCATE pg_temp.wb_dirty;
                """)
            // The keys are picked in a WITH query, which PostgreSQL evaluates once. As a subquery of
            // the DELETE it may be run again for each row of a nested loop; each run skips the rows
            // the DELETE has just removed and locks the next ones, so the batch grows past its
            // limit and another worker finds nothing (PostgreSQL bug report #15715; expected
            // behaviour: only WITH guarantees a single evaluation).
            let keys = try await db.execute("""
                WITH picked AS MATERIALIZED (
                  SELECT indicator_code, area_code, month FROM aggregate_queue
                  ORDER BY enqueued_at LIMIT \(limit) FOR UPDATE SKIP LOCKED),
                claimed AS (
                  DELETE FROM aggregate_queue q USING picked c
                  WHERE (q.indicator_code, q.area_code, q.month) = (c.indicator_code, c.area_code, c.month)
                  RETURNING q.indicator_code, q.area_code, q.month)
                INSERT INTO pg_temp.wb_dirty SELECT * FROM claimed
                """)
            guard keys > 0 else { return BatchResult(keys: 0, rows: 0) }
            try await db.query("""
                SELECT pg_advisory_xact_lock(\(Self.indicatorLockSpace), hashtext(code))
                FROM (SELECT DISTINCT d.indicator_code AS code FROM pg_temp.wb_dirty d
                      UNION SELECT r.code FROM indicators r JOIN pg_temp.wb_dirty d
                        ON r.kind = 'ratio' AND d.indicator_code IN (r.numerator_code, r.denominator_code)
                      ORDER BY 1) s
                """)
            let rows = try await db.scalar("SELECT wb_process_dirty()", as: Int.self) ?? 0
            return BatchResult(keys: keys, rows: rows)
        }
    }

    /// Recomputes everything from `from` (all months when nil) in one transaction; returns rows.
    public func rebuild(from: Month?) async throws -> Int {
        try await database.pool.withTransaction { db in
            try await db.query("SELECT pg_advisory_xact_lock(\(Self.rebuildLock))")
            try await db.execute("DELETE FROM aggregate_rebuild_requests")
            try await db.execute("DELETE FROM aggregate_queue WHERE \(from?.sqlDate)::date IS NULL OR month >= \(from?.sqlDate)::date")
            return try await db.scalar("SELECT wb_rebuild(\(from?.sqlDate)::date)", as: Int.self) ?? 0
        }
    }

    /// Whether areas, successions, indicators or settings changed since the last rebuild.
    public func rebuildRequested() async throws -> Bool {
        try await database.pool.scalar("SELECT EXISTS (SELECT 1 FROM aggregate_rebuild_requests)", as: Bool.self) ?? false
    }

    /// Whether a full rebuild finished successfully since `instant`.
    public func rebuiltSince(_ instant: Date) async throws -> Bool {
        try await database.pool.scalar(
            "SELECT EXISTS (SELECT 1 FROM aggregate_runs WHERE kind = 'full' AND status = 'ok' AND started_at >= \(instant))", as: Bool.self) ?? false
    }

    // MARK: - Runs

    public func startRun(kind: String, worker: String) async throws -> Int {
        try await database.pool.scalar("INSERT INTO aggregate_runs (kind, worker) VALUES (\(kind), \(worker)) RETURNING id", as: Int.self) ?? 0
    }

    public func finishRun(_ id: Int, keys: Int, rows: Int, error: String?) async throws {
        try await database.pool.execute("""
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
    }

    public func status() async throws -> Status {
        let rows = try await database.readPool.query("""
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
        guard let row = rows.first else { return Status(queueDepth: 0, rebuildRequested: false) }
        let (depth, oldest, requested, lastAt, lastStatus, lastKind, lastFull, updated, computed, waiting) =
            try row.decode((Int, Date?, Bool, Date?, String?, String?, Date?, Date?, Date?, Int).self)
        return Status(queueDepth: depth, factBatchesWaiting: waiting, oldestQueuedAt: oldest, rebuildRequested: requested, lastRunAt: lastAt,
                      lastRunStatus: lastStatus, lastRunKind: lastKind, lastFullRebuildAt: lastFull,
                      dataUpdatedAt: updated, aggregatesComputedAt: computed)
    }
}
