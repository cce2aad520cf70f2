import Foundation
import Hummingbird
import WardCore

/// A request's query parameters, read with their checks: every code, month and word is checked
/// here, before it reaches the store, and a bad one is a 400 naming the parameter. An empty
/// parameter counts as absent.
struct RequestParameters {
    let parameters: Parameters

    init(_ request: Request) { parameters = request.uri.queryParameters }

    /// The raw text, nil when absent; never empty (`?month=` is refused: leave a parameter out for
    /// its default) and never with a control character (a NUL byte, say).
    func text(_ name: String) throws -> String? {
        guard let text = parameters.get(name) else { return nil }
        guard !text.isEmpty else { throw Problem.badParameter(name, "is empty; leave it out for the default") }
        do { return try Rules.text(text, field: name) } catch { throw Problem.badParameter(name, error.message) }
    }

    func required(_ name: String) throws -> String {
        guard let text = try text(name) else { throw Problem.badParameter(name, "is required") }
        return text
    }

    func code(_ name: String, _ kind: Code.Kind) throws -> String? {
        guard let text = try text(name) else { return nil }
        do { return try Code.check(text, kind, field: name) } catch { throw Problem.badParameter(name, error.message) }
    }

    func requiredCode(_ name: String, _ kind: Code.Kind) throws -> String {
        guard let code = try code(name, kind) else { throw Problem.badParameter(name, "is required") }
        return code
    }

    /// A comma-separated list of 1 to `limit` codes.
    func codes(_ name: String, _ kind: Code.Kind, limit: Int) throws -> [String] {
        let parts = try required(name).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= limit, !parts.contains("") else { throw Problem.badParameter(name, "give 1 to \(limit) codes separated by commas") }
        for part in parts {
            do { _ = try Code.check(part, kind, field: name) } catch { throw Problem.badParameter(name, error.message) }
        }
        return parts
    }

    func month(_ name: String) throws -> Month? {
        guard let text = try text(name) else { return nil }
        do { return try Rules.month(text, field: name) } catch { throw Problem.badParameter(name, error.message) }
    }

    /// One of a fixed set of words (`lineage=reported|comparable`), `value` when absent.
    func choice<Choice: RawRepresentable & CaseIterable>(_ name: String, default value: Choice) throws -> Choice where Choice.RawValue == String {
        try choice(name, as: Choice.self) ?? value
    }

    func choice<Choice: RawRepresentable & CaseIterable>(_ name: String, as: Choice.Type) throws -> Choice? where Choice.RawValue == String {
        guard let text = try text(name) else { return nil }
        guard let choice = Choice(rawValue: text) else {
            throw Problem.badParameter(name, "'\(Printable.excerpt(text))' is not one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return choice
    }
}
