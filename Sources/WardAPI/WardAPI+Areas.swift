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
    static let columns = ["code", "name", "kind", "parent", "valid_from", "valid_to"]
    var fields: [String] { [code, name, kind, parent ?? "", validFrom.description, validTo?.description ?? ""] }
}

struct IndicatorRow: Codable {
    var code, nameVi, nameEn, unit, kind, direction, category: String
    var numerator, denominator: String?
    var cutoffDay: Int?
    enum CodingKeys: String, CodingKey {
        case code, nameVi = "name_vi", nameEn = "name_en", unit, kind, direction, category, numerator, denominator, cutoffDay = "cutoff_day"
    }
    init(_ i: Indicator) {
        code = i.code; nameVi = i.nameVi; nameEn = i.nameEn; unit = i.unit; kind = i.kind.rawValue; direction = i.direction.rawValue
        category = i.category; numerator = i.numeratorCode; denominator = i.denominatorCode; cutoffDay = i.cutoffDay
    }
    static let columns = ["code", "name_vi", "name_en", "unit", "kind", "direction", "category", "numerator", "denominator", "cutoff_day"]
    var fields: [String] { [code, nameVi, nameEn, unit, kind, direction, category, numerator ?? "", denominator ?? "", cutoffDay.map(String.init) ?? ""] }
}

struct PartyCellsAnswer: Codable {
    var area: String
    var membersTotal: Int
    var cells: [PartyCell]
    enum CodingKeys: String, CodingKey { case area, membersTotal = "members_total", cells }
    static let columns = ["code", "name", "kind", "members", "founded_on"]
    var fields: [[String]] { cells.map { [$0.code, $0.name, $0.kind, String($0.members), $0.foundedOn?.description ?? ""] } }
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
            let cells = try await PartyCellRepository(database).list(ward: code)
            let answer = PartyCellsAnswer(area: code, membersTotal: cells.reduce(0) { $0 + $1.members }, cells: cells)
            return try feeds.respond(answer, columns: PartyCellsAnswer.columns, rows: answer.fields, request: request, filename: "\(code)-party-cells")
        }

        api.get("indicators") { request, _ in
            let rows = try await IndicatorRepository(database).all().map(IndicatorRow.init)
            return try feeds.respond(rows, columns: IndicatorRow.columns, rows: rows.map(\.fields), request: request, filename: "indicators")
        }
    }
}
