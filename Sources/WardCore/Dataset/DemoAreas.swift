/// Long Xuyên, An Giang, as DATA.md tells it: the city until 30 June 2025, then the wards directly
/// under the province after Resolution 1654/NQ-UBTVQH15.
public enum DemoAreas {
    /// The ward whose reports are late most months (the demo's review shows it).
    public static let habituallyLate = "my-thoi"
    /// The commune whose thefts jump tenfold in the last month (an outlier the quality feed finds).
    public static let theftSurge = "my-hoa-hung"

    static let before = LocalDate(year: 2025, month: 6, day: 30)
    static let after = LocalDate(year: 2025, month: 7, day: 1)
    static let start = LocalDate(year: 2000, month: 1, day: 1)

    public static var areas: [Area] {
        var areas = [
            Area(code: "an-giang", name: "Tỉnh An Giang", kind: .province, parentCode: nil, validFrom: start, validTo: nil),
            Area(code: "tp-long-xuyen", name: "Thành phố Long Xuyên", kind: .city, parentCode: "an-giang", validFrom: start, validTo: before),
        ]
        let wards: [(String, String, AreaKind, LocalDate?)] = [
            ("my-binh", "Phường Mỹ Bình", .ward, before), ("my-long", "Phường Mỹ Long", .ward, before),
            ("dong-xuyen", "Phường Đông Xuyên", .ward, LocalDate(year: 2024, month: 12, day: 31)),
            ("my-xuyen", "Phường Mỹ Xuyên", .ward, before), ("binh-khanh", "Phường Bình Khánh", .ward, before),
            ("my-phuoc", "Phường Mỹ Phước", .ward, before), ("my-quy", "Phường Mỹ Quý", .ward, before),
            ("my-thanh", "Phường Mỹ Thạnh", .ward, before), ("my-hoa", "Phường Mỹ Hòa", .ward, before),
            ("my-khanh", "Xã Mỹ Khánh", .commune, before),
        ]
        for (code, name, kind, end) in wards {
            areas.append(Area(code: code, name: name, kind: kind, parentCode: "tp-long-xuyen", validFrom: start, validTo: end))
        }
        // Continuing areas: one row under the city, one under the province.
        for (code, name, kind) in [("binh-duc", "Phường Bình Đức", AreaKind.ward), ("my-thoi", "Phường Mỹ Thới", .ward), ("my-hoa-hung", "Xã Mỹ Hòa Hưng", .commune)] {
            areas.append(Area(code: code, name: name, kind: kind, parentCode: "tp-long-xuyen", validFrom: start, validTo: before))
            areas.append(Area(code: code, name: name, kind: kind, parentCode: "an-giang", validFrom: after, validTo: nil))
        }
        areas.append(Area(code: "long-xuyen", name: "Phường Long Xuyên", kind: .ward, parentCode: "an-giang", validFrom: after, validTo: nil))
        return areas
    }

    public static var successions: [Succession] {
        let january = Month(year: 2025, month: 1) ?? Month(index: 0)
        let july = Month(year: 2025, month: 7) ?? Month(index: 0)
        var list = [Succession(fromCode: "dong-xuyen", toCode: "my-xuyen", effectiveMonth: january)]
        for code in ["my-binh", "my-long", "my-xuyen", "my-phuoc", "my-quy", "my-hoa"] {
            list.append(Succession(fromCode: code, toCode: "long-xuyen", effectiveMonth: july))
        }
        list.append(Succession(fromCode: "binh-khanh", toCode: "binh-duc", effectiveMonth: july))
        list.append(Succession(fromCode: "my-khanh", toCode: "binh-duc", effectiveMonth: july))
        list.append(Succession(fromCode: "my-thanh", toCode: "my-thoi", effectiveMonth: july))
        return list
    }
}
