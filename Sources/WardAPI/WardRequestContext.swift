import Hummingbird
import Logging
import WardCore

/// Each request's context: the authenticated token (if any) and the request id.
public struct WardRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var token: TokenInfo?
    public var requestID: String = ""

    public init(source: Source) {
        self.coreContext = .init(source: source)
    }

    /// Bodies are collected explicitly with the configured limit.
    public var maxUploadSize: Int { .max }
}
