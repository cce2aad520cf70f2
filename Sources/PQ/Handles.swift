import CLibPQ
import Logging

/// What libpq's notice receiver needs: server NOTICEs and WARNINGs go to the logger, never stderr.
final class NoticeContext: Sendable {
    let logger: Logger
    init(logger: Logger) { self.logger = logger }
}

private func noticeReceiver(_ context: UnsafeMutableRawPointer?, _ result: OpaquePointer?) {
    guard let context, let result else { return }
    let notice = Unmanaged<NoticeContext>.fromOpaque(context).takeUnretainedValue()
    func field(_ code: Character) -> String? {
        PQresultErrorField(result, Int32(code.asciiValue ?? 0)).map { String(cString: $0) }
    }
    var metadata: Logger.Metadata = ["pq.severity": "\(field("V") ?? field("S") ?? "NOTICE")"]
    if let state = field("C") { metadata["pq.sqlstate"] = "\(state)" }
    if let detail = field("D") { metadata["pq.detail"] = "\(detail)" }
    if let hint = field("H") { metadata["pq.hint"] = "\(hint)" }
    metadata["pq.message"] = "\(field("M") ?? "")"
    notice.logger.info("server notice", metadata: metadata)
}

/// Owns one `PGresult`, cleared when the last reference goes.
///
/// `@unchecked Sendable`: a `PGresult` is never modified after libpq hands it over, and
/// libpq documents reading a result from several threads as safe; we only read it.
final class ResultHandle: @unchecked Sendable {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { PQclear(pointer) }

    var status: ExecStatusType { PQresultStatus(pointer) }
    var rowCount: Int { Int(PQntuples(pointer)) }
    var columnCount: Int { Int(PQnfields(pointer)) }

    /// Rows affected by an INSERT/UPDATE/DELETE/COPY…, 0 when the command reports none.
    var affectedRows: Int {
        guard let text = PQcmdTuples(pointer) else { return 0 }
        return Int(String(cString: text)) ?? 0
    }

    func error(sql: String?) -> PQError {
        func field(_ code: Character) -> String? {
            guard let value = PQresultErrorField(pointer, Int32(code.asciiValue ?? 0)) else { return nil }
            return String(cString: value)
        }
        let primary = field("M") ?? String(cString: PQresultErrorMessage(pointer)).trimmingTrailingNewlines()
        var error = PQError(.server, primary.isEmpty ? "statement failed" : primary)
        error.sqlState = field("C").map(SQLState.init(rawValue:))
        error.severity = field("V") ?? field("S")
        error.detail = field("D")
        error.hint = field("H")
        error.constraint = field("n")
        error.table = field("t")
        error.column = field("c")
        error.schema = field("s")
        error.position = field("P").flatMap { Int($0) }
        error.sql = sql
        return error
    }
}

/// Owns one `PGconn` and its `PGcancel`, finished when the connection object goes.
///
/// `@unchecked Sendable`: the connection itself is only touched by one blocking job at a time
/// (``Connection`` enforces this with its busy flag); the cancel object is documented by libpq
/// as safe to use from another thread while a statement runs.
final class ConnectionHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    let cancelHandle: OpaquePointer?
    /// Kept alive as long as the connection: libpq's notice receiver points at it.
    let noticeContext: NoticeContext

    init(_ pointer: OpaquePointer, noticeContext: NoticeContext) {
        self.pointer = pointer
        self.cancelHandle = PQgetCancel(pointer)
        self.noticeContext = noticeContext
        PQsetNoticeReceiver(pointer, noticeReceiver, Unmanaged.passUnretained(noticeContext).toOpaque())
    }

    deinit {
        if let cancelHandle { PQfreeCancel(cancelHandle) }
        PQfinish(pointer)
    }

    var isOK: Bool { PQstatus(pointer) == CONNECTION_OK }
    var transactionStatus: PGTransactionStatusType { PQtransactionStatus(pointer) }
    var errorMessage: String { String(cString: PQerrorMessage(pointer)).trimmingTrailingNewlines() }

    /// Asks the server to cancel the statement running on this connection. Blocks on the network.
    func cancel() {
        guard let cancelHandle else { return }
        var buffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancelHandle, &buffer, Int32(buffer.count))
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = Substring(self)
        while let last = text.last, last.isNewline || last == " " { text = text.dropLast() }
        return String(text)
    }
}
