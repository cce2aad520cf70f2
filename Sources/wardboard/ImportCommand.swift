import ArgumentParser
import Foundation
import Logging
import WardStore

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load the CSV files of DATA.md: each file whole or not at all.",
        discussion: "Files load in dependency order. Importing the same files again changes nothing; a facts file imported before is skipped (it is recognised by its SHA-256)."
    )

    @Argument(help: "A folder holding areas.csv, successions.csv, indicators.csv, party_cells.csv, observations.csv, facts.csv, targets.csv.")
    var directory: String?

    @Option(name: .customLong("file"), help: "Import one file (its kind from its name).")
    var files: [String] = []

    @Option(help: "Write into closed (approved or locked) months anyway, for this reason; kept in the audit history.")
    var reason: String?

    func validate() throws {
        if directory == nil && files.isEmpty { throw ValidationError("give a folder or --file FILE") }
        if let reason, reason.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--reason needs a reason") }
    }

    func run() async throws {
        LoggingSetup.bootstrap()
        let env = AppEnvironment()
        var logger = env.makeLogger("wardboard.import")
        logger.logLevel = max(logger.logLevel, .warning)
        let database = env.openDatabase(maxConnections: 2, logger: logger)
        try await env.warnAboutSettings(database, logger: logger)
        // The command line is an admin's: observations may carry their real arrival (reported_at).
        let importer = Importer(database: database, author: "import:\(NSUserName())", acceptsArrivalTimes: true, overrideReason: reason, logger: logger)
        let progress = ProgressReporter()
        do {
            var results = [Importer.FileResult]()
            if let directory {
                results += try await importer.importDirectory(URL(fileURLWithPath: directory)) { progress.report($0) }
            }
            for file in files {
                results.append(try await importer.importFile(URL(fileURLWithPath: file)) { progress.report($0) })
            }
            for result in results {
                let rate = result.seconds > 0 ? Int(Double(result.rows) / result.seconds) : 0
                let what = result.skipped.map { "skipped: \($0)" } ?? "\(result.changed) inserted or changed"
                print("\(result.file): \(result.rows) rows, \(what), \(String(format: "%.2f", result.seconds)) s, \(rate) rows/s"
                      + (result.warnings.isEmpty ? "" : ", \(result.warnings.count) warning\(result.warnings.count == 1 ? "" : "s")"))
                for warning in result.warnings.prefix(20) {
                    FileHandle.standardError.write(Data("warning: \(result.file):\(warning)\n".utf8))
                }
            }
        } catch let error as ImportError {
            progress.clear()
            FileHandle.standardError.write(Data((error.description + (error.closedMonths ? "\n(the months are closed: give --reason to write into them anyway)" : "") + "\n").utf8))
            await database.close()
            throw ExitCode(1)
        } catch let error as StoreError {
            progress.clear()
            FileHandle.standardError.write(Data("import: \(error.message)\n".utf8))
            await database.close()
            throw ExitCode(1)
        }
        await database.close()
    }
}

/// A progress bar with rows/s on a terminal; a plain line every few seconds otherwise.
final class ProgressReporter: @unchecked Sendable {
    // @unchecked: called from the import's one task only.
    let isTerminal = isatty(STDERR_FILENO) == 1
    var lastPrint = ContinuousClock.now - .seconds(10)
    var started = [String: ContinuousClock.Instant]()

    func report(_ progress: Importer.Progress) {
        let now = ContinuousClock.now
        let start = started[progress.file] ?? now
        started[progress.file] = start
        let elapsed = max(0.001, Double((now - start).components.attoseconds) / 1e18 + Double((now - start).components.seconds))
        let rate = Int(Double(progress.rows) / elapsed)
        if isTerminal {
            guard progress.finished || now - lastPrint > .milliseconds(100) else { return }
            let fraction = progress.totalBytes > 0 ? min(1, Double(progress.bytesRead) / Double(progress.totalBytes)) : 1
            let filled = Int(fraction * 30)
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: 30 - filled)
            let line = "\r\(progress.file.padding(toLength: 18, withPad: " ", startingAt: 0)) \(bar) \(Int(fraction * 100))% \(progress.rows) rows \(rate) rows/s"
            FileHandle.standardError.write(Data((line + (progress.finished ? "\n" : "")).utf8))
        } else {
            guard progress.finished || now - lastPrint > .seconds(2) else { return }
            FileHandle.standardError.write(Data("\(progress.file): \(progress.rows) rows, \(rate) rows/s\(progress.finished ? ", done" : "")\n".utf8))
        }
        lastPrint = now
    }

    func clear() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
