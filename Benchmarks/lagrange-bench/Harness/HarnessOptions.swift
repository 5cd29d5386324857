import ArgumentParser
import Foundation

/// The options every subcommand shares (`@OptionGroup var options: HarnessOptions`).
struct HarnessOptions: ParsableArguments {
  @Option(help: "Timed runs per measurement, after one warm-up; the median is reported.")
  var repeats: Int = 5

  @Option(help: "Output: table (for people), csv or json (for machines).")
  var format: OutputFormat = .table

  @Option(
    help: ArgumentHelp(
      "Also write a log-log plot of time against n (one line per path, fitted slopes) to this SVG file.",
      valueName: "file.svg"))
  var plot: String?

  @Option(
    help: ArgumentHelp(
      "The largest dense matrix (8·n² bytes) a dense path may allocate: bytes, or with a KiB, MiB or GiB suffix. (default: 2GiB)",
      valueName: "size"),
    transform: HarnessOptions.parseByteCount)
  var denseLimit: Int = 2 << 30

  @Option(
    help: ArgumentHelp(
      "The shortest timed sample in milliseconds: faster calls are repeated within a sample.",
      valueName: "ms"))
  var minSampleMs: Double = 5

  @Option(
    help: ArgumentHelp(
      "A measurement whose --repeats runs would take longer than this many seconds takes fewer (at least one).",
      valueName: "seconds"))
  var maxSecondsPerMeasurement: Double = 30

  @Flag(help: "No progress messages on standard error.")
  var quiet = false

  @Option(
    help: ArgumentHelp(
      "What the timings read: wall (the wall clock) or thread-cpu (the timing thread's CPU time: steadier on a shared machine, but blind to other threads — OpenBLAS's, a batch's workers).",
      valueName: "clock"))
  var clock: BenchmarkClock = .wall

  func validate() throws {
    guard repeats >= 1 else {
      throw ValidationError("--repeats must be at least 1, got \(repeats).")
    }
    guard denseLimit > 0 else {
      throw ValidationError("--dense-limit must be positive, got \(denseLimit).")
    }
    guard minSampleMs >= 0, minSampleMs.isFinite else {
      throw ValidationError("--min-sample-ms must be a non-negative number, got \(minSampleMs).")
    }
    guard maxSecondsPerMeasurement > 0, maxSecondsPerMeasurement.isFinite else {
      throw ValidationError(
        "--max-seconds-per-measurement must be positive, got \(maxSecondsPerMeasurement).")
    }
    if let plot, plot.isEmpty {
      throw ValidationError("--plot needs a file name, e.g. --plot results.svg.")
    }
  }

  /// The harness these options describe, for `command`.
  func harness(command: String) -> Harness {
    BenchmarkClockChoice.usesThreadCPUTime = clock == .threadCPU
    return Harness(
      repeats: repeats, warmups: 1, minimumSampleSeconds: minSampleMs / 1000,
      maximumSecondsPerMeasurement: maxSecondsPerMeasurement, matrixByteLimit: denseLimit,
      showsProgress: !quiet, command: "lagrange-bench \(command)")
  }

  /// `2GiB`, `512MiB`, `64KiB`, `1000000` → bytes.
  static func parseByteCount(_ argument: String) throws -> Int {
    let text = argument.trimmingCharacters(in: .whitespaces)
    let units: [(String, Int)] = [
      ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("GB", 1_000_000_000),
      ("MB", 1_000_000), ("kB", 1000), ("B", 1),
    ]
    var number = Substring(text)
    var scale = 1
    for (suffix, factor) in units where text.hasSuffix(suffix) {
      number = text.dropLast(suffix.count)
      scale = factor
      break
    }
    guard let value = Double(number.trimmingCharacters(in: .whitespaces)), value.isFinite,
      value > 0, value * Double(scale) < 9e18
    else {
      throw ValidationError(
        "'\(argument)' is not a positive memory size (expected e.g. 2GiB, 512MiB or 1000000).")
    }
    return Int(value * Double(scale))
  }

  /// Writes the report to standard output (or `output`) in the chosen format, and
  /// the plot if asked, then fails with a non-zero exit if an answer check failed.
  func emit(
    _ report: BenchmarkReport, harness: Harness, output: (String) -> Void = { print($0) }
  ) throws {
    harness.finishProgress()
    output(report.rendered(as: format))
    if let plot {
      do {
        try report.svgPlot().write(toFile: plot, atomically: true, encoding: .utf8)
        if !quiet {
          FileHandle.standardError.write(Data("\(harness.command): plot written to \(plot)\n".utf8))
        }
      } catch {
        FileHandle.standardError.write(
          Data("\(harness.command): cannot write the plot to \(plot): \(error)\n".utf8))
        throw ExitCode.failure
      }
    }
    if ProcessInfo.processInfo.environment["LAGRANGE_BENCH_CHECKSUM"] != nil {
      FileHandle.standardError.write(Data("black hole checksum \(BlackHole.checksum)\n".utf8))
    }
    if !report.passed {
      let lines = report.failures.map { "  \($0.description)" }.joined(separator: "\n")
      FileHandle.standardError.write(
        Data("\(harness.command): answers disagree beyond tolerance:\n\(lines)\n".utf8))
      throw ExitCode.failure
    }
  }
}

/// Parses a comma-separated list of sizes: `64,128,256`, also `1e6` and `10_000`.
///
/// - Throws: `ValidationError` naming the entry that is not a whole number.
func parseSizeList(_ argument: String) throws -> [Int] {
  try argument.split(separator: ",", omittingEmptySubsequences: false).map { part in
    let text = part.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")
    if let value = Int(text) { return value }
    if text.lowercased().contains("e"), let value = Double(text), value.isFinite,
      value == value.rounded(), abs(value) < 1e15
    {
      return Int(value)
    }
    throw ValidationError("'\(text)' is not a whole number (expected e.g. 64,128,256 or 1e6).")
  }
}

/// Throws a `ValidationError` unless `sizes` is non-empty and every size is at least `minimum`.
func validateSizes(_ sizes: [Int], option: String, minimum: Int = 1, what: String = "") throws {
  guard !sizes.isEmpty else { throw ValidationError("\(option) must list at least one size.") }
  if let bad = sizes.first(where: { $0 <= 0 }) {
    throw ValidationError("\(option) must be positive, got \(bad).")
  }
  if let bad = sizes.first(where: { $0 < minimum }) {
    throw ValidationError("\(option) must be at least \(minimum)\(what), got \(bad).")
  }
}

/// Parses a comma-separated list of an option's values (`sweep,lu`) into the
/// cases of an `ExpressibleByArgument` enum, in the order given.
///
/// - Throws: `ValidationError` naming the unknown value and listing the valid ones.
func parseChoiceList<Choice: ExpressibleByArgument & CaseIterable & RawRepresentable>(
  _ argument: String, option: String = "--paths", noun: String = "path"
) throws -> [Choice] where Choice.RawValue == String {
  let names = argument.split(separator: ",", omittingEmptySubsequences: false).map {
    $0.trimmingCharacters(in: .whitespaces)
  }
  return try names.map { name in
    guard let choice = Choice(rawValue: name) else {
      let allowed = Choice.allCases.map(\.rawValue).joined(separator: ", ")
      throw ValidationError("unknown \(noun) '\(name)' in \(option); choose from \(allowed).")
    }
    return choice
  }
}

/// `8·m²` bytes in words: `128 MiB`, `3.2 GiB`.
func formatBytes(_ bytes: Double) -> String {
  if bytes >= Double(1 << 30) { return String(format: "%.1f GiB", bytes / Double(1 << 30)) }
  if bytes >= Double(1 << 20) { return String(format: "%.1f MiB", bytes / Double(1 << 20)) }
  if bytes >= Double(1 << 10) { return String(format: "%.1f KiB", bytes / Double(1 << 10)) }
  return "\(Int(bytes)) B"
}

/// `--clock`: the clock the timings read.
enum BenchmarkClock: String, ExpressibleByArgument, CaseIterable, Sendable {
  case wall
  case threadCPU = "thread-cpu"
}
