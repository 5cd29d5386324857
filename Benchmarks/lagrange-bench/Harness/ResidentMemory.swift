import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Resident memory of this process, from `/proc/self/status` (Linux).
///
/// `VmHWM` is the peak resident set ("high-water mark") and `VmRSS` the current
/// one. Writing `5` to `/proc/self/clear_refs` resets the peak to the current
/// value (Linux ≥ 4.0), so the peak of one operation — its working set — can be
/// measured as `VmHWM` after it minus `VmRSS` before it.
enum ResidentMemory {
  /// Current and peak resident bytes, or `nil` where `/proc` is unavailable.
  static func sample() -> (current: Int, peak: Int)? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else {
      return nil
    }
    var current: Int?
    var peak: Int?
    for line in status.split(separator: "\n") {
      if line.hasPrefix("VmRSS:") { current = kilobytes(line) }
      if line.hasPrefix("VmHWM:") { peak = kilobytes(line) }
    }
    guard let current, let peak else { return nil }
    return (current * 1024, peak * 1024)
  }

  /// The process's peak resident bytes so far (`VmHWM`), or `nil`.
  static var peakBytes: Int? { sample()?.peak }

  /// Resets the peak to the current resident size; `false` if the kernel refuses.
  @discardableResult
  static func resetPeak() -> Bool {
    guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
    defer { try? handle.close() }
    do {
      try handle.write(contentsOf: Data("5".utf8))
      return true
    } catch {
      return false
    }
  }

  /// Runs `body` once and measures its working set: the peak resident bytes
  /// during the call above the resident bytes before it (freed heap is first
  /// returned to the system with `malloc_trim`, so it is not counted as reused).
  ///
  /// `delta` is `nil` when the peak could not be reset (then only the process
  /// peak is known).
  static func measure<T>(_ body: () throws -> T) rethrows -> (result: T, usage: MemoryUsage) {
    trimHeap()
    let canReset = resetPeak()
    let before = sample()
    let result = try body()
    let after = sample()
    var delta: Int?
    if canReset, let before, let after { delta = max(0, after.peak - before.current) }
    return (result, MemoryUsage(processPeakBytes: after?.peak, workingSetBytes: delta))
  }

  /// glibc's `malloc_trim(0)` (not exported by the Glibc module; looked up once).
  private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
    #if canImport(Glibc)
      guard let symbol = dlsym(nil, "malloc_trim") else { return nil }
      return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    #else
      return nil
    #endif
  }()

  /// Returns freed heap memory to the system, so that it is not reused unseen.
  static func trimHeap() { _ = mallocTrim?(0) }

  private static func kilobytes(_ line: Substring) -> Int? {
    line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap {
      Int($0)
    }
  }
}

/// The memory one measured operation used.
struct MemoryUsage: Sendable, Equatable {
  /// The process's peak resident bytes at the end of the operation (`VmHWM`).
  var processPeakBytes: Int?
  /// The operation's working set: its peak resident bytes above the resident
  /// bytes before it (`nil` if the peak could not be reset).
  var workingSetBytes: Int?
}
