import Synchronization

/// A flag that a test's concurrent readers poll and its writer turns off when it is done.
public final class Switch: Sendable {
    private let on = Mutex(true)
    public init() {}
    public var isOn: Bool { on.withLock { $0 } }
    public func turnOff() { on.withLock { $0 = false } }
}
