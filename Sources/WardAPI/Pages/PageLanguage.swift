import WardCore

/// The page's language: Vietnamese first, English with `?lang=en`. Numbers, months and words are
/// written the way each reader expects (`1.234.567`, `12,5 %`, `Tháng 11/2026`; `1,234,567`,
/// `12.5%`, `November 2026`).
enum PageLanguage: String, Sendable, CaseIterable {
    case vi, en

    /// A figure as exact decimal text, grouped by thousands, with the language's separators.
    func number(_ value: ExactDecimal?, fractionDigits: Int? = nil) -> String {
        guard let value else { return "–" }
        var text = value.text
        var negative = false
        if text.hasPrefix("-") { negative = true; text.removeFirst() }
        var integer = Substring(text)
        var fraction = Substring("")
        if let point = text.firstIndex(of: ".") {
            integer = text[..<point]
            fraction = text[text.index(after: point)...]
        }
        if let fractionDigits, fraction.count > fractionDigits {
            // Round half up on the digits, exactly.
            let rounded = Self.roundHalfUp(integer: String(integer), fraction: String(fraction), digits: fractionDigits)
            integer = Substring(rounded.0)
            fraction = Substring(rounded.1)
        }
        let grouping = self == .vi ? "." : ","
        let decimal = self == .vi ? "," : "."
        var grouped = ""
        for (index, digit) in integer.reversed().enumerated() {
            if index > 0 && index % 3 == 0 { grouped.append(contentsOf: grouping) }
            grouped.append(digit)
        }
        var out = String(grouped.reversed())
        if !fraction.isEmpty { out += decimal + fraction }
        return (negative && out != "0" ? "−" : "") + out
    }

    static func roundHalfUp(integer: String, fraction: String, digits: Int) -> (String, String) {
        var all = Array(integer + fraction.prefix(digits)).compactMap { $0.wholeNumberValue }
        let next = fraction.dropFirst(digits).first?.wholeNumberValue ?? 0
        if next >= 5 {
            var index = all.count - 1
            while index >= 0 {
                if all[index] == 9 { all[index] = 0; index -= 1 } else { all[index] += 1; break }
            }
            if index < 0 { all.insert(1, at: 0) }
        }
        let digitsText = all.map(String.init).joined()
        let split = digitsText.count - digits
        var frac = String(digitsText.suffix(digits))
        while frac.hasSuffix("0") { frac.removeLast() }
        return (String(digitsText.prefix(split)), frac)
    }

    func percent(_ value: ExactDecimal?) -> String {
        guard value != nil else { return "–" }
        return number(value, fractionDigits: 1) + (self == .vi ? " %" : "%")
    }

    func month(_ month: Month) -> String {
        switch self {
        case .vi: "Tháng \(month.month)/\(month.year)"
        case .en: "\(Self.englishMonths[month.month - 1]) \(month.year)"
        }
    }

    static let englishMonths = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                                "November", "December"]

    func name(of indicator: Indicator) -> String { self == .vi ? indicator.nameVi : (indicator.nameEn.isEmpty ? indicator.nameVi : indicator.nameEn) }

    /// A unit as the reader writes it (money in đồng).
    func unit(_ unit: String) -> String {
        switch (self, unit) {
        case (.vi, "VND"): "đồng"
        case (.en, "VND"): "đồng"
        case (.vi, "cases"): "vụ"
        case (.vi, "people"): "người"
        case (.vi, "records"): "hồ sơ"
        case (.vi, "sessions"): "buổi"
        case (.vi, "accounts"): "tài khoản"
        case (.vi, "percent"): "%"
        default: unit
        }
    }

    /// The review's sections, in the order the review is written; other categories follow.
    static let categoryOrder = ["urban_order", "environment", "social", "public_order", "land", "budget", "admin_reform",
                                "citizen_reception", "project_06", "party_building"]

    func category(_ code: String) -> String {
        let names: [String: (String, String)] = [
            "urban_order": ("Trật tự đô thị", "Urban order"), "environment": ("Vệ sinh môi trường", "Sanitation"),
            "social": ("Xã hội", "Social order"), "public_order": ("An ninh, trật tự", "Security and order"),
            "land": ("Đất công", "Public land"), "budget": ("Ngân sách", "Budget"),
            "admin_reform": ("Cải cách hành chính", "Administrative reform"), "citizen_reception": ("Tiếp công dân", "Citizen reception"),
            "project_06": ("Đề án 06", "Project 06"), "party_building": ("Xây dựng Đảng", "Party building"),
        ]
        guard let name = names[code] else { return code }
        return self == .vi ? name.0 : name.1
    }

    /// The page's words.
    subscript(_ key: Word) -> String { self == .vi ? key.vi : key.en }

    struct Word: Sendable {
        let vi: String
        let en: String
        init(_ vi: String, _ en: String) { self.vi = vi; self.en = en }
    }
}

extension PageLanguage.Word {
    static let comparison = Self("So sánh các phường, xã", "Ward comparison")
    static let chart = Self("Biểu đồ", "Chart")
    static let indicator = Self("Chỉ tiêu", "Indicator")
    static let month = Self("Tháng", "Month")
    static let parent = Self("Đơn vị cấp trên", "Parent area")
    static let show = Self("Xem", "Show")
    static let area = Self("Đơn vị", "Area")
    static let value = Self("Số liệu", "Value")
    static let change = Self("Tăng/giảm", "Change")
    static let yoy = Self("So cùng kỳ", "Year on year")
    static let ytd = Self("Lũy kế năm", "Year to date")
    static let target = Self("Kế hoạch năm", "Annual target")
    static let rank = Self("Hạng", "Rank")
    static let share = Self("Tỷ trọng", "Share")
    static let trend = Self("13 tháng", "13 months")
    static let reported = Self("Báo cáo", "Reported")
    static let quality = Self("Chất lượng", "Quality")
    static let total = Self("Tổng", "Total")
    static let worsened = Self("Xấu đi", "Worsened")
    static let improved = Self("Cải thiện", "Improved")
    static let outlier = Self("Bất thường", "Outlier")
    static let ruleBroken = Self("Vi phạm quy tắc", "Rule broken")
    static let computedAt = Self("Số liệu tính lúc", "Figures computed at")
    static let noData = Self("Chưa có số liệu", "No figures yet")
    static let areas = Self("Đơn vị (mã, cách nhau bởi dấu phẩy)", "Areas (codes, comma-separated)")
    static let from = Self("Từ tháng", "From")
    static let to = Self("Đến tháng", "To")
    static let lineage = Self("Cách tính", "Lineage")
    static let comparable = Self("Theo địa giới hiện nay", "On today's territory")
    static let asReported = Self("Như đã báo cáo", "As reported")
    static let reorganisation = Self("Sắp xếp đơn vị hành chính", "Reorganisation")
    static let reviewSheet = Self("Báo cáo sơ kết tháng", "Monthly review sheet")
    static let strengths = Self("Ưu điểm", "Strengths")
    static let weaknesses = Self("Hạn chế", "Weaknesses")
    static let planAttainment = Self("Đạt kế hoạch", "Of plan")
    static let status = Self("Nộp báo cáo", "Report")
    static let onTime = Self("Đúng hạn", "On time")
    static let late = Self("Trễ hạn", "Late")
    static let missing = Self("Chưa nộp", "Missing")
    static let pending = Self("Chưa đến hạn", "Pending")
    static let login = Self("Đăng nhập", "Sign in")
    static let logout = Self("Đăng xuất", "Sign out")
    static let token = Self("Mã truy cập", "Access token")
    static let loginHelp = Self("Nhập mã truy cập được cấp (chỉ cần một lần trên máy này).",
                                "Enter the access token you were given (once on this computer).")
    static let badToken = Self("Mã truy cập không đúng hoặc đã bị thu hồi.", "The token is unknown or revoked.")
    static let nothing = Self("Không có", "None")
    static let print = Self("In", "Print")
    static let chartOf = Self("Diễn biến", "Trend of")
}
