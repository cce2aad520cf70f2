import Foundation
import Hummingbird
import WardCore
import WardStore

struct AreaRow: Codable {
    var code: String
    var name: String
    var kind: String
    var parent: String?
    var validFrom: LocalDate
    var validTo: LocalDate?

    enum CodingKeys: String, CodingKey { case code, name, kind, parent, validFrom = "valid_from", validTo = "valid_to" }
    init(_ area: Area) {
        code = area.code; name = area.name; kind = area.kind.rawValue; parent = area.parentCode
        validFrom = area.validFrom; validTo = area.validTo
    }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code); try container.encode(name, forKey: .name); try container.encode(kind, forKey: .kind)
        try container.encode(parent, forKey: .parent); try container.encode(validFrom, forKey: .validFrom); try container.encode(validTo, forKey: .validTo)
    }
    static let columns = ["code", "name", "kind", "parent", "valid_from", "valid_to"]
    var fields: [String] { [code, name, kind, parent ?? "", validFrom.description, validTo?.description ?? ""] }
}

struct IndicatorRow: Codable {
    var code, nameVi, nameEn, unit, kind, direction, category: String
    var numerator, denominator: String?
    var cutoffDay, dueDays: Int?
    var required: Bool
    var expectedFrom: String?
    enum CodingKeys: String, CodingKey {
        case code, nameVi = "name_vi", nameEn = "name_en", unit, kind, direction, category, numerator, denominator, cutoffDay = "cutoff_day"
        case dueDays = "due_days", required, expectedFrom = "expected_from"
    }
    init(_ i: Indicator) {
        code = i.code; nameVi = i.nameVi; nameEn = i.nameEn; unit = i.unit; kind = i.kind.rawValue; direction = i.direction.rawValue
        category = i.category; numerator = i.numeratorCode; denominator = i.denominatorCode; cutoffDay = i.cutoffDay
        dueDays = i.dueDays; required = i.required; expectedFrom = i.expectedFrom?.description
    }
    func encode(to encoder: any Encoder) throws {
        // Every member, null included (charts and spreadsheets expect every column).
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code); try container.encode(nameVi, forKey: .nameVi); try container.encode(nameEn, forKey: .nameEn)
        try container.encode(unit, forKey: .unit); try container.encode(kind, forKey: .kind); try container.encode(direction, forKey: .direction)
        try container.encode(category, forKey: .category); try container.encode(numerator, forKey: .numerator)
        try container.encode(denominator, forKey: .denominator); try container.encode(cutoffDay, forKey: .cutoffDay)
        try container.encode(dueDays, forKey: .dueDays); try container.encode(required, forKey: .required)
        try container.encode(expectedFrom, forKey: .expectedFrom)
    }
    static let columns = ["code", "name_vi", "name_en", "unit", "kind", "direction", "category", "numerator", "denominator", "cutoff_day",
                          "due_days", "required", "expected_from"]
    var fields: [String] {
        [code, nameVi, nameEn, unit, kind, direction, category, numerator ?? "", denominator ?? "", cutoffDay.map(String.init) ?? "",
         dueDays.map(String.init) ?? "", required ? "true" : "false", expectedFrom ?? ""]
    }
}

struct PartyCellsAnswer: Codable {
    struct Cell: Codable {
        var code, name, kind: String
        var members: Int
        var foundedOn: String?
        enum CodingKeys: String, CodingKey { case code, name, kind, members, foundedOn = "founded_on" }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(code, forKey: .code); try container.encode(name, forKey: .name); try container.encode(kind, forKey: .kind)
            try container.encode(members, forKey: .members); try container.encode(foundedOn, forKey: .foundedOn)
        }
    }
    var area: String
    var membersTotal: Int
    var cells: [Cell]
    enum CodingKeys: String, CodingKey { case area, membersTotal = "members_total", cells }
    init(area: String, cells: [PartyCell]) {
        self.area = area
        membersTotal = cells.reduce(0) { $0 + $1.members }
        self.cells = cells.map { Cell(code: $0.code, name: $0.name, kind: $0.kind, members: $0.members, foundedOn: $0.foundedOn?.description) }
    }
    static let columns = ["code", "name", "kind", "members", "founded_on"]
    var fields: [[String]] { cells.map { [$0.code, $0.name, $0.kind, String($0.members), $0.foundedOn ?? ""] } }
}

extension WardAPI {
    func addAreaRoutes(to api: Routes) {
        api.get("areas") { request, _ in
            let query = try AreaListQuery(request)
            let areas = try await AreaRepository(database).list(kind: query.kind, parent: query.parent, month: query.month).map(AreaRow.init)
            return try feeds.respond(areas, columns: AreaRow.columns, rows: areas.map(\.fields), request: request, filename: "areas")
        }

        api.get("areas/:code") { request, context in
            let code = try context.parameters.requireCode("code", .area)
            let rows = try await AreaRepository(database).history(of: code).map(AreaRow.init)
            return try feeds.respond(rows, columns: AreaRow.columns, rows: rows.map(\.fields), request: request, filename: code)
        }

        api.get("areas/:code/party-cells") { request, context in
            let code = try context.parameters.requireCode("code", .area)
            let answer = PartyCellsAnswer(area: code, cells: try await PartyCellRepository(database).list(ward: code))
            return try feeds.respond(answer, columns: PartyCellsAnswer.columns, rows: answer.fields, request: request, filename: "\(code)-party-cells")
        }

        api.get("indicators") { request, _ in
            let rows = try await IndicatorRepository(database).all().map(IndicatorRow.init)
            return try feeds.respond(rows, columns: IndicatorRow.columns, rows: rows.map(\.fields), request: request, filename: "indicators")
        }
    }
}
