/// What a token may do.
public enum Role: String, Sendable, CaseIterable, Codable {
    /// Reads feeds.
    case viewer
    /// Reads, and writes figures for its own area and the areas below it.
    case editor
    /// Everything: writes anywhere, manages areas, indicators and party cells.
    case admin

    public var canWrite: Bool { self != .viewer }
}

/// A token as the server knows it: never the token itself.
public struct TokenInfo: Sendable, Hashable {
    public var id: Int
    public var name: String
    public var role: Role
    /// For editors: the area they write for.
    public var areaCode: String?
    public var revoked: Bool

    public init(id: Int, name: String, role: Role, areaCode: String?, revoked: Bool = false) {
        self.id = id
        self.name = name
        self.role = role
        self.areaCode = areaCode
        self.revoked = revoked
    }
}
