import Foundation
import WardCore

/// How the reports expected of some leaves in a month stand (DATA.md "Completeness and
/// timeliness"): rates are null when nothing is expected, and can never pass 100 %.
public struct CompletenessCounts: Sendable, Equatable, FeedRow {
    public var expected: Int
    public var reported: Int
    public var onTime: Int
    public var late: Int
    public var missing: Int
    public var pending: Int
    public var revisedAfterDeadline: Int

    public init(expected: Int = 0, reported: Int = 0, onTime: Int = 0, late: Int = 0, missing: Int = 0, pending: Int = 0, revisedAfterDeadline: Int = 0) {
        self.expected = expected; self.reported = reported; self.onTime = onTime; self.late = late
        self.missing = missing; self.pending = pending; self.revisedAfterDeadline = revisedAfterDeadline
    }

    public var completenessPct: ExactDecimal? { Self.percent(reported, of: expected) }
    public var timelinessPct: ExactDecimal? { Self.percent(onTime, of: expected) }

    /// 100 × part ÷ whole, rounded half up to 2 places; nil when whole is 0.
    static func percent(_ part: Int, of whole: Int) -> ExactDecimal? {
        guard whole > 0 else { return nil }
        let hundredths = (part * 10_000 * 2 + whole) / (whole * 2)
        return ExactDecimal("\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)")
    }

    static func + (a: CompletenessCounts, b: CompletenessCounts) -> CompletenessCounts {
        CompletenessCounts(expected: a.expected + b.expected, reported: a.reported + b.reported, onTime: a.onTime + b.onTime,
                           late: a.late + b.late, missing: a.missing + b.missing, pending: a.pending + b.pending,
                           revisedAfterDeadline: a.revisedAfterDeadline + b.revisedAfterDeadline)
    }

    public static let columns = ["expected", "reported", "on_time", "late", "missing", "pending", "revised_after_deadline",
                                 "completeness_pct", "timeliness_pct"]
    public func visitCells<Visitor: FeedCellVisitor>(_ visitor: inout Visitor) {
        visitor.integer(expected); visitor.integer(reported); visitor.integer(onTime); visitor.integer(late)
        visitor.integer(missing); visitor.integer(pending); visitor.integer(revisedAfterDeadline)
        visitor.number(completenessPct); visitor.number(timelinessPct)
    }
}

/// The counts of one area (or one area and indicator) in a month.
public struct CompletenessRow: Sendable, Equatable, FeedRow {
    public var area: String
    public var name: String
    /// Set when the rows are per indicator (`by=indicator`).
    public var indicator: String?
    public var counts: CompletenessCounts

    public static let columns = ["area", "name"] + CompletenessCounts.columns
    public static let indicatorColumns = ["area", "name", "indicator"] + CompletenessCounts.columns

    public func visitCells<Visitor: FeedCellVisitor>(_ visitor: inout Visitor) {
        visitor.text(area); visitor.text(name)
        if let indicator { visitor.text(indicator) }
        counts.visitCells(&visitor)
    }
}

/// `GET /api/v1/completeness`: one row per child of the parent in the month (or per child and
/// indicator), and the parent's own counts as `total`.
public struct Completeness: Sendable, Equatable {
    public var month: Month
    public var parent: String
    public var indicator: String?
    public var byIndicator: Bool
    public var total: CompletenessRow
    public var rows: [CompletenessRow]
    public var columns: [String] { byIndicator ? CompletenessRow.indicatorColumns : CompletenessRow.columns }
}

/// A leaf's month: open, submitted or approved, with who and when (DATA.md "Closing a month").
public struct MonthStateRow: Sendable, Equatable, FeedRow {
    public var area: String
    public var name: String
    public var state: String
    public var submittedBy: String?
    public var submittedAt: String?
    public var approvedBy: String?
    public var approvedAt: String?
    public var reopenedAt: String?
    /// Whether writes are refused (approved, or locked by age).
    public var closed: Bool

    public static let columns = ["area", "name", "state", "submitted_by", "submitted_at", "approved_by", "approved_at", "reopened_at", "closed"]
    public func visitCells<Visitor: FeedCellVisitor>(_ visitor: inout Visitor) {
        visitor.text(area); visitor.text(name); visitor.text(state); visitor.text(submittedBy); visitor.text(submittedAt)
        visitor.text(approvedBy); visitor.text(approvedAt); visitor.text(reopenedAt); visitor.bool(closed)
    }
}

public struct MonthStates: Sendable, Equatable {
    public var month: Month
    public var parent: String
    public var rows: [MonthStateRow]
}

/// What one approval did to each leaf below the area approved.
public struct ApprovalOutcome: Sendable, Equatable, Codable {
    public var area: String
    /// approved, not_submitted, approved_already or submitted_by_you.
    public var outcome: String
}

/// One entry of the audit history.
public struct AuditEntry: Sendable, Equatable, FeedRow {
    public var at: String
    public var actor: String
    public var action: String
    public var area: String
    public var month: Month
    public var reason: String?
    public var detail: String?

    public static let columns = ["at", "actor", "action", "area", "month", "reason", "detail"]
    public func visitCells<Visitor: FeedCellVisitor>(_ visitor: inout Visitor) {
        visitor.text(at); visitor.text(actor); visitor.text(action); visitor.text(area); visitor.text(month.description)
        visitor.text(reason); visitor.text(detail)
    }
}
