import Foundation
import Logging
import ServiceLifecycle
import WardCore
import WardStore

/// Keeps `aggregates` fresh: wakes on `NOTIFY wardboard_dirty`, polls as a fallback, drains the
/// queue batch by batch, runs a full rebuild when the structure changed or at the scheduled
/// time, and stops between batches on graceful shutdown. Any number may run at once.
public struct AggregationWorker: Service {
    let database: Database
    let repository: AggregateRepository
    /// Whether to LISTEN for changes (else only poll).
    let listens: Bool
    let configuration: WorkerConfiguration
    let logger: Logger

    public init(database: Database, listens: Bool = true, configuration: WorkerConfiguration = .init(), logger: Logger) {
        self.database = database
        self.repository = AggregateRepository(database)
        self.listens = listens
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "ward.worker"] = "\(configuration.name)"
        self.logger = logger
    }

    public struct DrainResult: Sendable, Equatable {
        public var batches = 0
        /// Facts added to `fact_sums` (their keys join the queue).
        public var facts = 0
        public var keys = 0
        public var rows = 0
        public var rebuilt = false
        /// Review counts written for months that began since the last pass.
        public var reviewRows = 0
    }

    public func run() async throws {
        // Notifications and the poll timer both feed one stream; bufferingNewest(1) coalesces them.
        let (wakeups, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        // Rebuilds run beside the batches (edits stay visible while one builds), one at a time.
        // Unbounded: a scheduled rebuild must not be replaced by a request made in the same pass
        // (each cause is checked again before it runs, so extra ones cost a query).
        let (rebuilds, startRebuild) = AsyncStream<RebuildCause>.makeStream(bufferingPolicy: .unbounded)
        logger.info("worker started", metadata: ["ward.poll_s": "\(configuration.pollInterval.components.seconds)"])
        await withTaskGroup(of: Void.self) { helpers in
            if listens {
                helpers.addTask {
                    do {
                        // A reconnect may have lost notifications: it wakes the loop too.
                        for try await _ in database.changes(channels: ["wardboard_dirty"]) {
                            wake.yield()
                        }
                    } catch is CancellationError {
                    } catch {
                        logger.warning("cannot listen for changes; polling only", metadata: ["ward.error": "\(error)"])
                    }
                }
            }
            helpers.addTask {
                while !Task.isCancelled {
                    wake.yield()
                    try? await Task.sleep(for: configuration.pollInterval)
                }
            }
            // Cancelled on shutdown: the rebuild then rolls back, and runs again at the next start.
            helpers.addTask { await rebuildLoop(rebuilds, wake: wake) }
            await loop(wakeups, startRebuild: startRebuild)
            helpers.cancelAll()
        }
        wake.finish()
        startRebuild.finish()
        logger.info("worker stopped")
    }

    /// Why a rebuild is started by the loop.
    enum RebuildCause: Sendable {
        /// The structure changed (or a migration asked, or an earlier rebuild was interrupted).
        case requested
        /// The daily rebuild that was due at this time.
        case scheduled(Date)
    }

    /// One pass per wake-up until graceful shutdown, which lands between batches.
    /// The daily rebuild follows the database's time zone, read again on every pass (a change
    /// with `wardboard settings set timezone` moves it).
    func loop(_ wakeups: AsyncStream<Void>, startRebuild: AsyncStream<RebuildCause>.Continuation) async {
        var zone: TimeZone?
        var nextRebuild: Date?
        for await _ in wakeups.cancelOnGracefulShutdown() {
            do {
                let stored = TimeZone(identifier: try await SettingsRepository(database).load().timeZone)
                if stored != zone {
                    zone = stored
                    nextRebuild = stored.flatMap { configuration.nextRebuild(after: Date(), in: $0) }
                }
                if let due = nextRebuild, let zone, Date() >= due {
                    startRebuild.yield(.scheduled(due))
                    nextRebuild = configuration.nextRebuild(after: Date(), in: zone)
                }
                if try await repository.rebuildRequested() { startRebuild.yield(.requested) }
                _ = try await drainQueue()
            } catch is CancellationError {
                break
            } catch {
                logger.error("worker pass failed", metadata: ["ward.error": "\(error)"])
            }
        }
    }

    /// Runs the rebuilds the loop asks for, one after the other, each after checking it is still
    /// due (another worker may have run it); wakes the loop for the keys each queued again.
    func rebuildLoop(_ causes: AsyncStream<RebuildCause>, wake: AsyncStream<Void>.Continuation) async {
        for await cause in causes {
            do {
                switch cause {
                case .requested:
                    guard try await repository.rebuildRequested() else { continue }
                    _ = try await rebuild(from: nil, reason: "structure changed", waiting: false)
                case .scheduled(let due):
                    guard try await !repository.rebuiltSince(due) else { continue }
                    _ = try await rebuild(from: nil, reason: "scheduled", waiting: false)
                }
                wake.yield()
            } catch is CancellationError {
                break
            } catch {
                logger.error("full rebuild failed", metadata: ["ward.error": "\(error)"])
            }
        }
    }

    /// Runs a requested rebuild if any, then processes batches until the queue is empty.
    /// (The running worker starts its rebuilds beside the batches instead; see `run`.)
    public func drain() async throws -> DrainResult {
        var result = DrainResult()
        if try await repository.rebuildRequested(),
           let rows = try await rebuild(from: nil, reason: "structure changed", waiting: false) {
            result.rows += rows
            result.rebuilt = true
        }
        return try await drainQueue(result)
    }

    /// Extends the review to a month that began, sums waiting facts, then processes batches
    /// until the queue is empty.
    func drainQueue(_ start: DrainResult = DrainResult()) async throws -> DrainResult {
        var result = start
        result.reviewRows = try await repository.extendReview()
        if result.reviewRows > 0 {
            logger.info("review extended to a new month", metadata: ["ward.rows": "\(result.reviewRows)"])
        }
        while !Task.isShuttingDownGracefully {
            try Task.checkCancellation()
            let start = ContinuousClock.now
            let facts = try await repository.sumFacts(batches: configuration.factBatchesPerRun)
            guard facts > 0 else { break }
            result.facts += facts
            logger.info("facts summed", metadata: ["ward.facts": "\(facts)", "ward.ms": "\(milliseconds(since: start))"])
        }
        while !Task.isShuttingDownGracefully {
            try Task.checkCancellation()
            let start = ContinuousClock.now
            let run = try await repository.startRun(kind: "incremental", worker: configuration.name)
            let batch: AggregateRepository.BatchResult
            do {
                batch = try await repository.processBatch(limit: configuration.batchSize)
            } catch {
                try? await repository.finishRun(run, keys: 0, rows: 0, error: "\(error)")
                throw error
            }
            try await repository.finishRun(run, keys: batch.keys, rows: batch.rows, error: nil)
            guard batch.keys > 0 else { break }
            result.batches += 1
            result.keys += batch.keys
            result.rows += batch.rows
            logger.info("batch done", metadata: [
                "ward.keys": "\(batch.keys)", "ward.rows": "\(batch.rows)", "ward.ms": "\(milliseconds(since: start))",
            ])
        }
        return result
    }

    /// A full rebuild (from `from`, or everything), recorded as a run; batches go on meanwhile
    /// (`AggregateRepository.rebuild`). Returns the aggregate rows written, or nil when another
    /// rebuild was building and `waiting` is false (no run is recorded then).
    @discardableResult
    public func rebuild(from: Month?, reason: String, waiting: Bool = true) async throws -> Int? {
        let start = ContinuousClock.now
        let run = try await repository.startRun(kind: "full", worker: configuration.name)
        do {
            guard let result = try await repository.rebuild(from: from, lanes: configuration.rebuildLanes, waiting: waiting) else {
                try await repository.discardRun(run)
                logger.info("full rebuild skipped: another one is building", metadata: ["ward.reason": "\(reason)"])
                return nil
            }
            try await repository.finishRun(run, keys: 0, rows: result.rows, error: nil)
            await vacuumQueue()
            logger.info("full rebuild done", metadata: [
                "ward.reason": "\(reason)", "ward.rows": "\(result.rows)", "ward.ms": "\(milliseconds(since: start))",
                "ward.from": "\(from?.description ?? "start")", "ward.caught_up": "\(result.caughtUp)", "ward.lanes": "\(result.lanes)",
            ])
            return result.rows
        } catch {
            try? await repository.finishRun(run, keys: 0, rows: 0, error: "\(error)")
            throw error
        }
    }

    /// The rebuild is done whatever happens here: a failed vacuum is logged, not the run's failure.
    private func vacuumQueue() async {
        do { try await repository.vacuumQueue() } catch {
            logger.warning("vacuum of the queue after a full rebuild failed", metadata: ["ward.error": "\(error)"])
        }
    }

    func milliseconds(since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}
