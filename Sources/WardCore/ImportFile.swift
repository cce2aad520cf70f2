/// The import files of DATA.md, in dependency order, and their columns.
public enum ImportFile: String, CaseIterable, Sendable {
    case areas, successions, indicators, partyCells = "party_cells", observations, facts, targets

    public var fileName: String { rawValue + ".csv" }

    public var columns: [String] {
        switch self {
        case .areas: ["code", "name", "kind", "parent_code", "valid_from", "valid_to"]
        case .successions: ["from_code", "to_code", "effective_month", "share"]
        case .indicators: ["code", "name_vi", "name_en", "unit", "kind", "direction", "category", "numerator", "denominator", "cutoff_day"]
        case .partyCells: ["area_code", "code", "name", "kind", "members", "founded_on"]
        case .observations: ["area_code", "indicator_code", "month", "value"]
        case .facts: ["area_code", "indicator_code", "occurred_at", "amount"]
        case .targets: ["area_code", "indicator_code", "year", "target"]
        }
    }
}
