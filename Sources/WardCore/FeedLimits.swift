/// How much one feed request may ask for: named once, checked where the request is read.
public enum FeedLimits {
    /// Areas in one series request.
    public static let maxAreas = 200
    /// Months in one series request (20 years).
    public static let maxMonths = 240

    /// `from` not after `to`, and at most ``maxMonths`` months from one to the other.
    public static func checkRange(from: Month, to: Month) throws(RuleViolation) {
        guard from <= to else { throw RuleViolation(field: "from", "\(from) is after to (\(to))") }
        guard to.index - from.index < maxMonths else { throw RuleViolation(field: "from", "a series spans at most \(maxMonths) months") }
    }
}
