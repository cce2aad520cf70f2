import ArgumentParser
import Foundation
import WardCore

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a realistic, deterministic dataset in the import formats.",
        discussion: "Without --wards: the Long Xuyên demo (January 2023 to October 2026) with the 2025 reorganisation. With --wards N: synthetic cities of 50 wards each, for benchmarks."
    )

    @Option(help: "Folder to write the CSV files into.") var out: String
    @Option(help: "Synthetic wards (cities of 50 each) instead of the Long Xuyên demo.") var wards: Int?
    @Option(help: "Months of history, ending October 2026.") var months: Int?
    @Option(help: "Random seed: the same seed writes the same files.") var seed: UInt64 = 2025

    func validate() throws {
        if let wards, wards < 1 { throw ValidationError("--wards must be at least 1") }
        if let months, months < 1 { throw ValidationError("--months must be at least 1") }
    }

    func run() throws {
        let directory = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var writers = [ImportFile: FileWriter]()
        for file in ImportFile.allCases {
            writers[file] = try FileWriter(directory.appendingPathComponent(file.fileName))
        }
        var counts = [ImportFile: Int]()
        try DatasetGenerator(wards: wards, months: months, seed: seed).generate { file, fields in
            try writers[file]?.write(CSVWriter.line(fields))
            counts[file, default: -1] += 1
        }
        for writer in writers.values { try writer.close() }
        for file in ImportFile.allCases {
            FileHandle.standardError.write(Data("\(file.fileName): \(counts[file] ?? 0) rows\n".utf8))
        }
        print(directory.path)
    }
}

/// Buffered writing of a text file.
final class FileWriter {
    let handle: FileHandle
    var buffer = [UInt8]()

    init(_ url: URL) throws {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: url.path) else { throw ConfigurationError("cannot write \(url.path)") }
        try handle.truncate(atOffset: 0)
        self.handle = handle
        buffer.reserveCapacity(1 << 20)
    }

    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 20 { try flush() }
    }

    func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try flush()
        try handle.close()
    }
}
