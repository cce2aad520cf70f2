import CLibPQ
import Foundation
import Logging
import NIOConcurrencyHelpers

/// `LISTEN` on a dedicated connection, delivered as an `AsyncSequence` of ``ListenerEvent``.
///
/// The connection lives on a thread of its own that waits on the socket with `poll(2)`, so it
/// never holds one of the query threads. When the connection breaks, the listener reconnects
/// with backoff, listens again on every channel and yields ``ListenerEvent/reconnected``.
/// Iteration ends when the consuming task is cancelled or the sequence is dropped.
public struct NotificationListener: AsyncSequence, Sendable {
    public typealias Element = ListenerEvent
    let configuration: ConnectionConfiguration
    let channels: [String]
    let logger: Logger

    public init(configuration: ConnectionConfiguration, channels: [String], logger: Logger = Logger(label: "pq.listener")) {
        self.configuration = configuration
        self.channels = channels
        self.logger = logger
    }

    public func makeAsyncIterator() -> AsyncThrowingStream<ListenerEvent, any Error>.AsyncIterator {
        let (stream, continuation) = AsyncThrowingStream<ListenerEvent, any Error>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let stop = NIOLockedValueBox(false)
        continuation.onTermination = { _ in stop.withLockedValue { $0 = true } }
        let loop = ListenLoop(configuration: configuration, channels: channels, logger: logger, stop: stop, continuation: continuation)
        Thread.detachNewThread { loop.run() }
        return stream.makeAsyncIterator()
    }
}

/// The listener's thread. Everything here runs on that one thread.
final class ListenLoop: Sendable {
    let configuration: ConnectionConfiguration
    let channels: [String]
    let logger: Logger
    let stop: NIOLockedValueBox<Bool>
    let continuation: AsyncThrowingStream<ListenerEvent, any Error>.Continuation

    init(configuration: ConnectionConfiguration, channels: [String], logger: Logger,
         stop: NIOLockedValueBox<Bool>, continuation: AsyncThrowingStream<ListenerEvent, any Error>.Continuation) {
        self.configuration = configuration
        self.channels = channels
        self.logger = logger
        self.stop = stop
        self.continuation = continuation
    }

    var stopped: Bool { stop.withLockedValue { $0 } }

    func run() {
        var attempt = 0
        var everConnected = false
        while !stopped {
            let handle: ConnectionHandle
            do {
                handle = try ConnectionHandle.open(configuration, logger: logger).0
                for channel in channels {
                    guard let quoted = PQescapeIdentifier(handle.pointer, channel, channel.utf8.count) else {
                        throw PQError(.encoding, "cannot quote channel name")
                    }
                    let sql = "LISTEN " + String(cString: quoted)
                    PQfreemem(quoted)
                    _ = try handle.exec(sql)
                }
            } catch {
                if !everConnected && attempt == 0 {
                    // The first connect failing is the caller's problem to see.
                    continuation.finish(throwing: error)
                    return
                }
                attempt += 1
                logger.info("listener reconnect failed", metadata: ["pq.attempt": "\(attempt)", "pq.error": "\(error)"])
                sleepUnlessStopped(seconds: min(5.0, 0.1 * Double(1 << min(attempt, 6))))
                continue
            }
            if everConnected { continuation.yield(.reconnected) }
            everConnected = true
            attempt = 0
            pump(handle)
        }
        continuation.finish()
    }

    /// Reads notifications until the connection breaks or the consumer stops.
    func pump(_ handle: ConnectionHandle) {
        let socket = PQsocket(handle.pointer)
        while !stopped {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 250)
            if ready < 0 && errno != EINTR { return }
            if ready > 0 {
                guard PQconsumeInput(handle.pointer) == 1 else {
                    logger.info("listener connection lost", metadata: ["pq.error": "\(handle.errorMessage)"])
                    return
                }
                while let raw = PQnotifies(handle.pointer) {
                    let notify = raw.pointee
                    let event = Notification(
                        channel: String(cString: notify.relname),
                        payload: String(cString: notify.extra),
                        senderPID: notify.be_pid
                    )
                    PQfreemem(raw)
                    continuation.yield(.notification(event))
                }
            }
            if !handle.isOK { return }
        }
    }

    func sleepUnlessStopped(seconds: Double) {
        var left = seconds
        while left > 0, !stopped {
            Thread.sleep(forTimeInterval: min(left, 0.1))
            left -= 0.1
        }
    }
}
