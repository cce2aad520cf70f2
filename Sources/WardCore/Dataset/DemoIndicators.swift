/// The indicators of the monthly Party-committee review (DATA.md's example).
public enum DemoIndicators {
    public static let all: [Indicator] = [
        Indicator(code: "encroachment_cases", nameVi: "Lấn chiếm vỉa hè, lòng đường", nameEn: "Sidewalk and road encroachment", unit: "cases",
                  kind: .count, direction: .lowerIsBetter, category: "urban_order"),
        Indicator(code: "vagrancy_cases", nameVi: "Người lang thang, xin ăn", nameEn: "Vagrancy and begging", unit: "people",
                  kind: .count, direction: .lowerIsBetter, category: "social"),
        Indicator(code: "sanitation_violations", nameVi: "Vi phạm vệ sinh môi trường", nameEn: "Sanitation violations", unit: "cases",
                  kind: .count, direction: .lowerIsBetter, category: "environment"),
        Indicator(code: "thefts", nameVi: "Trộm cắp tài sản", nameEn: "Thefts", unit: "cases",
                  kind: .count, direction: .lowerIsBetter, category: "public_order"),
        Indicator(code: "public_disorder", nameVi: "Gây rối trật tự công cộng", nameEn: "Public disorder", unit: "cases",
                  kind: .count, direction: .lowerIsBetter, category: "public_order"),
        Indicator(code: "school_violence", nameVi: "Bạo lực học đường", nameEn: "School violence", unit: "cases",
                  kind: .count, direction: .lowerIsBetter, category: "public_order"),
        Indicator(code: "public_land_violations", nameVi: "Vi phạm đất công", nameEn: "Public land violations", unit: "cases",
                  kind: .count, direction: .lowerIsBetter, category: "land"),
        Indicator(code: "budget_revenue", nameVi: "Thu ngân sách", nameEn: "Budget revenue", unit: "VND",
                  kind: .amount, direction: .higherIsBetter, category: "budget"),
        Indicator(code: "admin_received", nameVi: "Hồ sơ thủ tục hành chính tiếp nhận", nameEn: "Administrative records received", unit: "records",
                  kind: .count, direction: .neutral, category: "admin_reform", cutoffDay: 15),
        Indicator(code: "admin_on_time", nameVi: "Hồ sơ giải quyết đúng hạn", nameEn: "Records settled on time", unit: "records",
                  kind: .count, direction: .higherIsBetter, category: "admin_reform", cutoffDay: 15),
        Indicator(code: "admin_on_time_pct", nameVi: "Tỷ lệ hồ sơ giải quyết đúng hạn", nameEn: "Records settled on time", unit: "percent",
                  kind: .ratio, direction: .higherIsBetter, category: "admin_reform",
                  numeratorCode: "admin_on_time", denominatorCode: "admin_received", cutoffDay: 15),
        Indicator(code: "citizen_receptions", nameVi: "Buổi tiếp công dân", nameEn: "Citizen reception sessions", unit: "sessions",
                  kind: .count, direction: .neutral, category: "citizen_reception"),
        Indicator(code: "vneid_accounts", nameVi: "Tài khoản định danh điện tử kích hoạt (Đề án 06)", nameEn: "Activated electronic ID accounts (Project 06)",
                  unit: "accounts", kind: .stock, direction: .higherIsBetter, category: "project_06"),
        Indicator(code: "party_members", nameVi: "Số đảng viên", nameEn: "Party members", unit: "people",
                  kind: .stock, direction: .higherIsBetter, category: "party_building"),
        Indicator(code: "new_party_members", nameVi: "Kết nạp đảng viên mới", nameEn: "New party members", unit: "people",
                  kind: .count, direction: .higherIsBetter, category: "party_building"),
        Indicator(code: "party_inspections", nameVi: "Cuộc kiểm tra, giám sát", nameEn: "Inspections and supervisions", unit: "sessions",
                  kind: .count, direction: .neutral, category: "party_building"),
    ]
}

/// The national dataset's indicators: the review's 16, and four more (two counts, and online
/// records with their share: a second ratio, a third indicator with cut-off day 15).
public enum NationalIndicators {
    public static let extra: [Indicator] = [
        Indicator(code: "fire_incidents", nameVi: "Vụ cháy, nổ", nameEn: "Fires and explosions", unit: "cases",
                  kind: .count, direction: .lowerIsBetter, category: "public_order"),
        Indicator(code: "traffic_accidents", nameVi: "Tai nạn giao thông", nameEn: "Traffic accidents", unit: "cases",
                  kind: .count, direction: .lowerIsBetter, category: "public_order"),
        Indicator(code: "admin_online", nameVi: "Hồ sơ nộp trực tuyến", nameEn: "Records filed online", unit: "records",
                  kind: .count, direction: .higherIsBetter, category: "admin_reform", cutoffDay: 15),
        Indicator(code: "admin_online_pct", nameVi: "Tỷ lệ hồ sơ nộp trực tuyến", nameEn: "Records filed online", unit: "percent",
                  kind: .ratio, direction: .higherIsBetter, category: "admin_reform",
                  numeratorCode: "admin_online", denominatorCode: "admin_received", cutoffDay: 15),
    ]

    /// The first `count` of the 20 (at least the 16 of the review), ratios only with their parts.
    public static func first(_ count: Int) -> [Indicator] {
        let list = Array((DemoIndicators.all + extra).prefix(max(1, count)))
        let codes = Set(list.map(\.code))
        return list.filter { indicator in
            [indicator.numeratorCode, indicator.denominatorCode].allSatisfy { $0.map(codes.contains) ?? true }
        }
    }
}

/// The rules between indicators the demo ships (DATA.md "Data quality: rules and outliers"), as
/// rows of rules.csv: code, left, operator, right, severity, message_vi.
public enum DemoRules {
    public static let all: [[String]] = [
        ["on_time_within_received", "admin_on_time", "<=", "admin_received", "error",
         "Hồ sơ giải quyết đúng hạn không thể nhiều hơn hồ sơ tiếp nhận"],
        ["new_members_within_members", "new_party_members", "<=", "party_members", "error",
         "Đảng viên mới kết nạp không thể nhiều hơn tổng số đảng viên"],
        ["four_reception_sessions", "citizen_receptions", ">=", "4", "warning",
         "Mỗi tháng tổ chức ít nhất 4 buổi tiếp công dân"],
    ]
}
