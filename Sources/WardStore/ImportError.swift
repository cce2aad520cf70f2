/// A file that was not imported, and why: every problem as `file:line: column: message`.
public struct ImportError: Error, Sendable, CustomStringConvertible {
    public let file: String
    /// The first problems, by line (at most ``shownLimit``).
    public let problems: [InputProblem]
    /// All problems found, shown or not.
    public let total: Int
    /// A problem with the file as a whole (empty, wrong header, not CSV…).
    public let fileProblem: String?
    /// Every problem is a closed month: the write conflicts with the state of the data (409),
    /// which an admin may override with a reason.
    public let closedMonths: Bool

    public static let shownLimit = 20

    public init(file: String, problems: [InputProblem], total: Int, closedMonths: Bool = false) {
        self.file = file
        self.problems = Array(problems.prefix(Self.shownLimit))
        self.total = total
        self.fileProblem = nil
        self.closedMonths = closedMonths
    }

    public init(file: String, _ message: String) {
        self.file = file
        self.problems = []
        self.total = 1
        self.fileProblem = message
        self.closedMonths = false
    }

    public var description: String {
        if let fileProblem { return "\(file): \(fileProblem); nothing from \(file) was written" }
        var lines = problems.map { "\(file):\($0.line.map(String.init) ?? "?"): \($0.field): \($0.message)" }
        if total > problems.count { lines.append("… and \(total - problems.count) more problems") }
        lines.append("\(file): \(total) problem\(total == 1 ? "" : "s"); nothing from \(file) was written")
        return lines.joined(separator: "\n")
    }
}
