import WardTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import WardAPI
import WardCore
@_spi(Testing) import WardStore

/// The pages (the browser test, scripts/page-check, reads their numbers back in Chromium): the
/// reader's number and month formats, escaping, and the sign-in with its cookie.
@Suite struct PagesTests {
    @Test func numbersAndMonthsAsTheReaderWritesThem() throws {
        let vi = PageLanguage.vi, en = PageLanguage.en
        #expect(vi.number(ExactDecimal("1234567")) == "1.234.567" && en.number(ExactDecimal("1234567")) == "1,234,567")
        #expect(vi.number(ExactDecimal("-1234.5")) == "−1.234,5" && en.number(ExactDecimal("0.25")) == "0.25")
        #expect(vi.percent(ExactDecimal("12.45")) == "12,5 %" && en.percent(ExactDecimal("12.44")) == "12.4%")
        #expect(vi.percent(ExactDecimal("99.96")) == "100 %" && vi.percent(nil) == "–")
        #expect(vi.month(Month(index: 2026 * 12 + 10)) == "Tháng 11/2026" && en.month(Month(index: 2026 * 12 + 10)) == "November 2026")
        #expect(vi.unit("VND") == "đồng")
    }

    @Test func dataIsEscapedAndRedirectsStayOnTheSite() {
        #expect(HTML.text("<script>alert('x') & \"y\"</script>").markup == "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;")
        #expect(HTML.element("a", [("href", "/?a=1&b=\"2\"")], [.text("Mỹ Thới")]).markup == "<a href=\"/?a=1&amp;b=&quot;2&quot;\">Mỹ Thới</a>")
        #expect(WardAPI.safeNext("/chart?x=1") == "/chart?x=1")
        for outside in ["//evil.example/", "https://evil.example/", "/\\evil", "chart", nil] { #expect(WardAPI.safeNext(outside) == "/") }
    }

    @Test func signInKeepsTheTokenInAnHttpOnlyCookie() async throws {
        try await TestStore.withDatabase { database, url in
            let world = try await APIWorld.make(database, url: url)
            try await world.app(.init(publicRead: false)).test(.router) { client in
                try await client.execute(uri: "/?indicator=thefts&month=2026-10&parent=an-giang", method: .get) { response in
                    #expect(response.status == .seeOther)
                    #expect(response.headers[.location] == "/login?next=%2F%3Findicator%3Dthefts%26month%3D2026-10%26parent%3Dan-giang")
                }
                try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                         body: ByteBuffer(string: "token=wb_unknown&next=%2Fchart")) { #expect($0.status == .unauthorized) }
                let cookie = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                      body: ByteBuffer(string: "token=\(world.viewer)&next=%2F%3Findicator%3Dthefts")) { response in
                    #expect(response.status == .seeOther && response.headers[.location] == "/?indicator=thefts")
                    let setCookie = try #require(response.headers[.setCookie])
                    #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Path=/"))
                    return try #require(setCookie.split(separator: ";").first).description
                }
                try await client.execute(uri: "/?indicator=thefts&month=2026-10&parent=an-giang", method: .get, headers: [.cookie: cookie]) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                    #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
                    #expect(response.text.contains("Phường Mỹ Thới") && response.text.contains("<html lang=\"vi\">") && !response.text.contains("<script"))
                }
                try await client.execute(uri: "/areas/nowhere?month=2026-10", method: .get, headers: [.cookie: cookie]) { response in
                    #expect(response.status == .notFound && response.headers[.contentType] == "text/html; charset=utf-8")
                }
                try await client.execute(uri: PageStylesheet.path, method: .get) { response in
                    #expect(response.status == .ok && response.headers[.cacheControl]?.contains("immutable") == true)
                }
            }
        }
    }
}
