import PQ
import WardCore

/// API tokens. Only the SHA-256 of a token is stored; the token itself is shown once, at creation.
public struct TokenRepository: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    /// Creates a token and returns it with its record. The plain token is not stored anywhere.
    public func create(name: String, role: Role, area: String?) async throws -> (token: String, info: TokenInfo) {
        if role == .editor && area == nil { throw StoreError(.invalidInput, "an editor token needs --area: the area it may write for") }
        if let area { _ = try await AreaRepository(database).history(of: area) }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let token = "wb_" + Self.base64URL(bytes)
        let id = try await database.primary.scalar("""
            INSERT INTO api_tokens (name, role, area_code, token_sha256) VALUES (\(name), \(role.rawValue), \(area), \(Bytea(Checksum.sha256(token.utf8))))
            RETURNING id
            """, as: Int.self) ?? 0
        return (token, TokenInfo(id: id, name: name, role: role, areaCode: area))
    }

    /// The token's record when it exists and is not revoked. Asks the primary: a revocation
    /// must not wait for a replica to replay it.
    public func authenticate(_ token: String) async throws -> TokenInfo? {
        guard token.hasPrefix("wb_"), token.utf8.count < 200 else { return nil }
        let hash = Bytea(Checksum.sha256(token.utf8))
        return try await database.primary.query("""
            SELECT id, name, role, area_code, revoked_at IS NOT NULL FROM api_tokens WHERE token_sha256 = \(hash) AND revoked_at IS NULL
            """).first.map(Self.decode)
    }

    /// A token's SHA-256 in hex: how a cache may key a token without holding it.
    public static func fingerprint(_ token: String) -> String { Checksum.sha256Hex(token.utf8) }

    public func list() async throws -> [TokenInfo] {
        try await database.replica.query("SELECT id, name, role, area_code, revoked_at IS NOT NULL FROM api_tokens ORDER BY id").map(Self.decode)
    }

    /// Revokes by id; false when no active token has it.
    @discardableResult
    public func revoke(id: Int) async throws -> Bool {
        try await database.primary.execute("UPDATE api_tokens SET revoked_at = now() WHERE id = \(id) AND revoked_at IS NULL") == 1
    }

    static func decode(_ row: Row) throws -> TokenInfo {
        let (id, name, role, area, revoked) = try row.decode((Int, String, String, String?, Bool).self)
        return TokenInfo(id: id, name: name, role: Role(rawValue: role) ?? .viewer, areaCode: area, revoked: revoked)
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var out = [UInt8]()
        var index = 0
        while index + 2 < bytes.count {
            let n = Int(bytes[index]) << 16 | Int(bytes[index + 1]) << 8 | Int(bytes[index + 2])
            out += [alphabet[n >> 18 & 63], alphabet[n >> 12 & 63], alphabet[n >> 6 & 63], alphabet[n & 63]]
            index += 3
        }
        let rest = bytes.count - index
        if rest == 1 {
            let n = Int(bytes[index]) << 16
            out += [alphabet[n >> 18 & 63], alphabet[n >> 12 & 63]]
        } else if rest == 2 {
            let n = Int(bytes[index]) << 16 | Int(bytes[index + 1]) << 8
            out += [alphabet[n >> 18 & 63], alphabet[n >> 12 & 63], alphabet[n >> 6 & 63]]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
