import Foundation

/// ILU(0)'s four triangular sweeps, level-scheduled (`LevelScheduledSweep`):
/// `M⁻ᵀ = (L·U)⁻¹` sweeps `B = Aᵀ`'s rows (`A`'s column-wise arrays) forward
/// over `L` and back over `U`; `M⁻¹ = (Uᵀ·Lᵀ)⁻¹` sweeps `B`'s columns (the
/// row-wise arrays) forward over `Uᵀ` and back over `Lᵀ`.
///
/// On a random sparse graph every sweep has a few dozen wide levels (a random
/// Markov chain of 10⁶ states with 8 transitions each: about 30), so each
/// sweep runs on all cores with one dispatch per level.
struct IncompleteLUSchedules: Sendable {
  /// Forward over `L` and back over `U`, on the column-wise arrays.
  let columnLower: LevelScheduledSweep
  let columnUpper: LevelScheduledSweep
  /// Forward over `Uᵀ` and back over `Lᵀ`, on the row-wise arrays.
  let rowLower: LevelScheduledSweep
  let rowUpper: LevelScheduledSweep

  /// The four schedules of a pattern whose every diagonal entry is present,
  /// or `nil` when `requiringWideLevels` and some sweep's levels are too
  /// narrow to pay (`LevelScheduledSweep.pays(order:levelCount:)`).
  ///
  /// - Parameter columnLevels: the `.lower` levels of the column-wise arrays
  ///   (the pattern's `eliminationLevels`, which the factorization uses too).
  /// - Complexity: O(n + nonzeros), the other three sweeps' levels and then
  ///   the four schedules built concurrently.
  init?(
    order n: Int, columnStart: [Int], columnRows: [Int32], columnDiagonal: [Int],
    columnLevels: EliminationLevels, rowStart: [Int], rowColumns: [Int32], rowDiagonal: [Int],
    requiringWideLevels: Bool
  ) {
    // Sweep s: column-wise for s < 2, lower triangle for even s.
    func triangle(_ s: Int) -> Triangle { s % 2 == 0 ? .lower : .upper }
    let levels = Slots<EliminationLevels>(count: 4)
    levels.store(columnLevels, at: 0)
    ParallelBlocks.forEach(count: 3, blockLength: 1, parallel: ParallelBlocks.cores > 1) { b, _ in
      let s = b + 1
      levels.store(
        s < 2
          ? EliminationLevels(
            order: n, start: columnStart, columns: columnRows, triangle: triangle(s))
          : EliminationLevels(
            order: n, start: rowStart, columns: rowColumns, triangle: triangle(s)),
        at: s)
    }
    let sweepLevels = levels.values
    let allWide = sweepLevels.allSatisfy {
      LevelScheduledSweep.pays(order: n, levelCount: $0.levelCount)
    }
    if requiringWideLevels && !allWide { return nil }
    let sweeps = Slots<LevelScheduledSweep>(count: 4)
    ParallelBlocks.forEach(count: 4, blockLength: 1, parallel: ParallelBlocks.cores > 1) { s, _ in
      sweeps.store(
        s < 2
          ? LevelScheduledSweep(
            levels: sweepLevels[s], start: columnStart, columns: columnRows,
            diagonal: columnDiagonal, triangle: triangle(s))
          : LevelScheduledSweep(
            levels: sweepLevels[s], start: rowStart, columns: rowColumns, diagonal: rowDiagonal,
            triangle: triangle(s)),
        at: s)
    }
    let built = sweeps.values
    (columnLower, columnUpper, rowLower, rowUpper) = (built[0], built[1], built[2], built[3])
  }
}

/// Values built concurrently, one slot per block of `ParallelBlocks.forEach`
/// (each written by exactly one block, read after all have run).
private final class Slots<Value>: @unchecked Sendable {
  private var slots: [Value?]
  private let lock = NSLock()

  init(count: Int) { slots = [Value?](repeating: nil, count: count) }

  func store(_ value: Value, at slot: Int) {
    lock.lock()
    defer { lock.unlock() }
    slots[slot] = value
  }

  /// Every slot's value (all stored by now).
  var values: [Value] {
    lock.lock()
    defer { lock.unlock() }
    return slots.map { $0! }
  }
}
