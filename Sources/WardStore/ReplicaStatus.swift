import Foundation
import PQ

/// How far the read replica is behind the primary, as `/api/v1/status` and `/readyz` report it.
public struct ReplicaStatus: Sendable, Codable, Equatable {
    public enum State: String, Sendable, Codable {
        /// Replay has reached the primary's WAL position (as of the two readings).
        case caughtUp = "caught_up"
        /// WAL the primary has flushed is not replayed yet, and the replica is paused, not
        /// streaming, or has had WAL waiting while its last replayed transaction is a second old or
        /// more: reads may miss the latest writes. (A gap of a few milliseconds, which every
        /// write opens, is not lagging.)
        case lagging
        /// The replica did not answer; reads go to the primary.
        case unreachable
    }

    public var state: State
    /// Where this process sends the feeds' reads right now: `replica` or `primary`.
    public var readsFrom: String
    /// WAL bytes written on the primary and not yet replayed on the replica.
    public var lagBytes: Int64?
    /// 0 unless lagging; then the age of the last transaction the replica replayed.
    public var lagSeconds: Double?
    public var replayPaused: Bool?
    public var lastReplayedAt: Date?
    /// Why the replica is unreachable.
    public var error: String?

    /// One line for `/readyz`.
    public var summary: String {
        switch state {
        case .caughtUp: return "replica: caught up"
        case .lagging:
            let seconds = lagSeconds.map { String(format: "%.1f s", $0) } ?? "unknown time"
            return "replica: lagging \(lagBytes ?? 0) bytes, \(seconds) behind the primary\(replayPaused == true ? " (replay paused)" : ""); reads may miss the latest writes"
        case .unreachable: return "replica: unreachable; reads go to the primary"
        }
    }
}

extension Database {
    /// The replica's position against the primary's; nil without a replica. Reads the replica
    /// directly (never through the fallback), so a stopped replica shows as unreachable.
    public func replicaStatus() async -> ReplicaStatus? {
        guard let routing else { return nil }
        let readsFrom = routing.isAvoided ? "primary" : "replica"
        let primaryLSN: String?
        do {
            // What the primary has flushed is what it can send; its insert position runs ahead.
            primaryLSN = try await pool.scalar("SELECT pg_current_wal_flush_lsn()::text", as: String.self)
        } catch {
            primaryLSN = nil
        }
        do {
            let rows = try await readPool.query("""
                SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, pg_last_xact_replay_timestamp(),
                       CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END,
                       extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8,
                       pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn(),
                       EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')
                """)
            guard let row = rows.first else { throw PQError(.protocolViolation, "no row") }
            let (inRecovery, replayLSN, replayedAt, paused, replayAge, waiting, streaming) =
                try row.decode((Bool, String?, Date?, Bool, Double?, Bool?, Bool).self)
            if !routing.isUp { routing.markReachable() }
            guard inRecovery else {
                // Promoted, or pointed at a primary: it has everything it has.
                return ReplicaStatus(state: .caughtUp, readsFrom: readsFrom, lagBytes: 0, lagSeconds: 0, replayPaused: false, lastReplayedAt: replayedAt)
            }
            let lag: Int64? = {
                guard let written = primaryLSN.flatMap(Self.lsn), let replayed = replayLSN.flatMap(Self.lsn) else { return nil }
                return written > replayed ? Int64(written - replayed) : 0
            }()
            let age = replayAge.map { max(0, $0) }
            let lagging = (lag ?? 1) > 0 && (paused || !streaming || waiting == true && (age ?? 1) >= 1)
            return ReplicaStatus(state: lagging ? .lagging : .caughtUp, readsFrom: readsFrom, lagBytes: lag,
                                 lagSeconds: lagging ? age : 0, replayPaused: paused, lastReplayedAt: replayedAt)
        } catch let error as PQError {
            if ReplicaRouting.isUnreachable(error) { routing.markUnreachable(error) }
            return ReplicaStatus(state: .unreachable, readsFrom: routing.isAvoided ? "primary" : readsFrom, error: error.description)
        } catch {
            return ReplicaStatus(state: .unreachable, readsFrom: readsFrom, error: "\(error)")
        }
    }

    /// A WAL position (`16/B374D848`) as a byte offset.
    static func lsn(_ text: String) -> UInt64? {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let high = UInt64(parts[0], radix: 16), let low = UInt64(parts[1], radix: 16) else { return nil }
        return high << 32 | low
    }
}
