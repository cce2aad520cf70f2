import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import WardCore

/// The frame every page shares: the language, the navigation, the one stylesheet, and the
/// headers (Content-Security-Policy: nothing runs, nothing loads from elsewhere).
struct PageLayout {
    var language: PageLanguage
    var title: String
    /// Whether a session cookie is in use (then the page offers to sign out).
    var signedIn: Bool
    /// The path and query of this page, for the language switch.
    var path: String
    var query: [(String, String?)]

    func render(_ body: HTML) -> HTML {
        let other: PageLanguage = language == .vi ? .en : .vi
        let switchURL = path + queryString(query.filter { $0.0 != "lang" } + [("lang", other == .vi ? nil : other.rawValue)])
        var navigation: [HTML] = [
            HTML.element("a", [("href", "/" + queryString([("lang", language == .en ? "en" : nil)]))], [.text(language[.comparison])]),
            HTML.element("a", [("href", "/chart" + queryString([("lang", language == .en ? "en" : nil)]))], [.text(language[.chart])]),
            HTML.element("a", [("href", switchURL), ("lang", other.rawValue), ("hreflang", other.rawValue)], [.text(other == .en ? "English" : "Tiếng Việt")]),
        ]
        if signedIn {
            navigation.append(HTML.element("form", [("method", "post"), ("action", "/logout"), ("class", "inline")],
                                           [HTML.element("button", [("type", "submit")], [.text(language[.logout])])]))
        }
        return HTML(raw: "<!DOCTYPE html>") + HTML.element("html", [("lang", language.rawValue)], [
            HTML.element("head", [], [
                HTML.void("meta", [("charset", "utf-8")]),
                HTML.void("meta", [("name", "viewport"), ("content", "width=device-width, initial-scale=1")]),
                HTML.element("title", [], [.text(title + " · Wardboard")]),
                HTML.void("link", [("rel", "stylesheet"), ("href", PageStylesheet.path)]),
                // No icon to fetch (the browser would ask for /favicon.ico).
                HTML.void("link", [("rel", "icon"), ("href", "data:,")]),
            ]),
            HTML.element("body", [], [
                HTML.element("header", [("class", "top")], [
                    HTML.element("span", [("class", "brand")], ["Wardboard"]),
                    HTML.element("nav", [("aria-label", "Wardboard")], navigation),
                ]),
                HTML.element("main", [], [body]),
            ]),
        ])
    }

    static func response(_ html: HTML, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html.markup)))
    }

    /// No script at all, styles only from the app's own stylesheet, forms only to the app.
    static let contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}
