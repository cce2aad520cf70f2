import Synchronization

/// Runs `read` on `readers` concurrent tasks (each given its index), one call after another,
/// until `writer` has returned; then returns what the writer returned and how many reads were
/// made. A read or the writer that throws ends it all (``Failed``, saying which): tests of what readers
/// see while something writes (a rebuild's swap, say).
public func whileReading<T: Sendable>(readers: Int, _ read: @escaping @Sendable (Int) async throws -> Void,
                                      during writer: () async throws -> T) async throws -> (result: T, reads: Int) {
    let writing = Flag()
    return try await withThrowingTaskGroup(of: Int.self) { group in
        for reader in 0..<readers {
            group.addTask {
                var reads = 0
                while writing.isOn {
                    do { try await read(reader) } catch { throw Failed(who: "reader \(reader), after \(reads) reads", error: error) }
                    reads += 1
                }
                return reads
            }
        }
        let result: T
        do {
            result = try await writer()
        } catch {
            writing.turnOff()
            throw Failed(who: "the writer", error: error)
        }
        writing.turnOff()
        var reads = 0
        for try await n in group { reads += n }
        return (result, reads)
    }
}

/// A read or the writer of ``whileReading`` failed: which, and the error with its detail (a
/// ``StoreError``'s SQLSTATE and statement, which its description leaves out).
public struct Failed: Error, CustomStringConvertible {
    public let who: String
    public let detail: String
    init(who: String, error: any Error) {
        self.who = who
        detail = String(reflecting: error)
    }
    public var description: String { "\(who) failed: \(detail)" }
}

/// A flag readers poll and a writer turns off.
private final class Flag: Sendable {
    private let on = Mutex(true)
    var isOn: Bool { on.withLock { $0 } }
    func turnOff() { on.withLock { $0 = false } }
}
