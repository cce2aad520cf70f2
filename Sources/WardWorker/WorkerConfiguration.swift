import Foundation

/// How an ``AggregationWorker`` runs.
public struct WorkerConfiguration: Sendable {
    /// Stale keys claimed per transaction.
    public var batchSize: Int
    /// Fact batches (an imported file, a write) summed per transaction.
    public var factBatchesPerRun: Int
    /// How often to look at the queue when no notification arrives (a lost NOTIFY only delays).
    public var pollInterval: Duration
    /// Local time of the daily full rebuild (hour, minute) in the database's time zone; nil: none.
    public var rebuildAt: (hour: Int, minute: Int)?
    /// Connections a full rebuild builds on, the indicators split between them: each keeps one
    /// of the database server's cores busy (the build is bound by one core per connection).
    public var rebuildLanes: Int
    /// Recorded in `aggregate_runs.worker` and logs.
    public var name: String

    public init(
        batchSize: Int = 5000,
        factBatchesPerRun: Int = 16,
        pollInterval: Duration = .seconds(2),
        rebuildAt: (hour: Int, minute: Int)? = (2, 0),
        rebuildLanes: Int = 2,
        name: String = "worker-\(ProcessInfo.processInfo.processIdentifier)"
    ) {
        self.batchSize = batchSize
        self.factBatchesPerRun = factBatchesPerRun
        self.pollInterval = pollInterval
        self.rebuildAt = rebuildAt
        self.rebuildLanes = rebuildLanes
        self.name = name
    }

    /// The next scheduled rebuild after `date`, local time in `timeZone`.
    public func nextRebuild(after date: Date, in timeZone: TimeZone) -> Date? {
        guard let (hour, minute) = rebuildAt else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.nextDate(after: date, matching: DateComponents(hour: hour, minute: minute, second: 0), matchingPolicy: .nextTime)
    }
}
