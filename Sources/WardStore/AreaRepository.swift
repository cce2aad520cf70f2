import PQ
import WardCore

/// Areas and their history: the tree as it stood in a month, children, successions.
/// Names sort in Vietnamese order (the column's ICU collation).
public struct AreaRepository: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    static let columns = "code, name, kind, parent_code, valid_from, valid_to"

    static func decode(_ row: Row) throws -> Area {
        let (code, name, kind, parent, from, to) = try row.decode((String, String, String, String?, SQLDate, SQLDate?).self)
        return Area(code: code, name: name, kind: AreaKind(rawValue: kind) ?? .ward, parentCode: parent,
                    validFrom: LocalDate(from), validTo: to.map(LocalDate.init))
    }

    /// Areas, optionally only those valid in `month`, of `kind`, under `parent` (as of that month).
    /// Throws `.notFound` when `parent` names no area.
    public func list(kind: AreaKind? = nil, parent: String? = nil, month: Month? = nil) async throws -> [Area] {
        let areas = try await listRows(kind: kind, parent: parent, month: month)
        if areas.isEmpty, let parent { _ = try await NameLookup(database: database).area(parent) }
        return areas
    }

    private func listRows(kind: AreaKind?, parent: String?, month: Month?) async throws -> [Area] {
        let rows = try await database.replica.query("""
            SELECT \(unsafeSQL: Self.columns) FROM areas
            WHERE (\(month?.sqlDate)::date IS NULL OR wb_counts_in(valid_from, valid_to, \(month?.sqlDate)::date))
              AND (\(kind?.rawValue)::text IS NULL OR kind = \(kind?.rawValue)::text)
              AND (\(parent)::text IS NULL OR parent_code = \(parent)::text)
            ORDER BY name, code, valid_from
            """)
        return try rows.map(Self.decode)
    }

    /// The areas that have children (every area but wards, communes, towns and special zones)
    /// valid in `month`, in Vietnamese order: what a comparison may be asked under.
    public func parents(in month: Month?) async throws -> [Area] {
        try await database.replica.query("""
            SELECT \(unsafeSQL: Self.columns) FROM areas
            WHERE NOT wb_is_leaf_kind(kind) AND (\(month?.sqlDate)::date IS NULL OR wb_counts_in(valid_from, valid_to, \(month?.sqlDate)::date))
            ORDER BY name, code, valid_from
            """).map(Self.decode)
    }

    /// Every row of one code, oldest first; `.notFound` when the code is unknown.
    public func history(of code: String) async throws -> [Area] {
        let rows = try await database.replica.query("SELECT \(unsafeSQL: Self.columns) FROM areas WHERE code = \(code) ORDER BY valid_from").map(Self.decode)
        if rows.isEmpty { throw StoreError(.notFound, "unknown area '\(Printable.excerpt(code))'; GET /api/v1/areas lists them") }
        return rows
    }

    /// The row of `code` valid in `month`, or its latest row when `month` is nil.
    public func find(_ code: String, in month: Month? = nil) async throws -> Area? {
        let rows = try await database.replica.query("""
            SELECT \(unsafeSQL: Self.columns) FROM areas
            WHERE code = \(code) AND (\(month?.sqlDate)::date IS NULL OR wb_counts_in(valid_from, valid_to, \(month?.sqlDate)::date))
            ORDER BY valid_from DESC LIMIT 1
            """)
        return try rows.first.map(Self.decode)
    }

    /// Those of `codes` that name no area at any time, in the order given: one query for a list.
    public func unknown(_ codes: [String]) async throws -> [String] {
        try await database.replica.query("""
            SELECT c.code FROM unnest(\(codes)::text[]) WITH ORDINALITY c(code, n)
            WHERE NOT EXISTS (SELECT 1 FROM area_codes a WHERE a.code = c.code) ORDER BY c.n
            """).map { try $0.decode(0, as: String.self) }
    }

    /// Direct children of `code` as the tree stood in `month`, in Vietnamese order.
    public func children(of code: String, in month: Month) async throws -> [Area] {
        try await list(parent: code, month: month)
    }

    /// The whole tree as it stood in `month`.
    public func tree(in month: Month) async throws -> [Area] {
        try await list(month: month)
    }

    /// Whether `descendant` is `ancestor` or lies below it in any month.
    public func isWithin(_ descendant: String, ancestor: String) async throws -> Bool {
        try await database.replica.scalar("""
            WITH RECURSIVE up(code) AS (
              SELECT \(descendant)::text COLLATE "C"
              UNION SELECT a.parent_code FROM areas a JOIN up ON a.code = up.code WHERE a.parent_code IS NOT NULL)
            SELECT EXISTS (SELECT 1 FROM up WHERE code = \(ancestor))
            """, as: Bool.self) ?? false
    }

    /// Successions into `code`, followed back through chains (its predecessors).
    public func predecessors(of code: String) async throws -> [Succession] {
        try await successions(direction: "to", code: code)
    }

    /// Successions out of `code`, followed forward through chains (its successors).
    public func successors(of code: String) async throws -> [Succession] {
        try await successions(direction: "from", code: code)
    }

    private func successions(direction: String, code: String) async throws -> [Succession] {
        let recursive = direction == "to"
            ? "SELECT s.* FROM successions s JOIN chain c ON s.to_code = c.from_code"
            : "SELECT s.* FROM successions s JOIN chain c ON s.from_code = c.to_code"
        let start = direction == "to" ? "to_code" : "from_code"
        let rows = try await database.replica.query("""
            WITH RECURSIVE chain AS (
              SELECT * FROM successions WHERE \(unsafeSQL: start) = \(code)
              UNION \(unsafeSQL: recursive))
            SELECT from_code, to_code, effective_month, share FROM chain ORDER BY effective_month, from_code, to_code
            """)
        return try rows.map { row in
            let (from, to, month, share) = try row.decode((String, String, SQLDate, Numeric).self)
            return Succession(fromCode: from, toCode: to, effectiveMonth: Month(month), share: share.description)
        }
    }
}
