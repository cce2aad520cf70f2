/// A value that breaks one of DATA.md's rules, with the field it is about.
public struct RuleViolation: Error, Sendable, Equatable, CustomStringConvertible {
    /// The column or JSON field (`area_code`, `month`, `value`…).
    public let field: String
    /// What is wrong, in a sentence a person understands.
    public let message: String

    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}
