/// The OpenAPI 3.1 description served at `/openapi.yaml` (a test checks the server against it).
enum OpenAPIDocument {
    static let yaml = """
    openapi: 3.1.0
    info:
      title: Wardboard
      version: 0.1.0
      description: >-
        Month-by-month figures of wards and communes and their roll-ups, as JSON or CSV
        (?format=csv or Accept text/csv). Reads need a token unless WARDBOARD_PUBLIC_READ=true:
        Authorization Bearer, or ?token= for viewer tokens. Errors are application/problem+json.
    servers:
      - url: http://127.0.0.1:8080
    security:
      - bearer: []
      - queryToken: []
    components:
      securitySchemes:
        bearer: {type: http, scheme: bearer}
        queryToken: {type: apiKey, in: query, name: token}
      parameters:
        format: {name: format, in: query, schema: {type: string, enum: [json, csv]}}
        month: {name: month, in: query, schema: {type: string, pattern: '^[0-9]{4}-[0-9]{2}$'}}
        code: {name: code, in: path, required: true, schema: {type: string}}
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
        Area:
          type: object
          required: [code, name, kind, valid_from]
          properties:
            code: {type: string}
            name: {type: string}
            kind: {type: string, enum: [province, city, district, town, ward, commune]}
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
        CompareRow:
          type: object
          required: [area, name]
          properties:
            area: {type: string}
            name: {type: string}
            value: {type: [number, 'null']}
            previous: {type: [number, 'null']}
            change: {type: [number, 'null']}
            change_pct: {type: [number, 'null']}
            yoy_change_pct: {type: [number, 'null']}
            ytd: {type: [number, 'null']}
            target: {type: [number, 'null']}
            target_pct: {type: [number, 'null']}
            rank: {type: [integer, 'null']}
            share_pct: {type: [number, 'null']}
            worsened: {type: [boolean, 'null']}
        Comparison:
          type: object
          required: [indicator, parent, month, total, rows]
          properties:
            indicator: {type: string}
            parent: {type: string}
            month: {type: string}
            total:
              type: object
              properties:
                value: {type: [number, 'null']}
                previous: {type: [number, 'null']}
                change: {type: [number, 'null']}
                change_pct: {type: [number, 'null']}
                reporting: {type: [integer, 'null']}
                expected: {type: [integer, 'null']}
            rows: {type: array, items: {$ref: '#/components/schemas/CompareRow'}}
        SeriesRow:
          type: object
          required: [area, month, period_start, period_end]
          properties:
            area: {type: string}
            month: {type: string}
            period_start: {type: string, format: date}
            period_end: {type: string, format: date}
            value: {type: [number, 'null']}
            previous: {type: [number, 'null']}
            change: {type: [number, 'null']}
            change_pct: {type: [number, 'null']}
            yoy_change_pct: {type: [number, 'null']}
            ytd: {type: [number, 'null']}
            target: {type: [number, 'null'], description: 'annual target; in a comparable series moved with the territory'}
            target_pct: {type: [number, 'null']}
        Series:
          type: object
          required: [indicator, from, to, lineage, rows]
          properties:
            indicator: {type: string}
            from: {type: string}
            to: {type: string}
            lineage: {type: string, enum: [reported, comparable]}
            rows: {type: array, items: {$ref: '#/components/schemas/SeriesRow'}}
        Report:
          type: object
          required: [area, name, month, rows]
          properties:
            area: {type: string}
            name: {type: string}
            parent: {type: [string, 'null']}
            month: {type: string}
            rows: {type: array, items: {type: object}}
        WriteAnswer:
          type: object
          required: [rows, written]
          properties:
            rows: {type: integer}
            written: {type: integer}
            note: {type: string}
      responses:
        Problem:
          description: An error (RFC 9457)
          content:
            application/problem+json:
              schema: {$ref: '#/components/schemas/Problem'}
    paths:
      /healthz:
        get: {security: [], responses: {'200': {description: alive}}}
      /readyz:
        get: {security: [], responses: {'200': {description: the database answers}, '503': {description: the database is unreachable}}}
      /metrics:
        get: {security: [], responses: {'200': {description: Prometheus text format}}}
      /openapi.yaml:
        get: {security: [], responses: {'200': {description: this document}}}
      /api/v1/areas:
        get:
          parameters:
            - {name: kind, in: query, schema: {type: string}}
            - {name: parent, in: query, schema: {type: string}}
            - {$ref: '#/components/parameters/month'}
            - {$ref: '#/components/parameters/format'}
          responses:
            '200': {description: areas in Vietnamese order, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Area'}}}, text/csv: {}}}
            default: {$ref: '#/components/responses/Problem'}
        post:
          summary: admin — areas in the areas.csv format
          responses: {'200': {description: written, content: {application/json: {schema: {$ref: '#/components/schemas/WriteAnswer'}}}}, default: {$ref: '#/components/responses/Problem'}}
      /api/v1/areas/{code}:
        get:
          parameters: [{$ref: '#/components/parameters/code'}, {$ref: '#/components/parameters/format'}]
          responses:
            '200': {description: the area's rows over time, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Area'}}}}}
            default: {$ref: '#/components/responses/Problem'}
      /api/v1/areas/{code}/party-cells:
        get:
          parameters: [{$ref: '#/components/parameters/code'}, {$ref: '#/components/parameters/format'}]
          responses:
            '200': {description: party cells and members total, content: {application/json: {schema: {type: object, required: [area, members_total, cells]}}}}
            default: {$ref: '#/components/responses/Problem'}
      /api/v1/areas/{code}/report:
        get:
          parameters: [{$ref: '#/components/parameters/code'}, {$ref: '#/components/parameters/month'}, {$ref: '#/components/parameters/format'}]
          responses:
            '200': {description: every indicator for the area and month, content: {application/json: {schema: {$ref: '#/components/schemas/Report'}}}}
            default: {$ref: '#/components/responses/Problem'}
      /api/v1/indicators:
        get:
          parameters: [{$ref: '#/components/parameters/format'}]
          responses:
            '200': {description: indicators, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Indicator'}}}}}
        put:
          summary: admin — indicators in the indicators.csv format
          responses: {'200': {description: written}, default: {$ref: '#/components/responses/Problem'}}
      /api/v1/compare:
        get:
          parameters:
            - {name: indicator, in: query, required: true, schema: {type: string}}
            - {$ref: '#/components/parameters/month'}
            - {name: parent, in: query, schema: {type: string}}
            - {$ref: '#/components/parameters/format'}
          responses:
            '200': {description: the children of parent compared, content: {application/json: {schema: {$ref: '#/components/schemas/Comparison'}}, text/csv: {}}}
            '304': {description: not modified (If-None-Match)}
            default: {$ref: '#/components/responses/Problem'}
      /api/v1/series:
        get:
          parameters:
            - {name: indicator, in: query, required: true, schema: {type: string}}
            - {name: areas, in: query, required: true, schema: {type: string}, description: comma-separated area codes}
            - {name: from, in: query, schema: {type: string}}
            - {name: to, in: query, schema: {type: string}}
            - {name: lineage, in: query, schema: {type: string, enum: [reported, comparable]}}
            - {name: layout, in: query, schema: {type: string, enum: [long, wide]}}
            - {$ref: '#/components/parameters/format'}
          responses:
            '200': {description: tidy long rows (or one row per month with layout=wide), content: {application/json: {schema: {$ref: '#/components/schemas/Series'}}, text/csv: {}}}
            '304': {description: not modified}
            default: {$ref: '#/components/responses/Problem'}
      /api/v1/status:
        get:
          responses: {'200': {description: 'worker queue depth, fact batches waiting to be summed, last run and data freshness'}}
      /api/v1/observations:
        post:
          requestBody: {content: {application/json: {schema: {type: array}}, text/csv: {}}}
          responses:
            '200': {description: all rows written, content: {application/json: {schema: {$ref: '#/components/schemas/WriteAnswer'}}}}
            default: {$ref: '#/components/responses/Problem'}
      /api/v1/facts:
        post:
          requestBody: {content: {application/x-ndjson: {}, application/json: {}, text/csv: {}}}
          responses:
            '200': {description: all rows written, content: {application/json: {schema: {$ref: '#/components/schemas/WriteAnswer'}}}}
            default: {$ref: '#/components/responses/Problem'}
      /api/v1/targets:
        put:
          requestBody: {content: {application/json: {schema: {type: array}}, text/csv: {}}}
          responses:
            '200': {description: all rows written, content: {application/json: {schema: {$ref: '#/components/schemas/WriteAnswer'}}}}
            default: {$ref: '#/components/responses/Problem'}
      /api/v1/party-cells:
        put:
          summary: admin — party cells in the party_cells.csv format
          responses: {'200': {description: written}, default: {$ref: '#/components/responses/Problem'}}

    """
}
