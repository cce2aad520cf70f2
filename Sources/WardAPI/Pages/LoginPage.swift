/// `GET /login`: one field for a token; the app keeps it in an HttpOnly cookie, never in a URL.
struct LoginPage {
    var language: PageLanguage
    var next: String
    var failed: Bool

    func body() -> HTML {
        [
            HTML.element("h1", [], [.text(language[.login])]),
            failed ? HTML.element("p", [("class", "error"), ("role", "alert")], [.text(language[.badToken])]) : "",
            HTML.element("form", [("method", "post"), ("action", "/login"), ("class", "filters")], [
                HTML.element("label", [], [.text(language[.token]),
                                           HTML.void("input", [("type", "password"), ("name", "token"), ("required", ""), ("autocomplete", "current-password"), ("size", "48")])]),
                HTML.void("input", [("type", "hidden"), ("name", "next"), ("value", next)]),
                HTML.element("button", [("type", "submit")], [.text(language[.login])]),
            ]),
            HTML.element("p", [("class", "meta")], [.text(language[.loginHelp])]),
        ].joined()
    }
}
