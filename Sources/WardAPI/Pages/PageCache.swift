import Hummingbird
import Synchronization

/// Rendered pages kept for a second: a page reads six or seven store methods (the comparison,
/// 13 months of every area, who reported, what breaks a rule, the areas and indicators), which is
/// right for a person and too much for a city hall full of them refreshing the same view. One
/// request renders a page at a time: others asking for it meanwhile wait for that rendering, or,
/// when an older copy exists, get the older copy. So a page is at most ``life`` plus one
/// rendering old (the worker itself publishes a write within about 0.1 s). Errors and sign-in
/// pages are not kept.
final class PageCache: Sendable {
    static let life: Duration = .seconds(1)
    static let capacity = 512

    private enum Entry {
        case ready(Response, ContinuousClock.Instant)
        case rendering(Task<Response, any Error>, older: Response?)
    }
    private let entries = Mutex<[String: Entry]>([:])

    /// The page for `key`: kept, being rendered, or rendered now.
    func page(_ key: String, render: @escaping @Sendable () async throws -> Response) async throws -> Response {
        enum Next { case answer(Response), wait(Task<Response, any Error>) }
        let next: Next = entries.withLock { entries in
            let now = ContinuousClock.now
            switch entries[key] {
            case .ready(let response, let at) where now - at < Self.life:
                return .answer(response)
            case .rendering(let task, let older):
                return older.map(Next.answer) ?? .wait(task)
            case .ready(let response, _):
                entries[key] = .rendering(renderTask(key, render), older: response)
                return .answer(response)
            case nil:
                if entries.count >= Self.capacity {
                    entries = entries.filter { if case .ready(_, let at) = $0.value { now - at < Self.life } else { true } }
                }
                let task = renderTask(key, render)
                entries[key] = .rendering(task, older: nil)
                return .wait(task)
            }
        }
        switch next {
        case .answer(let response): return response
        case .wait(let task): return try await task.value
        }
    }

    private func renderTask(_ key: String, _ render: @escaping @Sendable () async throws -> Response) -> Task<Response, any Error> {
        Task {
            do {
                let response = try await render()
                entries.withLock { entries in
                    if response.status == .ok { entries[key] = .ready(response, .now) } else { entries[key] = nil }
                }
                return response
            } catch {
                entries.withLock { $0[key] = nil }
                throw error
            }
        }
    }
}
