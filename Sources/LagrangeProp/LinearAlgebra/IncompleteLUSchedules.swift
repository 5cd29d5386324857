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
  /// - Complexity: O(n + nonzeros), the four schedules built concurrently.
  init?(
    order n: Int, columnStart: [Int], columnRows: [Int32], columnDiagonal: [Int],
    rowStart: [Int], rowColumns: [Int32], rowDiagonal: [Int], requiringWideLevels: Bool
  ) {
    let built = ScheduleSlots()
    ParallelBlocks.forEach(count: 4, blockLength: 1, parallel: ParallelBlocks.cores > 1) { s, _ in
      let lower = s % 2 == 0
      let sweep =
        s < 2
        ? LevelScheduledSweep(
          order: n, start: columnStart, columns: columnRows, diagonal: columnDiagonal,
          part: lower ? .lower : .upper)
        : LevelScheduledSweep(
          order: n, start: rowStart, columns: rowColumns, diagonal: rowDiagonal,
          part: lower ? .lower : .upper)
      built.store(sweep, at: s)
    }
    let sweeps = built.sweeps.map { $0! }
    if requiringWideLevels,
      sweeps.contains(where: { !LevelScheduledSweep.pays(order: n, levelCount: $0.levelCount) })
    {
      return nil
    }
    (columnLower, columnUpper, rowLower, rowUpper) = (sweeps[0], sweeps[1], sweeps[2], sweeps[3])
  }
}

/// The four schedules as they are built, one slot per block of
/// `ParallelBlocks.forEach` (each written by exactly one block, read after all
/// have run).
private final class ScheduleSlots: @unchecked Sendable {
  var sweeps = [LevelScheduledSweep?](repeating: nil, count: 4)
  private let lock = NSLock()

  func store(_ sweep: LevelScheduledSweep, at slot: Int) {
    lock.lock()
    defer { lock.unlock() }
    sweeps[slot] = sweep
  }
}
