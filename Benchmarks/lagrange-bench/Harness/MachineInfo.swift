import CLAPACKE
import Foundation

/// What a timing depends on besides the code: BLAS threads, cores, build, load.
struct MachineInfo: Sendable, Equatable {
  /// The threads OpenBLAS uses (`openblas_get_num_threads()`).
  var openBLASThreads: Int
  /// `OPENBLAS_NUM_THREADS` if set.
  var openBLASThreadsVariable: String?
  /// The machine's processors (`ProcessInfo.processorCount`).
  var cores: Int
  /// The processors this process may use (`ProcessInfo.activeProcessorCount`).
  var activeCores: Int
  /// `release` or `debug`.
  var build: String
  /// `/proc/loadavg`'s 1, 5 and 15 minute load averages, if readable.
  var loadAverage: [Double]?

  /// The machine as it is now.
  static func current() -> MachineInfo {
    #if DEBUG
      let build = "debug"
    #else
      let build = "release"
    #endif
    var load: [Double]?
    if let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) {
      let fields = text.split(separator: " ").prefix(3).compactMap { Double($0) }
      if fields.count == 3 { load = fields }
    }
    return MachineInfo(
      openBLASThreads: Int(openblas_get_num_threads()),
      openBLASThreadsVariable: ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"],
      cores: ProcessInfo.processInfo.processorCount,
      activeCores: ProcessInfo.processInfo.activeProcessorCount,
      build: build, loadAverage: load)
  }

  /// One line: `OpenBLAS threads 2 (OPENBLAS_NUM_THREADS unset) · cores 2 · release build · load 0.52 0.31 0.20`.
  var summary: String {
    let variable =
      openBLASThreadsVariable.map { "OPENBLAS_NUM_THREADS=\($0)" } ?? "OPENBLAS_NUM_THREADS unset"
    var parts = [
      "OpenBLAS threads \(openBLASThreads) (\(variable))",
      activeCores == cores ? "cores \(cores)" : "cores \(cores) (\(activeCores) active)",
      "\(build) build",
    ]
    if let loadAverage {
      parts.append("load " + loadAverage.map { String(format: "%.2f", $0) }.joined(separator: " "))
    }
    return parts.joined(separator: " · ")
  }
}
