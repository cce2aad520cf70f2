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

    /// What a full rebuild did.
    public struct RebuildResult: Sendable, Equatable {
        /// Aggregate rows written.
        public var rows: Int
        /// Keys changed while it built, applied to the new tables before the swap.
        public var caughtUp: Int
        /// Connections it built on (no more than there are indicators).
        public var lanes: Int = 1
    }

    /// Recomputes everything from `from` (all months when nil) beside the live tables and swaps
    /// the new tables in (sql/functions/rebuild.sql), while batches keep running: a series of
    /// transactions on one connection holding the rebuild's lock, and the indicators split
    /// between `lanes` connections sharing one snapshot for the build itself (one core each;
    /// at most the pool's connections less one, for batches and the rest meanwhile).
    /// Returns nil without doing anything when another rebuild is building and `waiting` is
    /// false; with `waiting`, runs after it.
    public func rebuild(from: Month?, lanes: Int = 1, waiting: Bool = true) async throws -> RebuildResult? {
        let lanes = min(max(1, lanes), max(1, database.configuration.maxConnections - 1))
        return try await database.primary.withConnection { connection -> RebuildResult? in
            if waiting {
                try await connection.execute("SELECT pg_advisory_lock(wb_build_lock())")
            } else if try await connection.scalar("SELECT pg_try_advisory_lock(wb_build_lock())", as: Bool.self) != true {
                return nil
            }
            do {
                let result = try await rebuildSteps(from: from, lanes: lanes, on: connection)
                try await connection.execute("SELECT pg_advisory_unlock(wb_build_lock())")
                return result
            } catch {
                // Also when the task was cancelled (a task of its own, which is not): the
                // connection goes back to the pool. A broken one is dropped, its lock with it.
                let unlock = Task { try await connection.execute("SELECT pg_advisory_unlock(wb_build_lock())") }
                _ = try? await unlock.value
                throw error
            }
        }
    }

    /// The catch-up rounds before the swap: each applies what changed during the one before,
    /// while batches go on; the swap, which batches wait for, then applies only the last few.
    static let catchUpRounds = 4
    static let catchUpEnough = 200

    private func rebuildSteps(from: Month?, lanes: Int, on connection: Connection) async throws -> RebuildResult {
        let from = from?.sqlDate
        try await connection.withTransaction { try await $0.execute("SELECT wb_rebuild_prepare(\(from)::date)") }
        try await connection.withTransaction { try await $0.execute("SELECT wb_build_begin(\(from)::date)") }
        // The first lane's transaction exports its snapshot; the others import it, so every
        // lane reads what the first reads. Each commits its rows when done: the tables are not
        // read by anyone until the swap, and a failed lane fails the rebuild (which runs again).
        let (rows, until, lanesUsed) = try await connection.withTransaction(level: .repeatableRead) { first in
            let snapshot = try await first.exportSnapshot()
            let until = try await first.scalar("SELECT wb_rebuild_review_until()", as: SQLDate.self)
            let split = try await first.query("SELECT lane, indicators FROM wb_rebuild_lanes(\(Int32(clamping: lanes)))")
                .map { try $0.decode((Int, [String]).self) }
            let rows = try await withThrowingTaskGroup(of: Int.self) { group in
                for (lane, indicators) in split where lane > 0 {
                    group.addTask {
                        try await database.primary.withConnection { other in
                            try await other.withTransaction(level: .repeatableRead, snapshot: snapshot) {
                                try await Self.buildLane(from: from, indicators: indicators, until: until, first: false, on: $0)
                            }
                        }
                    }
                }
                var rows = try await Self.buildLane(from: from, indicators: split.first?.1 ?? [], until: until, first: true, on: first)
                for try await laneRows in group { rows += laneRows }
                return rows
            }
            return (rows, until, max(1, split.count))
        }
        // Each table's keys and indexes, the largest tables first, on as many connections.
        let sizes = try await connection.query("SELECT t, pg_table_size(format('wb_build.%I', t)) FROM unnest(wb_rebuilt_tables()) t")
            .map { try $0.decode((String, Int).self) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            let dealt = Self.deal(sizes, into: lanesUsed)
            for tables in dealt.dropFirst() where !tables.isEmpty {
                group.addTask {
                    try await database.primary.withConnection { other in
                        for table in tables { try await other.execute("SELECT wb_build_index(\(table))") }
                    }
                }
            }
            for table in dealt.first ?? [] { try await connection.execute("SELECT wb_build_index(\(table))") }
            try await group.waitForAll()
        }
        try await connection.withTransaction { try await $0.execute("SELECT wb_build_finish(\(until)::date)") }
        var caughtUp = 0
        for _ in 0..<Self.catchUpRounds {
            let keys = try await connection.withTransaction {
                try await $0.scalar("SELECT wb_rebuild_catch_up(false)", as: Int.self) ?? 0
            }
            caughtUp += keys
            if keys < Self.catchUpEnough { break }
        }
        caughtUp += try await connection.withTransaction {
            try await $0.scalar("SELECT wb_rebuild_catch_up(true)", as: Int.self) ?? 0
        }
        try await connection.execute("SELECT wb_rebuild_retire()")
        return RebuildResult(rows: rows, caughtUp: caughtUp, lanes: lanesUsed)
    }

    /// Deals weighted items into `count` hands, the heaviest first, each to the lightest hand
    /// so far (within 4/3 of the best split).
    static func deal<Item>(_ items: [(Item, Int)], into count: Int) -> [[Item]] {
        var hands = Array(repeating: (items: [Item](), weight: 0), count: max(1, count))
        for (item, weight) in items.sorted(by: { $0.1 > $1.1 }) {
            let lightest = hands.indices.min { hands[$0].weight < hands[$1].weight } ?? 0
            hands[lightest].items.append(item)
            hands[lightest].weight += weight
        }
        return hands.map(\.items)
    }

    private static func buildLane(from: SQLDate?, indicators: [String], until: SQLDate?, first: Bool, on connection: Connection) async throws -> Int {
        try await connection.scalar(
            "SELECT wb_rebuild_build(\(from)::date, \(indicators)::text[], \(until)::date, \(first))", as: Int.self) ?? 0
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

    /// Removes the record of a run that did not happen (a rebuild skipped for another).
    public func discardRun(_ id: Int) async throws {
        try await database.primary.execute("DELETE FROM aggregate_runs WHERE id = \(id)")
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
        /// A full rebuild is building beside the live tables (edits are still applied meanwhile).
        public var rebuilding: Bool = false
        /// When the full rebuild that is building started (its run record).
        public var rebuildStartedAt: Date?
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
                   (SELECT count(*) FROM fact_batches WHERE NOT summed),
                   b.building,
                   CASE WHEN b.building THEN (SELECT max(started_at) FROM aggregate_runs WHERE kind = 'full' AND status = 'running') END
            FROM (SELECT wb_rebuild_building() AS building) b
            LEFT JOIN LATERAL (SELECT finished_at, status, kind FROM aggregate_runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1) r ON true
            """)
        let replica = await database.replicaStatus()
        guard let row = rows.first else { return Status(queueDepth: 0, rebuildRequested: false, replica: replica) }
        let (depth, oldest, requested, lastAt, lastStatus, lastKind, lastFull, updated, computed, waiting, building, buildStart) =
            try row.decode((Int, Date?, Bool, Date?, String?, String?, Date?, Date?, Date?, Int, Bool, Date?).self)
        return Status(queueDepth: depth, factBatchesWaiting: waiting, oldestQueuedAt: oldest, rebuildRequested: requested,
                      rebuilding: building, rebuildStartedAt: buildStart, lastRunAt: lastAt,
                      lastRunStatus: lastStatus, lastRunKind: lastKind, lastFullRebuildAt: lastFull,
                      dataUpdatedAt: updated, aggregatesComputedAt: computed, replica: replica)
    }
}
