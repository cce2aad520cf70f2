import Foundation
import WardCore
/// The OpenAPI 3.1 description served at `/openapi.yaml`: every route, status, content type and
/// header the server answers with. `make test` runs schemathesis against a running server with
/// it (scripts/contract-check): any response it does not describe fails the build.
enum OpenAPIDocument {
    /// The patterns of parameters, from the rules that check them.
    static let month = Month.pattern
    static let area = Code.Kind.area.pattern
    static let indicator = Code.Kind.indicator.pattern
    /// Text without control characters (a tab allowed): ``Rules/text(_:field:)``.
    static let text = #"^[^\x00-\x08\x0a-\x1f\x7f]*$"#
    /// The same, with at least one character that is not a space or a tab (wb_reopen_month).
    static let reason = #"^[^\x00-\x08\x0a-\x1f\x7f]*[^ \x00-\x1f\x7f][^\x00-\x08\x0a-\x1f\x7f]*$"#
    static let areaList = "^[a-z0-9-]{1,64}(,[a-z0-9-]{1,64}){0,\(FeedLimits.maxAreas - 1)}$"
    static let yaml = """
    openapi: 3.1.0
    info:
      title: Wardboard
      version: 0.3.0
      description: >-
        Month-by-month figures of wards and communes and their roll-ups, as JSON or CSV
        (?format=csv or Accept text/csv). Reads need a token unless the server runs with
        WARDBOARD_PUBLIC_READ=true: Authorization Bearer, or ?token= for viewer tokens; a token
        that is sent is always checked (401 when unknown, even with public reads). Errors are
        application/problem+json (RFC 9457). Limits: a path and query of at most 16 KiB (414),
        header fields of at most 32 KiB (431), write bodies of WARDBOARD_BODY_LIMIT bytes (413).
        A known path asked with a method it does not serve answers 405 with Allow.
    servers:
      - url: http://127.0.0.1:8080
    security:
      - bearer: []
      - queryToken: []
      - {}
    components:
      securitySchemes:
        bearer: {type: http, scheme: bearer}
        queryToken: {type: apiKey, in: query, name: token}
      parameters:
        format: {name: format, in: query, description: 'json (default) or csv', schema: {type: string, enum: [json, csv]}}
        month: {name: month, in: query, schema: {type: string, pattern: '\(month)'}, example: '2026-09'}
        code: {name: code, in: path, required: true, schema: {type: string, pattern: '\(area)'}, example: long-xuyen}
        indicator: {name: indicator, in: query, required: true, schema: {type: string, pattern: '\(indicator)'}, example: thefts}
        parent: {name: parent, in: query, schema: {type: string, pattern: '\(area)'}, example: an-giang}
      headers:
        ETag: {description: 'a strong validator of the exact body; send it back in If-None-Match', required: true, schema: {type: string}}
        RequestId: {description: "the client's X-Request-Id when sane, else the server's", required: true, schema: {type: string}}
        CacheControl: {schema: {type: string}}
        Allow: {required: true, schema: {type: string}}
        RetryAfter: {required: true, schema: {type: string}}
        WWWAuthenticate: {required: true, schema: {type: string}}
      schemas:
        Problem:
          type: object
          required: [type, title, status, detail]
          properties:
            type: {type: string}
            title: {type: string}
            status: {type: integer}
            detail: {type: string}
            instance: {type: string}
            request_id: {type: string}
            errors:
              type: array
              items:
                type: object
                required: [field, message]
                properties:
                  line: {type: integer}
                  index: {type: integer}
                  field: {type: string}
                  message: {type: string}
        Number: {type: [number, 'null']}
        Area:
          type: object
          required: [code, name, kind, parent, valid_from, valid_to]
          properties:
            code: {type: string}
            name: {type: string}
            kind: {type: string, enum: [country, province, city, district, town, ward, commune, special_zone]}
            parent: {type: [string, 'null']}
            valid_from: {type: string, format: date}
            valid_to: {type: [string, 'null'], format: date}
        Indicator:
          type: object
          required: [code, name_vi, name_en, unit, kind, direction, category]
          properties:
            code: {type: string}
            name_vi: {type: string}
            name_en: {type: string}
            unit: {type: string}
            kind: {type: string, enum: [count, amount, stock, ratio]}
            direction: {type: string, enum: [higher_is_better, lower_is_better, neutral]}
            category: {type: string}
            numerator: {type: [string, 'null']}
            denominator: {type: [string, 'null']}
            cutoff_day: {type: [integer, 'null']}
            due_days: {type: [integer, 'null'], description: 'days after the period ends a report is due (null: the setting due_days)'}
            required: {type: boolean}
            expected_from: {type: [string, 'null'], description: 'first month reports are expected (null: the first month with a value)'}
        PartyCells:
          type: object
          required: [area, members_total, cells]
          properties:
            area: {type: string}
            members_total: {type: integer}
            cells:
              type: array
              items:
                type: object
                required: [code, name, kind, members, founded_on]
                properties:
                  code: {type: string}
                  name: {type: string}
                  kind: {type: string}
                  members: {type: integer}
                  founded_on: {type: [string, 'null'], format: date}
        CompareRow:
          type: object
          required: [area, name, value, previous, change, change_pct, yoy_change_pct, ytd, target, target_pct, rank, share_pct, worsened]
          properties:
            area: {type: string}
            name: {type: string}
            value: {$ref: '#/components/schemas/Number'}
            previous: {$ref: '#/components/schemas/Number'}
            change: {$ref: '#/components/schemas/Number'}
            change_pct: {$ref: '#/components/schemas/Number'}
            yoy_change_pct: {$ref: '#/components/schemas/Number'}
            ytd: {$ref: '#/components/schemas/Number'}
            target: {$ref: '#/components/schemas/Number'}
            target_pct: {$ref: '#/components/schemas/Number'}
            rank: {type: [integer, 'null']}
            share_pct: {$ref: '#/components/schemas/Number'}
            worsened: {type: [boolean, 'null']}
            outlier: {$ref: '#/components/schemas/Outlier'}
            outlier_score: {$ref: '#/components/schemas/Number'}
        Outlier: {type: [boolean, 'null'], description: 'the modified z-score is beyond 3.5 (null: no score: fewer than 8 earlier values, MAD 0, a ratio, a parent, a comparable row)'}
        Comparison:
          type: object
          required: [indicator, parent, month, total, rows]
          properties:
            indicator: {type: string}
            parent: {type: string}
            month: {type: string}
            total:
              type: object
              required: [value, previous, change, change_pct, reporting, expected]
              properties:
                value: {$ref: '#/components/schemas/Number'}
                previous: {$ref: '#/components/schemas/Number'}
                change: {$ref: '#/components/schemas/Number'}
                change_pct: {$ref: '#/components/schemas/Number'}
                reporting: {type: [integer, 'null']}
                expected: {type: [integer, 'null']}
                completeness: {oneOf: [{$ref: '#/components/schemas/CompletenessCounts'}, {type: 'null'}]}
            rows: {type: array, items: {$ref: '#/components/schemas/CompareRow'}}
        CompletenessCounts:
          type: object
          required: [expected, reported, on_time, late, missing, pending, revised_after_deadline, completeness_pct, timeliness_pct]
          properties:
            expected: {type: integer}
            reported: {type: integer}
            on_time: {type: integer}
            late: {type: integer}
            missing: {type: integer}
            pending: {type: integer}
            revised_after_deadline: {type: integer}
            completeness_pct: {$ref: '#/components/schemas/Number'}
            timeliness_pct: {$ref: '#/components/schemas/Number'}
        CompletenessRow:
          allOf:
            - {$ref: '#/components/schemas/CompletenessCounts'}
            - type: object
              required: [area, name]
              properties:
                area: {type: string}
                name: {type: string}
                indicator: {type: string, description: 'with by=indicator'}
        Completeness:
          type: object
          required: [month, parent, indicator, total, rows]
          properties:
            month: {type: string}
            parent: {type: string}
            indicator: {type: [string, 'null']}
            total: {$ref: '#/components/schemas/CompletenessRow'}
            rows: {type: array, items: {$ref: '#/components/schemas/CompletenessRow'}}
        MonthStates:
          type: object
          required: [month, parent, rows]
          properties:
            month: {type: string}
            parent: {type: string}
            rows:
              type: array
              items:
                type: object
                required: [area, name, state, submitted_by, submitted_at, approved_by, approved_at, reopened_at, closed]
                properties:
                  area: {type: string}
                  name: {type: string}
                  state: {type: string, enum: [open, submitted, approved]}
                  submitted_by: {type: [string, 'null']}
                  submitted_at: {type: [string, 'null'], format: date-time}
                  approved_by: {type: [string, 'null']}
                  approved_at: {type: [string, 'null'], format: date-time}
                  reopened_at: {type: [string, 'null'], format: date-time}
                  closed: {type: boolean}
        AuditEntry:
          type: object
          required: [at, actor, action, area, month, reason, detail]
          properties:
            at: {type: string, format: date-time}
            actor: {type: string}
            action: {type: string}
            area: {type: string}
            month: {type: string}
            reason: {type: [string, 'null']}
            detail: {type: [string, 'null']}
        MonthAction:
          type: object
          required: [area]
          properties:
            area: {type: string, pattern: '\(area)', description: 'a leaf (submit, withdraw), or any area whose leaves are approved'}
            reason: {type: string, pattern: '\(text)'}
        MonthReopen:
          type: object
          required: [area, reason]
          properties:
            area: {type: string, pattern: '\(area)', description: 'a leaf'}
            reason: {type: string, pattern: '\(reason)', description: 'why the month is reopened (audited)'}
        MonthState:
          type: object
          required: [area, month, state]
          properties:
            area: {type: string}
            month: {type: string}
            state: {type: string, enum: [open, submitted, approved]}
        Approval:
          type: object
          required: [area, month, approved, not_submitted, approved_already, submitted_by_you]
          properties:
            area: {type: string}
            month: {type: string}
            approved: {type: array, items: {type: string}}
            not_submitted: {type: array, items: {type: string}}
            approved_already: {type: array, items: {type: string}}
            submitted_by_you: {type: array, items: {type: string}}
        SeriesRow:
          type: object
          required: [area, month, period_start, period_end, value, previous, change, change_pct, yoy_change_pct, ytd, target, target_pct]
          properties:
            area: {type: string}
            month: {type: string}
            period_start: {type: string, format: date}
            period_end: {type: string, format: date}
            value: {$ref: '#/components/schemas/Number'}
            previous: {$ref: '#/components/schemas/Number'}
            change: {$ref: '#/components/schemas/Number'}
            change_pct: {$ref: '#/components/schemas/Number'}
            yoy_change_pct: {$ref: '#/components/schemas/Number'}
            ytd: {$ref: '#/components/schemas/Number'}
            target: {description: 'annual target; in a comparable series moved with the territory', $ref: '#/components/schemas/Number'}
            target_pct: {$ref: '#/components/schemas/Number'}
            outlier: {$ref: '#/components/schemas/Outlier'}
            outlier_score: {$ref: '#/components/schemas/Number'}
        Series:
          type: object
          required: [indicator, from, to, lineage, rows]
          properties:
            indicator: {type: string}
            from: {type: string}
            to: {type: string}
            lineage: {type: string, enum: [reported, comparable]}
            rows: {type: array, items: {$ref: '#/components/schemas/SeriesRow'}}
        WideSeries:
          description: 'layout=wide: one object per month, one member per area (null where it has no value)'
          type: array
          items:
            type: object
            required: [month, period_start, period_end]
            properties:
              month: {type: string}
              period_start: {type: string, format: date}
              period_end: {type: string, format: date}
            additionalProperties: {$ref: '#/components/schemas/Number'}
        Report:
          type: object
          required: [area, name, parent, month, rows]
          properties:
            area: {type: string}
            name: {type: string}
            parent: {type: [string, 'null']}
            month: {type: string}
            rows:
              type: array
              items:
                type: object
                required: [indicator, name_vi, name_en, unit, category, direction, value, previous, change, change_pct, yoy_change_pct,
                           ytd, target, target_pct, rank, ranked_among, share_pct, worsened, status, arrived_at, days_late, deadline]
                properties:
                  status: {type: [string, 'null'], enum: [on_time, late, missing, pending, null], description: 'null: not expected'}
                  arrived_at: {type: [string, 'null'], format: date-time}
                  days_late: {type: [integer, 'null']}
                  deadline: {type: [string, 'null'], format: date-time}
                  outlier: {$ref: '#/components/schemas/Outlier'}
                  outlier_score: {$ref: '#/components/schemas/Number'}
        Quality:
          type: object
          required: [month, parent, indicator, rows]
          properties:
            month: {type: string}
            parent: {type: string}
            indicator: {type: [string, 'null']}
            rows:
              type: array
              items:
                type: object
                required: [area, name, check, severity, indicator, value, other_indicator, other_value, median, mad, score, rule, message]
                properties:
                  area: {type: string}
                  name: {type: string}
                  check: {type: string, enum: [rule, outlier]}
                  severity: {type: string, enum: [error, warning]}
                  indicator: {type: string}
                  value: {$ref: '#/components/schemas/Number'}
                  other_indicator: {type: [string, 'null']}
                  other_value: {$ref: '#/components/schemas/Number'}
                  median: {$ref: '#/components/schemas/Number'}
                  mad: {$ref: '#/components/schemas/Number'}
                  score: {$ref: '#/components/schemas/Number'}
                  rule: {type: [string, 'null']}
                  message: {type: string}
        Status:
          type: object
          required: [queue_depth, fact_batches_waiting, rebuild_requested, rebuilding]
          properties:
            queue_depth: {type: integer}
            fact_batches_waiting: {type: integer}
            rebuild_requested: {type: boolean}
            rebuilding: {type: boolean, description: 'a full rebuild is building beside the live tables; edits are still applied meanwhile'}
            rebuild_started_at: {type: string, format: date-time, description: 'when the rebuild that is building started; absent when none is'}
            oldest_queued_at: {type: string, format: date-time}
            last_run_at: {type: string, format: date-time}
            last_run_status: {type: string}
            last_run_kind: {type: string}
            last_full_rebuild_at: {type: string, format: date-time}
            data_updated_at: {type: string, format: date-time}
            aggregates_computed_at: {type: string, format: date-time}
            replica:
              description: 'the read replica (DATABASE_READ_URL) against the primary; absent without one. The other members are read on the primary.'
              type: object
              required: [state, reads_from]
              properties:
                state: {type: string, enum: [caught_up, lagging, unreachable], description: 'lagging: flushed WAL is not replayed and the replica is paused, not streaming, or has had WAL waiting while its last replayed transaction is a second old or more'}
                reads_from: {type: string, enum: [replica, primary], description: 'primary while the replica is unreachable (retried every few seconds)'}
                lag_bytes: {type: integer, description: WAL written on the primary and not yet replayed}
                lag_seconds: {type: number, description: '0 unless lagging, then the age of the last replayed transaction'}
                replay_paused: {type: boolean}
                last_replayed_at: {type: string, format: date-time}
                error: {type: string, description: why the replica is unreachable}
        WriteAnswer:
          type: object
          required: [rows, written]
          properties:
            rows: {type: integer}
            written: {type: integer}
            note: {type: string}
            warnings:
              description: 'warning rules the write left broken (written all the same)'
              type: array
              items:
                type: object
                required: [field, message]
                properties: {line: {type: integer}, index: {type: integer}, field: {type: string}, message: {type: string}}
        Field: {type: [string, number]}
        ObservationRow:
          type: object
          required: [area_code, indicator_code, month, value]
          properties: {area_code: {type: string}, indicator_code: {type: string}, month: {type: string}, value: {$ref: '#/components/schemas/Field'}}
          additionalProperties: false
        FactRow:
          type: object
          required: [area_code, indicator_code, occurred_at]
          properties: {area_code: {type: string}, indicator_code: {type: string}, occurred_at: {type: string}, amount: {$ref: '#/components/schemas/Field'}}
          additionalProperties: false
        TargetRow:
          type: object
          required: [area_code, indicator_code, year, target]
          properties: {area_code: {type: string}, indicator_code: {type: string}, year: {$ref: '#/components/schemas/Field'}, target: {$ref: '#/components/schemas/Field'}}
          additionalProperties: false
        AreaRow:
          type: object
          required: [code, name, kind, valid_from]
          properties: {code: {type: string}, name: {type: string}, kind: {type: string}, parent_code: {type: string}, valid_from: {type: string}, valid_to: {type: string}}
          additionalProperties: false
        IndicatorRow:
          type: object
          required: [code, name_vi, name_en, unit, kind, direction, category]
          properties: {code: {type: string}, name_vi: {type: string}, name_en: {type: string}, unit: {type: string}, kind: {type: string},
                       direction: {type: string}, category: {type: string}, numerator: {type: string}, denominator: {type: string},
                       cutoff_day: {$ref: '#/components/schemas/Field'}, due_days: {$ref: '#/components/schemas/Field'},
                       required: {type: [string, boolean]}, expected_from: {type: string}}
          additionalProperties: false
        RuleRow:
          type: object
          required: [code, left, operator, right, severity, message_vi]
          properties: {code: {type: string}, left: {$ref: '#/components/schemas/Field'}, operator: {type: string, enum: ['<=', '<', '>=', '>', '==', '!=']},
                       right: {$ref: '#/components/schemas/Field'}, severity: {type: string, enum: [error, warning]}, message_vi: {type: string}}
          additionalProperties: false
        PartyCellRow:
          type: object
          required: [area_code, code, name, kind, members]
          properties: {area_code: {type: string}, code: {type: string}, name: {type: string}, kind: {type: string},
                       members: {$ref: '#/components/schemas/Field'}, founded_on: {type: string}}
          additionalProperties: false
      responses:
        NotModified:
          description: not modified since the ETag sent in If-None-Match
          headers: {ETag: {$ref: '#/components/headers/ETag'}, X-Request-Id: {$ref: '#/components/headers/RequestId'}}
        BadRequest: {description: 'a parameter or the body is malformed (the problem names it)', headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}}, content: {application/problem+json: {schema: {$ref: '#/components/schemas/Problem'}}}}
        Unauthorized: {description: 'no token where one is needed, or an unknown or revoked token', headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}, WWW-Authenticate: {$ref: '#/components/headers/WWWAuthenticate'}}, content: {application/problem+json: {schema: {$ref: '#/components/schemas/Problem'}}}}
        Forbidden: {description: "the token may not do this (a viewer writing, an editor writing outside its area, a writer's token in ?token=)", headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}}, content: {application/problem+json: {schema: {$ref: '#/components/schemas/Problem'}}}}
        NotFound: {description: 'an indicator or area that does not exist (or not in that month), or no data yet', headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}}, content: {application/problem+json: {schema: {$ref: '#/components/schemas/Problem'}}}}
        Conflict: {description: 'the write conflicts with the data (an approved month)', headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}}, content: {application/problem+json: {schema: {$ref: '#/components/schemas/Problem'}}}}
        TooLarge: {description: 'the body is larger than the limit', headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}}, content: {application/problem+json: {schema: {$ref: '#/components/schemas/Problem'}}}}
        URITooLong: {description: 'the path and query are longer than 16 KiB', headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}}, content: {application/problem+json: {schema: {$ref: '#/components/schemas/Problem'}}}}
        UnsupportedMediaType: {description: 'the body is not of a content type this route takes', headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}}, content: {application/problem+json: {schema: {$ref: '#/components/schemas/Problem'}}}}
        Unprocessable: {description: 'rows that break the rules, each named by line (CSV) or index (JSON) and field; nothing was written', headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}}, content: {application/problem+json: {schema: {$ref: '#/components/schemas/Problem'}}}}
        HeadersTooLarge: {description: 'the header fields are larger than 32 KiB', headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}}, content: {application/problem+json: {schema: {$ref: '#/components/schemas/Problem'}}}}
        Unavailable: {description: 'the database is unreachable; try again', headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}, Retry-After: {$ref: '#/components/headers/RetryAfter'}}, content: {application/problem+json: {schema: {$ref: '#/components/schemas/Problem'}}}}
        HeadBadRequest: {description: 'as GET, no body', headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}}}
        HeadUnauthorized: {description: 'as GET, no body', headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}, WWW-Authenticate: {$ref: '#/components/headers/WWWAuthenticate'}}}
        HeadForbidden: {description: 'as GET, no body', headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}}}
        HeadNotFound: {description: 'as GET, no body', headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}}}
        HeadURITooLong: {description: 'as GET, no body', headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}}}
        HeadHeadersTooLarge: {description: 'as GET, no body', headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}}}
        HeadUnavailable: {description: 'as GET, no body', headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}, Retry-After: {$ref: '#/components/headers/RetryAfter'}}}
    paths:
      /healthz:
        get:
          security: []
          responses:
            '200': {description: alive, headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}}, content: {text/plain: {schema: {type: string}}}}
            '414': {$ref: '#/components/responses/URITooLong'}
            '431': {$ref: '#/components/responses/HeadersTooLarge'}
      /readyz:
        get:
          security: []
          responses:
            '200': {description: 'reads are answered: by the replica, or by the primary while the replica is unreachable; a second line says how far a replica lags (`replica: caught up`, `replica: lagging …`, `replica: unreachable; reads go to the primary`)', headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}}, content: {text/plain: {schema: {type: string}}}}
            '414': {$ref: '#/components/responses/URITooLong'}
            '431': {$ref: '#/components/responses/HeadersTooLarge'}
            '503': {description: 'neither the replica nor the primary answers reads', headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}, Retry-After: {$ref: '#/components/headers/RetryAfter'}}, content: {text/plain: {schema: {type: string}}}}
      /metrics:
        get:
          security: []
          responses:
            '200': {description: Prometheus text format, headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}}, content: {text/plain: {schema: {type: string}}}}
            '404': {$ref: '#/components/responses/NotFound'}
            '414': {$ref: '#/components/responses/URITooLong'}
            '431': {$ref: '#/components/responses/HeadersTooLarge'}
      /openapi.yaml:
        get:
          security: []
          responses:
            '200': {description: this document, headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}}, content: {application/yaml: {schema: {type: object}}}}
            '414': {$ref: '#/components/responses/URITooLong'}
            '431': {$ref: '#/components/responses/HeadersTooLarge'}
    \(paths)
    """

    /// Every path of the API and its operations, in the order given.
    static var paths: String {
        var order = [String]()
        var operations = [String: [String]]()
        func add(_ path: String, _ lines: [String]) {
            if operations[path] == nil { order.append(path) }
            operations[path, default: []] += lines
        }
        for feed in feeds {
            add(feed.path, ["get:"] + feedOperation(feed.summary, schema: feed.schema, parameters: feed.parameters)
                + ["head:"] + feedOperation(feed.summary, schema: nil, parameters: feed.parameters))
        }
        add("/api/v1/status", ["get:", "  summary: 'worker queue depth, fact batches waiting to be summed, last run and data freshness'", "  responses:",
                               "    '200': {description: status, headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}, Cache-Control: {$ref: '#/components/headers/CacheControl'}}, content: {application/json: {schema: {$ref: '#/components/schemas/Status'}}}}"]
            + errors(["401", "403", "414", "431", "503"]))
        add("/api/v1/audit", ["get:", "  summary: 'admin: who submitted, approved, reopened or wrote into a closed month, newest first'", "  parameters:",
                              "    - {name: area, in: query, schema: {type: string, pattern: '\(area)'}}",
                              "    - {$ref: '#/components/parameters/month'}", "    - {$ref: '#/components/parameters/format'}", "  responses:",
                              "    '200': {description: the audit history, headers: {ETag: {$ref: '#/components/headers/ETag'}, X-Request-Id: {$ref: '#/components/headers/RequestId'}, Cache-Control: {$ref: '#/components/headers/CacheControl'}}, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/AuditEntry'}}}, text/csv: {schema: {type: string}}}}",
                              "    '304': {$ref: '#/components/responses/NotModified'}"]
            + errors(["400", "401", "403", "404", "414", "431", "503"]))
        for write in writes {
            add(write.path, writeOperation(write.method, write.summary, row: write.row, ndjson: write.ndjson))
        }
        for (action, summary) in monthActions {
            add("/api/v1/months/{month}/\(action)", monthAction(summary, body: action == "reopen" ? "MonthReopen" : "MonthAction",
                                                                answer: action == "approve" ? "Approval" : "MonthState"))
        }
        return order.map { path in (["  \(path):"] + (operations[path] ?? []).map { "    " + $0 }).joined(separator: "\n") }.joined(separator: "\n")
    }

    /// The feeds: JSON or CSV, with an ETag (304 on If-None-Match). HEAD answers the same headers.
    static let feeds: [(path: String, summary: String, schema: String, parameters: [String])] = [
        ("/api/v1/areas", "areas (valid in month, of kind, under parent), in Vietnamese order", "{type: array, items: {$ref: '#/components/schemas/Area'}}",
         ["{name: kind, in: query, schema: {type: string, enum: [country, province, city, district, town, ward, commune, special_zone]}}",
          "{$ref: '#/components/parameters/parent'}", "{$ref: '#/components/parameters/month'}"]),
        ("/api/v1/areas/{code}", "the area's rows over time", "{type: array, items: {$ref: '#/components/schemas/Area'}}",
         ["{$ref: '#/components/parameters/code'}"]),
        ("/api/v1/areas/{code}/party-cells", "party cells (chi bộ) of the area and their members", "{$ref: '#/components/schemas/PartyCells'}",
         ["{$ref: '#/components/parameters/code'}"]),
        ("/api/v1/areas/{code}/report", "every indicator for the area and month (default: its latest month with figures)", "{$ref: '#/components/schemas/Report'}",
         ["{$ref: '#/components/parameters/code'}", "{$ref: '#/components/parameters/month'}"]),
        ("/api/v1/completeness", "who reported in month: the counts of each child of parent (or of each child and indicator), and the parent's own",
         "{$ref: '#/components/schemas/Completeness'}",
         ["{name: month, in: query, required: true, schema: {type: string, pattern: '\(month)'}, example: '2026-09'}", "{$ref: '#/components/parameters/parent'}",
          "{name: indicator, in: query, schema: {type: string, pattern: '\(indicator)'}}", "{name: by, in: query, schema: {type: string, enum: [area, indicator]}}"]),
        ("/api/v1/months/{month}", "the state of each leaf's month below parent: open, submitted or approved, with who and when",
         "{$ref: '#/components/schemas/MonthStates'}",
         ["{name: month, in: path, required: true, schema: {type: string, pattern: '\(month)'}, example: '2026-09'}", "{$ref: '#/components/parameters/parent'}"]),
        ("/api/v1/quality", "broken rules and outliers below parent in month: errors, then warnings, then outliers by score",
         "{$ref: '#/components/schemas/Quality'}",
         ["{name: month, in: query, required: true, schema: {type: string, pattern: '\(month)'}, example: '2026-09'}", "{$ref: '#/components/parameters/parent'}",
          "{name: indicator, in: query, schema: {type: string, pattern: '\(indicator)'}}"]),
        ("/api/v1/indicators", "indicators with kind, unit, direction, category, cut-off day", "{type: array, items: {$ref: '#/components/schemas/Indicator'}}", []),
        ("/api/v1/compare", "the children of parent (default: the one top-level area) in month (default: the latest), ranked, with the parent's total",
         "{$ref: '#/components/schemas/Comparison'}",
         ["{$ref: '#/components/parameters/indicator'}", "{$ref: '#/components/parameters/month'}", "{$ref: '#/components/parameters/parent'}"]),
        ("/api/v1/series", "a series in long form (rows of area and month), or wide (one row per month)",
         "{oneOf: [{$ref: '#/components/schemas/Series'}, {$ref: '#/components/schemas/WideSeries'}]}",
         ["{$ref: '#/components/parameters/indicator'}",
          "{name: areas, in: query, required: true, description: '1 to \(FeedLimits.maxAreas) area codes, comma-separated', schema: {type: string, pattern: '\(areaList)'}, example: 'long-xuyen,my-hoa'}",
          "{name: from, in: query, description: 'default: 11 months before to', schema: {type: string, pattern: '\(month)'}, example: '2025-10'}",
          "{name: to, in: query, description: 'default: the latest month', schema: {type: string, pattern: '\(month)'}, example: '2026-09'}",
          "{name: lineage, in: query, schema: {type: string, enum: [reported, comparable]}}",
          "{name: layout, in: query, schema: {type: string, enum: [long, wide]}}"]),
    ]

    /// Writes: all or nothing, JSON arrays (NDJSON for facts) or CSV in the import formats.
    static let writes: [(path: String, method: String, summary: String, row: String, ndjson: Bool)] = [
        ("/api/v1/observations", "post", "month values; an editor writes for its area and those below it", "ObservationRow", false),
        ("/api/v1/facts", "post", "raw incident and receipt records", "FactRow", true),
        ("/api/v1/targets", "put", "annual targets", "TargetRow", false),
        ("/api/v1/areas", "post", "admin: areas in the areas.csv format", "AreaRow", false),
        ("/api/v1/indicators", "put", "admin: indicators in the indicators.csv format", "IndicatorRow", false),
        ("/api/v1/party-cells", "put", "admin: party cells in the party_cells.csv format", "PartyCellRow", false),
        ("/api/v1/rules", "put", "admin: rules between indicators in the rules.csv format", "RuleRow", false),
    ]

    /// Closing a month (DATA.md "Closing a month").
    static let monthActions: [(String, String)] = [
        ("submit", "the ward's editor (or an admin) submits its month"),
        ("withdraw", "whoever submitted (or an admin) takes the submission back"),
        ("approve", "an editor of an area above (or an admin) approves the submitted months of a leaf or of every leaf below an area"),
        ("reopen", "whoever may approve reopens an approved or locked month, with a reason"),
    ]

    static func monthAction(_ summary: String, body: String, answer: String) -> [String] {
        ["post:", "  summary: '\(summary.replacingOccurrences(of: "'", with: "''"))'", "  parameters:",
         "    - {name: month, in: path, required: true, schema: {type: string, pattern: '\(month)'}, example: '2026-09'}",
         "  requestBody:", "    required: true", "    content: {application/json: {schema: {$ref: '#/components/schemas/\(body)'}}}", "  responses:",
         "    '200': {description: done, headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}}, content: {application/json: {schema: {$ref: '#/components/schemas/\(answer)'}}}}"]
            + errors(["400", "401", "403", "404", "409", "413", "414", "415", "422", "431", "503"])
    }

    /// Error responses, as lines under an operation (two spaces in).
    static func errors(_ codes: [String]) -> [String] {
        let names = ["400": "BadRequest", "401": "Unauthorized", "403": "Forbidden", "404": "NotFound", "409": "Conflict", "413": "TooLarge",
                     "414": "URITooLong", "415": "UnsupportedMediaType", "422": "Unprocessable", "431": "HeadersTooLarge", "503": "Unavailable"]
        return codes.map { "    '\($0)': {$ref: '#/components/responses/\(names[$0] ?? "BadRequest")'}" }
    }

    /// A feed's GET, or its HEAD when `schema` is nil (the same status and headers, no body).
    static func feedOperation(_ summary: String, schema: String?, parameters: [String]) -> [String] {
        ["  summary: '\(summary.replacingOccurrences(of: "'", with: "''"))'", "  parameters:"]
            + (parameters + ["{$ref: '#/components/parameters/format'}"]).map { "    - \($0)" }
            + ["  responses:", "    '200':", "      description: the feed",
               "      headers: {ETag: {$ref: '#/components/headers/ETag'}, X-Request-Id: {$ref: '#/components/headers/RequestId'}, Cache-Control: {$ref: '#/components/headers/CacheControl'}}"]
            + (schema.map { ["      content: {application/json: {schema: \($0)}, text/csv: {schema: {type: string}}}"] } ?? [])
            + ["    '304': {$ref: '#/components/responses/NotModified'}"]
            + errors(["400", "401", "403", "404", "414", "431", "503"]).map { schema == nil ? $0.replacingOccurrences(of: "/responses/", with: "/responses/Head") : $0 }
    }

    static func writeOperation(_ method: String, _ summary: String, row: String, ndjson: Bool) -> [String] {
        let json = "application/json: {schema: {type: array, items: {$ref: '#/components/schemas/\(row)'}}}"
        let extra = ndjson ? ", application/x-ndjson: {schema: {type: string}}" : ""
        return ["\(method):", "  summary: '\(summary)'", "  parameters:",
                "    - {name: X-Wardboard-Reason, in: header, description: 'admin only: why a closed month is written (audited)', schema: {type: string}}",
                "  requestBody:", "    required: true",
                "    content: {\(json), text/csv: {schema: {type: string}}\(extra)}", "  responses:",
                "    '200': {description: every row written (or nothing to change), headers: {X-Request-Id: {$ref: '#/components/headers/RequestId'}}, content: {application/json: {schema: {$ref: '#/components/schemas/WriteAnswer'}}}}"]
            + errors(["400", "401", "403", "404", "409", "413", "414", "415", "422", "431", "503"])
    }
}
