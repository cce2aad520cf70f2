import ArgumentParser
import Foundation
import WardCore

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a realistic, deterministic dataset in the import formats.",
        discussion: """
            Without --wards: the Long Xuyên demo (January 2023 to October 2026) with the 2025 reorganisation. \
            With --wards N: synthetic cities of 50 wards each (--city-wards), for benchmarks. \
            With --national: Viet Nam through the 2025 reorganisation (63 provinces, about 700 districts and 10,000 \
            communes until June 2025; 34 provinces and 3,321 communes, wards and special zones from July), \
            January 2021 to October 2026 unless --from/--to say otherwise.
            """
    )

    @Option(help: "Folder to write the CSV files into.") var out: String
    @Option(help: "Synthetic wards (cities of 50 each) instead of the Long Xuyên demo.") var wards: Int?
    @Option(help: "With --wards: wards per city (a national province has 72–100 communes).") var cityWards: Int = 50
    @Option(help: "Months of history, ending October 2026.") var months: Int?
    @Option(help: "Random seed: the same seed writes the same files.") var seed: UInt64 = 2025
    @Flag(help: "Every commune of Viet Nam through the 2025 reorganisation.") var national = false
    @Option(help: "With --national: how many of its 20 indicators (16 to 20).") var indicators: Int = 20
    @Option(help: "First month (YYYY-MM).") var from: String?
    @Option(help: "Last month (YYYY-MM); October 2026 by default.") var to: String?

    func validate() throws {
        if let wards, wards < 1 { throw ValidationError("--wards must be at least 1") }
        if cityWards < 1 { throw ValidationError("--city-wards must be at least 1") }
        if cityWards != 50 && wards == nil { throw ValidationError("--city-wards needs --wards") }
        if national && wards != nil { throw ValidationError("--national and --wards are two different datasets: give one") }
        if !(1...20).contains(indicators) { throw ValidationError("--indicators must be between 1 and 20") }
        if let from, Month(from) == nil { throw ValidationError("--from '\(from)' is not a month (YYYY-MM)") }
        if let to, Month(to) == nil { throw ValidationError("--to '\(to)' is not a month (YYYY-MM)") }
        if let from = from.flatMap(Month.init), let to = to.flatMap(Month.init), from > to {
            throw ValidationError("--from \(from) is after --to \(to)")
        }
        if from != nil && months != nil { throw ValidationError("--from and --months both say where the data starts: give one") }
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
        let last = to.flatMap(Month.init) ?? Month(year: 2026, month: 10) ?? Month(index: 0)
        let generator = DatasetGenerator(wards: wards, months: months, seed: seed, lastMonth: last,
                                         national: national, indicatorCount: indicators, from: from.flatMap(Month.init), cityWards: cityWards)
        try generator.generate { file, fields in
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
