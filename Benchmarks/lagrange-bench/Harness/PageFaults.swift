import Foundation

/// Fresh pages a call touches: the process's minor page faults (getrusage)
/// around it, times the page size — 2 MiB for the transparent huge pages faulted
/// in meanwhile (`thp_fault_alloc` of /proc/vmstat: system-wide, but with THP in
/// `madvise` mode only regions advised for them, such as the engine's large
/// buffers, take huge pages). A call that writes into new allocations faults in
/// every page of them (the kernel zero-fills each); a call that reuses buffers
/// faults in none.
enum PageFaults {
  /// The process's minor page faults so far.
  static func minorFaults() -> Int {
    var usage = rusage()
    guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
    return Int(usage.ru_minflt)
  }

  /// The huge pages the system has faulted in so far (`thp_fault_alloc`), or 0
  /// where /proc/vmstat does not say.
  static func hugePageFaults() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/vmstat", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("thp_fault_alloc ") {
      return Int(line.split(separator: " ").last ?? "") ?? 0
    }
    return 0
  }

  /// The fresh bytes per call over `calls` calls of `body`: small-page faults ×
  /// the page size, plus huge-page faults × 2 MiB (each also counted once among
  /// the minor faults).
  static func freshBytesPerCall(calls: Int = 3, _ body: () throws -> Void) rethrows -> Double {
    let before = minorFaults()
    let hugeBefore = hugePageFaults()
    for _ in 0..<calls { try body() }
    let faults = minorFaults() - before
    let huge = min(faults, max(0, hugePageFaults() - hugeBefore))
    let bytes =
      Double(faults - huge) * Double(sysconf(Int32(_SC_PAGESIZE))) + Double(huge) * 2_097_152
    return bytes / Double(calls)
  }
}
