import Foundation

/// Fresh pages a call touches: the process's minor page faults (getrusage)
/// around it, times the page size. A call that writes into new allocations
/// faults in every page of them (the kernel zero-fills each); a call that reuses
/// buffers faults in none.
enum PageFaults {
  /// The process's minor page faults so far.
  static func minorFaults() -> Int {
    var usage = rusage()
    guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
    return Int(usage.ru_minflt)
  }

  /// The fresh bytes (minor faults × page size) per call over `calls` calls of `body`.
  static func freshBytesPerCall(calls: Int = 3, _ body: () throws -> Void) rethrows -> Double {
    let before = minorFaults()
    for _ in 0..<calls { try body() }
    let faults = minorFaults() - before
    return Double(faults) * Double(sysconf(Int32(_SC_PAGESIZE))) / Double(calls)
  }
}
