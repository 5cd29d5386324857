import Foundation

/// The structural facts of a program that its solves need and no value
/// changes: for its large cyclic blocks, each range's CSC pattern of `D`, the
/// same in both orientations for GMRES, and the width of its widest
/// breadth-first level (`.automatic`'s fill screen); for the band solvers and
/// `.automatic`'s choice, the order `D_zz`'s band is narrowest in.
/// Computed on first use and shared by every copy of the `Program` and every
/// thread (under a lock), so repeated calls do not rebuild them.
final class SparseStructureCache: @unchecked Sendable {
  private let lock = NSLock()
  private var patterns: [Range<Int>: SparseJacobianPattern] = [:]
  private var widths: [Range<Int>: Int] = [:]
  private var orientations: [Range<Int>: SparsePattern] = [:]
  private var keptBandOrder: BandOrder?

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

  /// The pattern of `range` in both orientations (GMRES's operator and
  /// ILU(0)), built by `make` on first use.
  func orientations(_ range: Range<Int>, make: () -> SparsePattern) -> SparsePattern {
    if let kept = lock.withLock({ orientations[range] }) { return kept }
    let made = make()
    lock.withLock { orientations[range] = made }
    return made
  }

  /// The band order of `D_zz`, computed by `make` on first use.
  func bandOrder(make: () -> BandOrder) -> BandOrder {
    if let kept = lock.withLock({ keptBandOrder }) { return kept }
    let made = make()
    lock.withLock { keptBandOrder = made }
    return made
  }

  /// The widest breadth-first level of `range`'s pattern, computed by `make` on first use.
  func levelWidth(_ range: Range<Int>, make: () -> Int) -> Int {
    if let kept = lock.withLock({ widths[range] }) { return kept }
    let made = make()
    lock.withLock { widths[range] = made }
    return made
  }
}
