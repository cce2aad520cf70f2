import Logging
import PQ
import WardCore

/// The pools a Wardboard process talks to: one for writes, and one for reads that may point at a
/// replica (`DATABASE_READ_URL`); without a replica both are the same pool.
public struct Database: Sendable {
    public let pool: ConnectionPool
    public let readPool: ConnectionPool

    public init(pool: ConnectionPool, readPool: ConnectionPool? = nil) {
        self.pool = pool
        self.readPool = readPool ?? pool
    }

    public func close() async {
        await pool.close()
        if readPool !== pool { await readPool.close() }
    }
}

// WardCore's dates and months as PQ's `date`.
extension LocalDate {
    var sqlDate: SQLDate { SQLDate(year: year, month: month, day: day) }
    init(_ date: SQLDate) { self.init(year: date.year, month: date.month, day: date.day) }
}

extension Month {
    var sqlDate: SQLDate { SQLDate(year: year, month: month, day: 1) }
    init(_ date: SQLDate) { self = Month(year: date.year, month: date.month) ?? Month(index: 0) }
}
