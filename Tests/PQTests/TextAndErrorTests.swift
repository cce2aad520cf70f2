import Foundation
import PQ
import Testing

@Suite struct TextAndErrorTests {
    @Test func vietnameseTextRoundTripsInBothNormalForms() async throws {
        try await TestDatabase.withConnection { db in
            let nfc = "Mỹ Long".precomposedStringWithCanonicalMapping
            let nfd = "Mỹ Long".decomposedStringWithCanonicalMapping
            #expect(Array(nfc.utf8) != Array(nfd.utf8))
            try await db.execute(unsafeSQL: "CREATE TABLE t (id int, name text)")
            try await db.execute("INSERT INTO t VALUES (1, \(nfc)), (2, \(nfd))")
            let rows = try await db.query("SELECT name FROM t ORDER BY id").map { try $0.decode(0, as: String.self) }
            #expect(Array(rows[0].utf8) == Array(nfc.utf8))
            #expect(Array(rows[1].utf8) == Array(nfd.utf8))
        }
    }

    @Test func injectionStringsAreStoredVerbatim() async throws {
        try await TestDatabase.withConnection { db in
            try await db.execute(unsafeSQL: "CREATE TABLE t (name text)")
            let evil = ["'; DROP TABLE t; --", "Robert'); DELETE FROM t;--", "$1", "\\x00", "a\u{0}b".replacingOccurrences(of: "\u{0}", with: ""), "\" OR 1=1 --"]
            for text in evil { try await db.execute("INSERT INTO t VALUES (\(text))") }
            let stored = try await db.query("SELECT name FROM t").map { try $0.decode(0, as: String.self) }
            #expect(stored == evil)
        }
    }

    @Test func uniqueAndForeignKeyViolationsAreRecognisedByCode() async throws {
        try await TestDatabase.withConnection { db in
            try await db.execute(unsafeSQL: """
                CREATE TABLE parent (id int PRIMARY KEY);
                CREATE TABLE child (parent int CONSTRAINT child_parent_fk REFERENCES parent);
                INSERT INTO parent VALUES (1);
                """)
            let unique = await #expect(throws: PQError.self) { try await db.execute("INSERT INTO parent VALUES (\(1))") }
            #expect(unique?.isUniqueViolation == true)
            #expect(unique?.sqlState == .uniqueViolation)
            #expect(unique?.constraint == "parent_pkey")
            #expect(unique?.detail?.contains("(id)=(1)") == true)
            let foreign = await #expect(throws: PQError.self) { try await db.execute("INSERT INTO child VALUES (\(2))") }
            #expect(foreign?.isForeignKeyViolation == true)
            #expect(foreign?.constraint == "child_parent_fk")
            // The connection is still usable afterwards.
            #expect(try await db.scalar("SELECT 1", as: Int.self) == 1)
        }
    }

    @Test func syntaxErrorCarriesSQLStateAndKeepsSQLOutOfDescription() async throws {
        try await TestDatabase.withConnection { db in
            let error = await #expect(throws: PQError.self) { try await db.query("SELEC \(42)") }
            #expect(error?.sqlState == .syntaxError)
            #expect(error?.severity == "ERROR")
            #expect(error?.position == 1)
            #expect(error?.description.contains("SELEC $1") == false)
            #expect(error?.debugDescription.contains("SELEC $1") == true)
        }
    }

    @Test func failedConnectNamesHostAndPortButNotThePassword() async throws {
        let error = await #expect(throws: PQError.self) {
            _ = try await Connection.connect(.init("postgres://someone:s3cret-pass@127.0.0.1:1/db", connectTimeout: 2))
        }
        #expect(error?.code == .connectionFailed)
        #expect(error?.message.contains("127.0.0.1:1") == true)
        #expect(error?.description.contains("s3cret-pass") == false)
        let config = ConnectionConfiguration("postgres://someone:s3cret-pass@db.example:5432/x")
        #expect(!config.redacted.contains("s3cret-pass"))
        #expect(!ConnectionConfiguration("host=x password='a b' user=y").redacted.contains("a b"))
    }

    @Test func keyValueConninfoAndApplicationName() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let parts = try #require(URLComponents(string: url))
            let conninfo = "host=\(parts.host ?? "127.0.0.1") port=\(parts.port ?? 5432) user=\(parts.user ?? "postgres") dbname=\(parts.path.dropFirst())"
            let db = try await Connection.connect(.init(conninfo, applicationName: "wardboard-test-app"))
            #expect(try await db.scalar("SELECT current_setting('application_name')", as: String.self) == "wardboard-test-app")
        }
    }

    @Test func noticesGoToTheLogger() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let handler = CollectingLogHandler()
            let logger = Logger(label: "notice-test") { _ in handler }
            let db = try await Connection.connect(.init(url), logger: logger)
            try await db.execute(unsafeSQL: "DO $$ BEGIN RAISE NOTICE 'ward % checked', 7; END $$")
            let notice = handler.messages.first { $0.1 == "server notice" }
            #expect(notice?.2["pq.message"]?.description == "ward 7 checked")
            #expect(notice?.2["pq.severity"]?.description == "NOTICE")
        }
    }
}

import Logging
