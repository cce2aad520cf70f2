import Foundation

/// A `timestamptz` including PostgreSQL's `infinity` and `-infinity`, which `Date` cannot hold.
///
/// Decoding an infinite timestamp as `Date` throws; decode as `SQLTimestamp` to accept them.
public enum SQLTimestamp: Sendable, Hashable {
    case finite(Date)
    case infinity
    case negativeInfinity

    public var date: Date? { if case .finite(let date) = self { date } else { nil } }
}

/// Microseconds between 1970-01-01 and PostgreSQL's epoch, 2000-01-01 UTC.
let postgresEpochMicroseconds: Int64 = 946_684_800_000_000
