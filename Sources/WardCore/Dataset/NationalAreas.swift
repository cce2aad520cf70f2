/// Viet Nam's administrative units through the 2025 reorganisation, to scale and synthetic:
/// one country; until 30 June 2025 63 provinces (5 of them centrally run cities), about 700
/// districts and 10,000 wards, communes and towns; from 1 July 2025 34 provinces and 3,321
/// wards, communes and special zones (13 đặc khu) directly under them, the district level gone.
///
/// Of the 63 provinces 11 continue unchanged; the other 52 merge in 23 groups of two or three,
/// the first of each continuing and absorbing the others. Each province's new units are formed
/// from 1–5 of its old ones (about 3): most as new areas, some as an old unit that continues and
/// absorbs its neighbours, and now and then an old unit split between two new ones (shares 0.4
/// and 0.6). Names are made of common Vietnamese place syllables; the structure and the counts
/// are what `generate --national` promises, not the real map.
public enum NationalAreas {
    public static let leavesBefore = 10_000
    public static let leavesAfter = 3_321
    public static let provincesBefore = 63
    public static let provincesAfter = 34
    public static let specialZones = 13
    public static let country = "viet-nam"

    static let start = LocalDate(year: 2000, month: 1, day: 1)
    static let lastDayBefore = LocalDate(year: 2025, month: 6, day: 30)
    static let firstDayAfter = LocalDate(year: 2025, month: 7, day: 1)
    public static let reorganisation = Month(year: 2025, month: 7) ?? Month(index: 0)

    static let syllables = ["An", "Bình", "Hòa", "Phú", "Tân", "Long", "Thạnh", "Mỹ", "Phước", "Hưng", "Đông", "Tây", "Nam",
                            "Bắc", "Trung", "Vĩnh", "Thuận", "Lộc", "Thới", "Khánh", "Hiệp", "Đức", "Lợi", "Hải", "Sơn",
                            "Thủy", "Lâm", "Quang", "Minh", "Thành", "Gia", "Hà", "Kim", "Ngọc", "Phong", "Cát", "Yên", "Xuân"]

    static func name(_ index: Int) -> String {
        let count = syllables.count
        return syllables[index % count] + " " + syllables[(index / count + index * 7 + 3) % count]
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// Splits `total` into `parts` whole numbers near `total / parts`, each at least `minimum`,
    /// with some spread (deterministic for `rng`).
    static func spread(_ total: Int, into parts: Int, minimum: Int, rng: inout SplitMix64) -> [Int] {
        var weights = (0..<parts).map { _ in Double.random(in: 0.55...1.45, using: &rng) }
        let sum = weights.reduce(0, +)
        weights = weights.map { $0 / sum }
        var sizes = weights.map { max(minimum, Int((Double(total) * $0).rounded())) }
        // Give or take one at a time until the sizes sum to the total.
        var index = 0
        while sizes.reduce(0, +) != total {
            let difference = total - sizes.reduce(0, +)
            if difference > 0 { sizes[index % parts] += 1 } else if sizes[index % parts] > minimum { sizes[index % parts] -= 1 }
            index += 1
        }
        return sizes
    }

    public static func make(seed: UInt64) -> (areas: [Area], successions: [Succession]) {
        var rng = SplitMix64(seed: seed ^ 0x4E41_5449_4F4E)
        var areas = [Area(code: country, name: "Việt Nam", kind: .country, parentCode: nil, validFrom: start, validTo: nil)]
        var successions = [Succession]()
        let july = reorganisation

        // Old provinces, their districts and their leaves.
        let provinceCodes = (1...provincesBefore).map { "t\(pad($0, 2))" }
        let leavesPerProvince = spread(leavesBefore, into: provincesBefore, minimum: 40, rng: &rng)
        var oldLeaves = [String: [Area]]()   // province → its leaves before July 2025, in order
        var nameIndex = 0
        for (index, province) in provinceCodes.enumerated() {
            let centrallyRun = index < 5
            areas.append(Area(code: province, name: (centrallyRun ? "Thành phố " : "Tỉnh ") + name(index * 11 + 5),
                              kind: centrallyRun ? .city : .province, parentCode: country, validFrom: start, validTo: nil))
            let districtCount = max(3, Int((Double(leavesPerProvince[index]) / 14).rounded()))
            let perDistrict = spread(leavesPerProvince[index], into: districtCount, minimum: 3, rng: &rng)
            var leaves = [Area]()
            for (d, leafCount) in perDistrict.enumerated() {
                let district = "\(province)-h\(pad(d + 1, 2))"
                let urban = centrallyRun ? d < districtCount / 2 : d == 0
                nameIndex += 1
                areas.append(Area(code: district, name: (urban ? (centrallyRun ? "Quận " : "Thành phố ") : "Huyện ") + name(nameIndex),
                                  kind: urban && !centrallyRun ? .city : .district, parentCode: province, validFrom: start, validTo: lastDayBefore))
                for x in 1...leafCount {
                    nameIndex += 1
                    let kind: AreaKind = urban ? .ward : (x == 1 ? .town : .commune)
                    let prefix = kind == .ward ? "Phường " : (kind == .town ? "Thị trấn " : "Xã ")
                    leaves.append(Area(code: "\(district)-x\(pad(x, 2))", name: prefix + name(nameIndex), kind: kind,
                                       parentCode: district, validFrom: start, validTo: lastDayBefore))
                }
            }
            areas.append(contentsOf: leaves)
            oldLeaves[province] = leaves
        }

        // The 34 provinces: 11 unchanged, 23 merged groups (6 of three, 17 of two).
        var groups = [[String]]()
        let unchanged = Set(stride(from: 2, to: 63, by: 6).map { provinceCodes[$0] })  // 11
        var pending = [String]()
        var triples = 6
        for code in provinceCodes where !unchanged.contains(code) {
            pending.append(code)
            if pending.count == (triples > 0 ? 3 : 2) {
                if pending.count == 3 { triples -= 1 }
                groups.append(pending)
                pending = []
            }
        }
        for code in provinceCodes where unchanged.contains(code) { groups.append([code]) }
        groups.sort { $0[0] < $1[0] }
        for group in groups {
            for absorbed in group.dropFirst() {
                if let index = areas.firstIndex(where: { $0.code == absorbed }) { areas[index].validTo = lastDayBefore }
                successions.append(Succession(fromCode: absorbed, toCode: group[0], effectiveMonth: july))
            }
        }

        // New units: each new province's quota of the 3,321, formed from its old leaves in order.
        let oldCounts = groups.map { $0.reduce(0) { $0 + (oldLeaves[$1]?.count ?? 0) } }
        var quotas = oldCounts.map { Int((Double($0) * Double(leavesAfter) / Double(leavesBefore)).rounded()) }
        quotas[quotas.count - 1] += leavesAfter - quotas.reduce(0, +)
        var zonesLeft = specialZones
        for (g, group) in groups.enumerated() {
            let province = group[0]
            let old = group.flatMap { oldLeaves[$0] ?? [] }
            let sizes = spread(old.count, into: quotas[g], minimum: 1, rng: &rng)
            var offset = 0
            var previousNew: String?
            for (u, size) in sizes.enumerated() {
                let members = Array(old[offset..<(offset + size)])
                offset += size
                let isZone = zonesLeft > 0 && u == 0 && g % 2 == 0
                let continues = !isZone && (size == 1 || Int.random(in: 0..<10, using: &rng) < 3)
                nameIndex += 1
                if continues {
                    let kept = members[0]
                    areas.append(Area(code: kept.code, name: kept.name, kind: kept.kind == .town ? .commune : kept.kind,
                                      parentCode: province, validFrom: firstDayAfter, validTo: nil))
                    for member in members.dropFirst() {
                        successions.append(Succession(fromCode: member.code, toCode: kept.code, effectiveMonth: july))
                    }
                    previousNew = nil
                    continue
                }
                if isZone { zonesLeft -= 1 }
                let code = "\(province)-\(isZone ? "dk" : "x")\(pad(u + 1, 3))"
                let kind: AreaKind = isZone ? .specialZone : (members.contains { $0.kind == .ward } ? .ward : .commune)
                let prefix = isZone ? "Đặc khu " : (kind == .ward ? "Phường " : "Xã ")
                areas.append(Area(code: code, name: prefix + name(nameIndex), kind: kind, parentCode: province, validFrom: firstDayAfter, validTo: nil))
                for (m, member) in members.enumerated() {
                    // Now and then the first old unit is split with the new unit before.
                    if m == 0, let previousNew, members.count > 1, u % 25 == 0 {
                        successions.append(Succession(fromCode: member.code, toCode: previousNew, effectiveMonth: july, share: "0.4"))
                        successions.append(Succession(fromCode: member.code, toCode: code, effectiveMonth: july, share: "0.6"))
                    } else {
                        successions.append(Succession(fromCode: member.code, toCode: code, effectiveMonth: july))
                    }
                }
                previousNew = code
            }
        }
        return (areas, successions)
    }
}
