import Foundation
import PQ
import WardCore

/// The monthly review: who reported and when (review_counts, kept by the worker; missing and
/// pending judged at the time of asking), and the closing of each leaf's month (the rules and
/// rights are SQL functions, sql/functions/months.sql, so every path obeys them).
public struct ReviewRepository: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    var names: NameLookup { NameLookup(database: database) }

    /// The children of `parent` (default: the one top-level area) in `month`, each with the
    /// reports expected of the leaves below it and how they stand now; `indicator` counts one
    /// indicator only; `byIndicator` gives one row per child and indicator.
    public func completeness(month: Month, parent: String?, indicator: String?, byIndicator: Bool) async throws -> Completeness {
        let parent = try await resolveParent(parent, month: month)
        if let indicator { _ = try await names.indicator(indicator) }
        let rows = try await database.replica.query("""
            WITH children AS (
              SELECT a.code, a.name, a.code = \(parent) AS is_parent FROM areas a
              WHERE (a.parent_code = \(parent) OR a.code = \(parent)) AND wb_counts_in(a.valid_from, a.valid_to, \(month.sqlDate))),
            counts AS (
              SELECT c.code, c.name, c.is_parent, CASE WHEN \(byIndicator) THEN r.indicator_code END AS indicator,
                     r.expected, r.reported, r.on_time, r.late, r.revised,
                     CASE WHEN r.deadline <= wb_now() THEN r.expected - r.reported ELSE 0 END AS missing,
                     CASE WHEN r.deadline > wb_now() THEN r.expected - r.reported ELSE 0 END AS pending
              FROM children c
              LEFT JOIN review_counts r ON r.area_code = c.code AND r.month = \(month.sqlDate)
                                       AND (\(indicator)::text IS NULL OR r.indicator_code = \(indicator)::text))
            SELECT is_parent, code, name, indicator, coalesce(sum(expected), 0)::int8, coalesce(sum(reported), 0)::int8,
                   coalesce(sum(on_time), 0)::int8, coalesce(sum(late), 0)::int8, coalesce(sum(missing), 0)::int8,
                   coalesce(sum(pending), 0)::int8, coalesce(sum(revised), 0)::int8
            FROM counts
            GROUP BY is_parent, code, name, indicator
            ORDER BY is_parent DESC, name, code, indicator
            """)
        var total: CompletenessRow?
        var children = [CompletenessRow]()
        for row in rows {
            let isParent = try row.decode(0, as: Bool.self)
            let indicatorCode = try row.decode(3, as: String?.self)
            let counts = CompletenessCounts(expected: try row.decode(4), reported: try row.decode(5), onTime: try row.decode(6),
                                            late: try row.decode(7), missing: try row.decode(8), pending: try row.decode(9),
                                            revisedAfterDeadline: try row.decode(10))
            if isParent {
                // The parent's own counts, over every indicator, are the total.
                let area = try row.decode(1, as: String.self), name = try row.decode(2, as: String.self)
                total = CompletenessRow(area: area, name: name, indicator: nil, counts: (total?.counts ?? CompletenessCounts()) + counts)
            } else if !byIndicator || indicatorCode != nil {
                children.append(CompletenessRow(area: try row.decode(1), name: try row.decode(2), indicator: byIndicator ? indicatorCode : nil, counts: counts))
            }
        }
        guard let total else { throw StoreError(.notFound, "area '\(parent)' did not exist in \(month)") }
        return Completeness(month: month, parent: parent, indicator: indicator, byIndicator: byIndicator, total: total, rows: children)
    }

    func resolveParent(_ parent: String?, month: Month) async throws -> String {
        if let parent {
            _ = try await names.area(parent, in: month)
            return parent
        }
        return try await FeedRepository(database).root(in: month)
    }

    // MARK: - Closing a month

    /// Every leaf below `parent` (default: the one top-level area) in `month`, with its state.
    public func monthStates(month: Month, parent: String?) async throws -> MonthStates {
        let parent = try await resolveParent(parent, month: month)
        let rows = try await database.replica.query("""
            WITH RECURSIVE down(code) AS (
              SELECT \(parent)::text COLLATE "C"
              UNION SELECT c.code FROM down d JOIN areas c ON c.parent_code = d.code AND wb_counts_in(c.valid_from, c.valid_to, \(month.sqlDate)))
            SELECT a.code, a.name, coalesce(s.state, 'open'), s.submitted_by, wb_local_time(s.submitted_at),
                   s.approved_by, wb_local_time(s.approved_at), wb_local_time(s.reopened_at),
                   wb_month_locked(a.code, \(month.sqlDate))
            FROM down d
            JOIN areas a ON a.code = d.code AND wb_counts_in(a.valid_from, a.valid_to, \(month.sqlDate)) AND wb_is_leaf_kind(a.kind)
            LEFT JOIN month_states s ON s.area_code = a.code AND s.month = \(month.sqlDate)
            ORDER BY a.name, a.code
            """)
        return MonthStates(month: month, parent: parent, rows: try rows.map { row in
            MonthStateRow(area: try row.decode(0), name: try row.decode(1), state: try row.decode(2), submittedBy: try row.decode(3),
                          submittedAt: try row.decode(4), approvedBy: try row.decode(5), approvedAt: try row.decode(6),
                          reopenedAt: try row.decode(7), closed: try row.decode(8))
        })
    }

    /// A leaf's own editor (or an admin) declares its month final.
    public func submit(area: String, month: Month, by actor: TokenInfo) async throws -> String {
        try await submitOrWithdraw("submit", area: area, month: month, by: actor)
    }

    /// Whoever submitted (or an admin) takes the submission back.
    public func withdraw(area: String, month: Month, by actor: TokenInfo) async throws -> String {
        try await submitOrWithdraw("withdraw", area: area, month: month, by: actor)
    }

    private func submitOrWithdraw(_ action: String, area: String, month: Month, by actor: TokenInfo) async throws -> String {
        try await database.transaction { db in
            try await db.scalar("""
                SELECT wb_submit_month(\(action), \(area), \(month.sqlDate), \(Self.actorName(actor)), \(Int64(actor.id)), \(actor.role.rawValue), \(actor.areaCode))
                """, as: String.self) ?? "open"
        }
    }

    /// An editor of an area above (or an admin) approves the submitted months of `area` (a leaf)
    /// or of every leaf below it; returns what happened to each leaf.
    public func approve(area: String, month: Month, by actor: TokenInfo) async throws -> [ApprovalOutcome] {
        try await database.transaction { db in
            try await db.query("""
                SELECT area_code, outcome FROM wb_approve_month(\(area), \(month.sqlDate), \(Self.actorName(actor)), \(Int64(actor.id)),
                                                                \(actor.role.rawValue), \(actor.areaCode))
                """).map { row in ApprovalOutcome(area: try row.decode(0), outcome: try row.decode(1)) }
        }
    }

    /// Whoever may approve it reopens a leaf's month, with a reason.
    public func reopen(area: String, month: Month, reason: String, by actor: TokenInfo) async throws -> String {
        try await database.transaction { db in
            try await db.scalar("""
                SELECT wb_reopen_month(\(area), \(month.sqlDate), \(reason), \(Self.actorName(actor)), \(actor.role.rawValue), \(actor.areaCode))
                """, as: String.self) ?? "open"
        }
    }

    /// The audit history of an area's months (every area when nil), newest first.
    public func audit(area: String?, month: Month?, limit: Int = 1000) async throws -> [AuditEntry] {
        try await database.replica.query("""
            SELECT wb_local_time(at), actor, action, area_code, month, reason, detail FROM audit_log
            WHERE (\(area)::text IS NULL OR area_code = \(area)::text) AND (\(month?.sqlDate)::date IS NULL OR month = \(month?.sqlDate)::date)
            ORDER BY id DESC LIMIT \(Int64(limit))
            """).map { row in
            AuditEntry(at: try row.decode(0), actor: try row.decode(1), action: try row.decode(2), area: try row.decode(3),
                       month: Month(try row.decode(4, as: SQLDate.self)), reason: try row.decode(5), detail: try row.decode(6))
        }
    }

    /// How an actor is named in the audit history: the token's id and name.
    public static func actorName(_ token: TokenInfo) -> String { "token:\(token.id):\(token.name)" }
}
