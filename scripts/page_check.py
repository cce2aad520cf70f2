"""Drives the pages in headless Chromium (scripts/page-check): signs in, reads the numbers from
the DOM and compares them with the JSON feeds for the same request, follows the forms, signs
out, and writes a screenshot of each page under .build/screenshots/. Exits 1 on any failure."""
import json
import os
import sys
import urllib.request
from decimal import Decimal

from playwright.sync_api import sync_playwright

BASE = os.environ["BASE"]
TOKEN = os.environ["TOKEN"]
OUT = os.environ.get("OUT", ".build/screenshots")
failures = []
passed = 0


def check(condition, message):
    global passed
    if condition:
        passed += 1
    else:
        failures.append(message)
        print("page-check: FAILED:", message, file=sys.stderr)


def api(path):
    request = urllib.request.Request(BASE + path, headers={"Authorization": "Bearer " + TOKEN})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read(), parse_float=Decimal, parse_int=Decimal)


def same(raw, value):
    """A cell's data-raw against a JSON value: both empty, or the same number."""
    if value is None:
        return raw == ""
    return raw != "" and Decimal(raw) == Decimal(value)


def shot(page, name):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name + ".png")
    page.screenshot(path=path, full_page=True)
    size = os.path.getsize(path)
    # A blank page compresses to a few hundred bytes; a page with a table and text does not.
    check(size > 8000, f"screenshot {name} is not blank ({size} bytes)")


with sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path=os.environ["CHROMIUM"], args=["--no-sandbox", "--disable-gpu"])
    context = browser.new_context(viewport={"width": 1100, "height": 800}, locale="vi-VN")
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    compare_query = "?indicator=thefts&month=2026-10&parent=an-giang"
    # Without a session the page asks for a token, then comes back to where it was.
    page.goto(BASE + "/" + compare_query)
    check("/login" in page.url, f"an anonymous visit is sent to /login ({page.url})")
    page.fill("input[name=token]", "wb_not_a_token")
    page.click("button[type=submit]")
    check(page.locator("p.error").count() == 1, "a wrong token is refused with a message")
    errors.clear()  # the refused sign-in answered 401 on purpose; from here on, no error at all
    page.fill("input[name=token]", TOKEN)
    page.click("button[type=submit]")
    check(page.url == BASE + "/" + compare_query, f"signing in returns to the page asked for ({page.url})")
    session = [c for c in context.cookies() if c["name"] == "wardboard_session"]
    check(len(session) == 1 and session[0]["httpOnly"] and session[0]["sameSite"] == "Strict", "the session cookie is HttpOnly and SameSite=Strict")
    check("token=" not in page.url, "the token never appears in the URL")

    # The comparison shows the numbers of /api/v1/compare.
    check(page.locator("html").get_attribute("lang") == "vi", "the page is in Vietnamese")
    compare = api("/api/v1/compare" + compare_query)
    for row in compare["rows"]:
        line = page.locator(f'#comparison tr[data-area="{row["area"]}"]')
        check(line.count() == 1, f'{row["area"]} has a row')
        for field in ["value", "change", "yoy_change_pct", "ytd", "share_pct", "rank", "target_pct"]:
            raw = line.locator(f'td[data-field="{field}"]').get_attribute("data-raw")
            check(same(raw, row[field]), f'{row["area"]} {field}: page {raw!r}, feed {row[field]}')
        name = line.locator("th a").inner_text()
        check(name == row["name"], f'{row["area"]} is named {row["name"]} ({name})')
    total = page.locator(f'#comparison tr.total td[data-field="value"]').get_attribute("data-raw")
    check(same(total, compare["total"]["value"]), f"the total: page {total}, feed {compare['total']['value']}")
    check(page.locator("#comparison svg.sparkline").count() >= len(compare["rows"]) - 1, "a sparkline beside the areas")
    check(page.locator("#comparison .flag.warn").count() >= 1, "the planted outlier is marked")
    check(len(page.content().encode()) < 150_000, "the comparison page weighs under 150 KB")
    shot(page, "compare")

    # The form navigates: another indicator, a shareable URL.
    page.select_option("select[name=indicator]", "budget_revenue")
    page.click("form.filters button[type=submit]")
    check("indicator=budget_revenue" in page.url, f"the form leads to a URL of its choice ({page.url})")
    budget = api("/api/v1/compare?indicator=budget_revenue&month=2026-10&parent=an-giang")
    first = budget["rows"][0]
    raw = page.locator(f'#comparison tr[data-area="{first["area"]}"] td[data-field="value"]').get_attribute("data-raw")
    check(same(raw, first["value"]), f"budget revenue of {first['area']}: page {raw}, feed {first['value']}")
    check("đ" in page.locator("#comparison thead").inner_text() or "đồng" in page.locator("#comparison thead").inner_text(), "money is in đồng")

    # The chart: the same rows as /api/v1/series.
    chart_query = "?indicator=thefts&areas=long-xuyen,binh-duc&from=2024-01&to=2026-10&lineage=comparable"
    page.goto(BASE + "/chart" + chart_query)
    series = api("/api/v1/series" + chart_query)
    check(page.locator("svg.chart title").count() == 1, "the chart has a title")
    check(page.locator("svg.chart line.mark").count() >= 1, "the 2025 reorganisation is marked")
    for row in series["rows"]:
        raw = page.locator(f'#series tr[data-month="{row["month"]}"] td[data-area="{row["area"]}"]').get_attribute("data-raw")
        check(same(raw, row["value"]), f'chart {row["area"]} {row["month"]}: page {raw}, feed {row["value"]}')
    shot(page, "chart")

    # The review sheet of a ward: the same figures as /api/v1/areas/{code}/report.
    page.goto(BASE + "/areas/my-thoi?month=2026-10")
    report = api("/api/v1/areas/my-thoi/report?month=2026-10")
    shown = 0
    for row in report["rows"]:
        line = page.locator(f'tr[data-indicator="{row["indicator"]}"]')
        if line.count() == 0:
            check(row["value"] is None and row["status"] is None, f'{row["indicator"]} has figures but no row')
            continue
        shown += 1
        for field in ["value", "change", "yoy_change_pct", "target_pct"]:
            raw = line.locator(f'td[data-field="{field}"]').get_attribute("data-raw")
            check(same(raw, row[field]), f'sheet {row["indicator"]} {field}: page {raw!r}, feed {row[field]}')
    check(shown >= 10, f"the sheet shows the indicators ({shown})")
    check(page.locator("#strengths").count() == 1 and page.locator("#weaknesses").count() == 1, "strengths and weaknesses open the sheet")
    shot(page, "review-sheet")

    # Printed, the sheet is the page the meeting reads: no navigation or forms, the ward's name,
    # the month and when the figures were computed, on A4.
    page.emulate_media(media="print")
    check(all(not page.locator(sel).first.is_visible() for sel in ["header.top", "form.filters", "nav"] if page.locator(sel).count()),
          "printing hides the navigation and the forms")
    printed = page.locator("main").inner_text()
    check("Mỹ Thới" in printed and "Tháng 10/2026" in printed, "the printed sheet names the ward and the month")
    check("Số liệu tính lúc" in printed, "the printed sheet says when the figures were computed")
    pdf = page.pdf(format="A4")
    check(pdf[:4] == b"%PDF" and len(pdf) > 10_000, f"the sheet prints to an A4 PDF ({len(pdf)} bytes)")
    page.emulate_media(media="screen")

    # Contrast (WCAG AA, 4.5:1 for text): every visible text element against the background
    # it is drawn on, as the browser computed both.
    low = page.evaluate("""() => {
      const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
      const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
                                          .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
      const background = el => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
                                   if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3); } return [255, 255, 255]; };
      const bad = [];
      for (const el of document.querySelectorAll('body *')) {
        if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
        const style = getComputedStyle(el);
        if (style.visibility === 'hidden' || style.display === 'none' || el.getClientRects().length === 0) continue;
        const [a, b] = [lum(rgb(style.color).slice(0, 3)), lum(background(el))];
        const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        if (ratio < 4.5) bad.push(el.tagName + '.' + el.className + ' ' + ratio.toFixed(2));
      }
      return bad;
    }""")
    check(low == [], f"text contrast at least 4.5:1 on the review sheet ({low[:5]})")

    # English, on request.
    page.goto(BASE + "/" + compare_query + "&lang=en")
    check(page.locator("html").get_attribute("lang") == "en" and "Ward comparison" in page.inner_text("h1"), "English with ?lang=en")

    # At 360 px wide nothing spills out of the page but the tables, which scroll.
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(BASE + "/" + compare_query)
    width = page.evaluate("document.documentElement.scrollWidth")
    check(width <= 360, f"usable at 360 px (the page is {width} px wide)")
    shot(page, "compare-360")

    # Signing out ends the session.
    page.set_viewport_size({"width": 1100, "height": 800})
    page.click("form[action='/logout'] button")
    check("/login" in page.url, "signing out leads to /login")
    page.goto(BASE + "/chart")
    check("/login" in page.url, "after signing out the pages ask for a token again")

    check(errors == [], f"no console errors ({errors})")
    browser.close()

print(f"page-check: {passed} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
