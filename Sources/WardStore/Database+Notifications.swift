import PQ

/// What wakes a worker: a change was committed, or the listening connection came back after a
/// break (notifications in between are lost, so whatever they announce must be read again).
public enum ChangeSignal: Sendable, Equatable {
    case changed(channel: String)
    case reconnected
}

extension Database {
    /// `LISTEN` on `channels` on a connection of its own to the primary, reconnecting after a
    /// break. The sequence ends when the consuming task is cancelled.
    public func changes(channels: [String]) -> some AsyncSequence<ChangeSignal, any Error> {
        NotificationListener(configuration: .init(configuration.url, applicationName: configuration.applicationName + "-listener"),
                             channels: channels, logger: logger)
            .map { event -> ChangeSignal in
                switch event {
                case .notification(let notification): .changed(channel: notification.channel)
                case .reconnected: .reconnected
                }
            }
    }
}
