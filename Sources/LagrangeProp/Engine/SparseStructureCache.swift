import Foundation

/// The structural facts of a program's large cyclic blocks that every sparse
/// solve needs and no value changes: each range's CSC pattern of `D` and the
/// width of its widest breadth-first level (`.automatic`'s fill screen).
/// Computed on first use and shared by every copy of the `Program` and every
/// thread (under a lock), so repeated calls do not rebuild them.
final class SparseStructureCache: @unchecked Sendable {
  private let lock = NSLock()
  private var patterns: [Range<Int>: SparseJacobianPattern] = [:]
  private var widths: [Range<Int>: Int] = [:]

  /// The pattern of `range`, built by `make` on first use.
  ///
  /// - Complexity: O(1) after the first call (`make` runs outside the lock;
  ///   two threads racing may both build it, and one result is kept).
  func pattern(_ range: Range<Int>, make: () -> SparseJacobianPattern) -> SparseJacobianPattern {
    if let kept = lock.withLock({ patterns[range] }) { return kept }
    let made = make()
    return lock.withLock {
      if let kept = patterns[range] { return kept }
      patterns[range] = made
      return made
    }
  }

  /// The widest breadth-first level of `range`'s pattern, computed by `make` on first use.
  func levelWidth(_ range: Range<Int>, make: () -> Int) -> Int {
    if let kept = lock.withLock({ widths[range] }) { return kept }
    let made = make()
    lock.withLock { widths[range] = made }
    return made
  }
}
