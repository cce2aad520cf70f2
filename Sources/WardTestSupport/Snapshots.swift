import PQ
@_spi(Testing) import WardStore

extension Database {
    /// What the worker computes, as text rows for exact comparisons: every aggregate row and,
    /// unless `series` is false, every row of the stored comparable series.
    public func aggregateSnapshot(series: Bool = true) async throws -> [String] {
        // Without the series, the columns a database of the first layout has too (UpgradeTests).
        let aggregates = try await pool.query("""
            SELECT concat_ws('|', indicator_code, area_code, month, value, previous, change, change_pct, yoy_value, yoy_change_pct,
                             ytd, target, target_pct, rank, share_pct, worsened, reporting, expected)
                   || CASE WHEN \(series) THEN '|' || coalesce(to_jsonb(a) ->> 'outlier_score', '') ELSE '' END
            FROM aggregates a ORDER BY 1
            """).map { try $0.decode(0, as: String.self) }
        guard series else { return aggregates }
        return try await aggregates + pool.query("""
            SELECT concat_ws('|', 'series', indicator_code, area_code, as_of, month, value, previous, change, change_pct, yoy_change_pct,
                             ytd, target, target_pct)
            FROM comparable_series ORDER BY 1
            """).map { try $0.decode(0, as: String.self) } + pool.query("""
            SELECT concat_ws('|', 'review', indicator_code, area_code, month, deadline, expected, reported, on_time, late, revised)
            FROM review_counts ORDER BY 1
            """).map { try $0.decode(0, as: String.self) } + pool.query("""
            SELECT concat_ws('|', 'first', indicator_code, first_month) FROM indicator_first_months ORDER BY 1
            """).map { try $0.decode(0, as: String.self) } + pool.query("""
            SELECT concat_ws('|', 'score', indicator_code, area_code, month, value, window_values, median, mad, score) FROM outlier_scores ORDER BY 1
            """).map { try $0.decode(0, as: String.self) } + pool.query("""
            SELECT concat_ws('|', 'extent', last_month) FROM review_extent
            """).map { try $0.decode(0, as: String.self) }
    }

    /// What the database program is made of, as text: every column, constraint, index, function,
    /// trigger and view of the public schema, as PostgreSQL prints its definition. Two databases
    /// with the same snapshot have the same layout.
    public func schemaSnapshot() async throws -> [String] {
        try await pool.query("""
            SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                   || coalesce(' collate ' || co.collname, '') || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                   || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 0
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v') AND a.attnum > 0 AND NOT a.attisdropped
            UNION ALL
            SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
            FROM pg_constraint WHERE connamespace = 'public'::regnamespace
            UNION ALL
            SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
            UNION ALL
            SELECT 'function ' || pg_get_functiondef(p.oid) FROM pg_proc p
            WHERE p.pronamespace = 'public'::regnamespace AND p.prokind = 'f'
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
            UNION ALL
            SELECT 'trigger ' || pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal
            UNION ALL
            SELECT 'view ' || viewname || ' ' || definition FROM pg_views WHERE schemaname = 'public'
            ORDER BY 1
            """).map { try $0.decode(0, as: String.self) }
    }
}

/// The first row found in only one of two snapshots, or a count that differs; nil when equal.
public func firstDifference(_ a: [String], _ b: [String]) -> String? {
    let left = Set(a), right = Set(b)
    if let extra = a.first(where: { !right.contains($0) }) { return "only in the first: \(extra)" }
    if let missing = b.first(where: { !left.contains($0) }) { return "only in the second: \(missing)" }
    return a.count == b.count ? nil : "\(a.count) rows vs \(b.count)"
}
