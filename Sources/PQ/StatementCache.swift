/// Prepared statements of one connection, by SQL text and parameter types.
///
/// Every parameterised statement is prepared on first use and executed by name afterwards,
/// as pgx's statement cache does. When the server invalidates a plan (`ALTER TABLE` changes a
/// result type: SQLSTATE 0A000; or the statement is gone: 26000), the entry is dropped and the
/// statement prepared again — transparently outside a transaction, on the next call inside one.
struct StatementCache: Sendable {
    static let capacity = 512
    private var names: [String: String] = [:]
    private var order: [String] = []
    private var counter = 0

    static func key(sql: String, types: [UInt32]) -> String {
        types.isEmpty ? sql : sql + "\u{0}" + types.map(String.init).joined(separator: ",")
    }

    func name(for key: String) -> String? { names[key] }

    /// Records a new statement; returns its name and, when full, the name to deallocate.
    mutating func insert(_ key: String) -> (name: String, evicted: String?) {
        counter += 1
        let name = "pq_\(counter)"
        names[key] = name
        order.append(key)
        var evicted: String?
        if order.count > Self.capacity {
            let oldest = order.removeFirst()
            evicted = names.removeValue(forKey: oldest)
        }
        return (name, evicted)
    }

    mutating func remove(_ key: String) {
        names.removeValue(forKey: key)
        order.removeAll { $0 == key }
    }

    var count: Int { names.count }
}
