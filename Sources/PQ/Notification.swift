/// A message sent with `NOTIFY channel, 'payload'` or `pg_notify(channel, payload)`.
public struct Notification: Sendable, Hashable {
    public let channel: String
    public let payload: String
    /// The server process that sent it.
    public let senderPID: Int32

    public init(channel: String, payload: String, senderPID: Int32) {
        self.channel = channel
        self.payload = payload
        self.senderPID = senderPID
    }
}

/// What a ``NotificationListener`` delivers.
public enum ListenerEvent: Sendable, Hashable {
    case notification(Notification)
    /// The connection was lost and opened again, and every channel listened to again.
    /// Notifications sent in between are lost: re-read whatever state they announce.
    case reconnected
}

extension Connection {
    /// Sends a notification with `pg_notify($1, $2)`; delivered when the transaction commits.
    public func notify(channel: String, payload: String = "") async throws {
        try await query("SELECT pg_notify(\(channel), \(payload))")
    }
}

extension ConnectionPool {
    public func notify(channel: String, payload: String = "") async throws {
        try await withConnection { try await $0.notify(channel: channel, payload: payload) }
    }
}
