import Foundation

/// The structural facts of a program that its solves need and no value
/// changes: for its large cyclic blocks, each range's CSC pattern of `D`, the
/// same in both orientations for GMRES, and the width of its widest
/// breadth-first level (`.automatic`'s fill screen); for the band solvers and
/// `.automatic`'s choice, the order `D_zz`'s band is narrowest in.
/// Computed on first use and shared by every copy of the `Program` and every
/// thread (under a lock), so repeated calls do not rebuild them.
///
/// It also keeps, per GMRES block, the Krylov basis of the last solve
/// (`KrylovBasisPool`): the next call's solves write into its resident pages
/// (`8·n` bytes per iteration of the longest restart cycle) instead of
/// faulting in fresh ones. It is freed with the program.
final class SparseStructureCache: @unchecked Sendable {
  private let lock = NSLock()
  private var patterns: [Range<Int>: SparseJacobianPattern] = [:]
  private var widths: [Range<Int>: Int] = [:]
  private var orientations: [Range<Int>: SparsePattern] = [:]
  /// The band order, under key 0 (one per program).
  private var bandOrders: [Int: BandOrder] = [:]
  private var bases: [Range<Int>: KrylovBasisPool] = [:]

  /// The value at `key` of the table at `table`, built by `make` on first use.
  ///
  /// - Complexity: O(1) after the first call (`make` runs outside the lock;
  ///   two threads racing may both build it, and the first kept wins).
  private func kept<Key: Hashable, Value>(
    _ table: ReferenceWritableKeyPath<SparseStructureCache, [Key: Value]>, _ key: Key,
    make: () -> Value
  ) -> Value {
    if let kept = lock.withLock({ self[keyPath: table][key] }) { return kept }
    let made = make()
    return lock.withLock {
      if let kept = self[keyPath: table][key] { return kept }
      self[keyPath: table][key] = made
      return made
    }
  }

  /// The pattern of `range`, built by `make` on first use.
  func pattern(_ range: Range<Int>, make: () -> SparseJacobianPattern) -> SparseJacobianPattern {
    kept(\.patterns, range, make: make)
  }

  /// The pattern of `range` in both orientations (GMRES's operator and
  /// ILU(0)), built by `make` on first use.
  func orientations(_ range: Range<Int>, make: () -> SparsePattern) -> SparsePattern {
    kept(\.orientations, range, make: make)
  }

  /// The band order of `D_zz`, computed by `make` on first use.
  func bandOrder(make: () -> BandOrder) -> BandOrder {
    kept(\.bandOrders, 0, make: make)
  }

  /// The Krylov basis pool of the GMRES solvers of block `range`.
  func krylovBases(_ range: Range<Int>) -> KrylovBasisPool {
    kept(\.bases, range) { KrylovBasisPool() }
  }

  /// The widest breadth-first level of `range`'s pattern, computed by `make` on first use.
  func levelWidth(_ range: Range<Int>, make: () -> Int) -> Int {
    kept(\.widths, range, make: make)
  }
}
