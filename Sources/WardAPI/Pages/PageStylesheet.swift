import HTTPTypes
import Hummingbird
import NIOCore

/// The one stylesheet, served by the app under a name that changes with its content, so a
/// browser may keep it for a year. Colours pass WCAG AA on white; the tables scroll sideways on a
/// 360 px screen; the print rules give the review sheet an A4 page.
enum PageStylesheet {
    static let css = """
    :root { color-scheme: light; --ink: #1b1b1f; --muted: #555b61; --line: #d0d4d9; --link: #0b4fb3; --good: #0a6b2e; --bad: #b3261e; --warn: #8a5300; --band: #f3f5f7; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 15px/1.45 system-ui, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif; color: var(--ink); background: #fff; }
    header.top { display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; align-items: center; padding: .6rem 1rem; border-bottom: 1px solid var(--line); }
    .brand { font-weight: 700; }
    nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; align-items: center; }
    a { color: var(--link); }
    main { padding: 1rem; max-width: 1200px; }
    h1 { font-size: 1.35rem; margin: .2rem 0 .6rem; }
    h2 { font-size: 1.1rem; margin: 1.2rem 0 .4rem; }
    form.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; margin: 0 0 1rem; }
    form.filters label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
    form.filters > label { max-width: 100%; min-width: 0; }
    select, input { max-width: 100%; }
    select, input, button { font: inherit; padding: .3rem .4rem; border: 1px solid #8a9096; border-radius: 4px; background: #fff; color: var(--ink); }
    button { background: var(--link); color: #fff; border-color: var(--link); cursor: pointer; }
    form.inline { display: inline; }
    form.inline button { background: #fff; color: var(--link); }
    .scroll { overflow-x: auto; }
    table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
    .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
    table.sheet { table-layout: fixed; } table.sheet th:first-child { width: 30%; }
    caption { text-align: left; color: var(--muted); font-size: .85rem; padding: .2rem 0; }
    th, td { padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: middle; }
    th { text-align: left; font-weight: 600; background: var(--band); }
    tbody th { background: none; font-weight: 500; min-width: 9rem; }
    td.num, th.num { text-align: right; white-space: nowrap; }
    tr.total td { font-weight: 700; border-top: 2px solid var(--ink); }
    tr.worsened td { background: #fdf0ef; }
    .good { color: var(--good); } .bad { color: var(--bad); } .muted { color: var(--muted); } .warn { color: var(--warn); }
    .flag { font-weight: 700; }
    svg.sparkline polyline.spark { fill: none; stroke: var(--link); stroke-width: 1.5; }
    svg.bar .bar-track { fill: #e3e6ea; } svg.bar .bar-fill { fill: #7a8793; } svg.bar .bar-done { fill: var(--good); }
    svg.bar .bar-mark { stroke: var(--ink); stroke-width: 1; }
    svg.chart { width: 100%; max-width: 760px; height: auto; }
    svg.chart .grid { stroke: #e3e6ea; } svg.chart .axis, svg.chart .legend, svg.chart .mark-label { font-size: 11px; fill: var(--muted); }
    svg.chart .mark { stroke: var(--bad); stroke-dasharray: 4 3; }
    svg.chart .line { fill: none; stroke-width: 2; }
    .s0 { stroke: #0b4fb3; fill: #0b4fb3; } .s1 { stroke: #b3261e; fill: #b3261e; } .s2 { stroke: #0a6b2e; fill: #0a6b2e; } .s3 { stroke: #8a5300; fill: #8a5300; }
    .s4 { stroke: #6a1b9a; fill: #6a1b9a; } .s5 { stroke: #00695c; fill: #00695c; } .s6 { stroke: #37474f; fill: #37474f; } .s7 { stroke: #ad1457; fill: #ad1457; }
    svg.chart polyline.line { fill: none; }
    .lists { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: .5rem 2rem; }
    .lists ul { margin: .2rem 0; padding-left: 1.2rem; }
    .meta { color: var(--muted); font-size: .85rem; }
    .error { color: var(--bad); font-weight: 600; }
    @media print {
      @page { size: A4; margin: 14mm 12mm; }
      header.top, form.filters, nav, .noprint { display: none; }
      body { font-size: 10.5pt; }
      main { padding: 0; max-width: none; }
      th { background: none; }
      tr.worsened td { background: none; }
      tr { break-inside: avoid; }
      a { color: inherit; text-decoration: none; }
    }
    """

    static let version: String = {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in css.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return String(hash, radix: 16)
    }()

    static let path = "/assets/wardboard-\(version).css"

    static func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/css; charset=utf-8"
        headers[.cacheControl] = "public, max-age=31536000, immutable"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: css)))
    }
}
