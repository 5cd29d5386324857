import Dispatch
import Foundation

/// Runs a loop over `0..<count` in fixed blocks of consecutive indices, on all
/// cores when the work is large enough.
///
/// The blocks depend only on `count` and `blockLength`, never on the number of
/// cores or on which thread runs which block, so a computation that combines
/// per-block results in block order gives bit-identical answers on any
/// machine, serial or parallel.
enum ParallelBlocks {
  /// Whether to spread blocks over threads: more than one core and at least
  /// `minimumWork` units of work (below that, dispatch costs more than it saves).
  static func isParallel(work: Int, minimumWork: Int = 1 << 18) -> Bool {
    work >= minimumWork && cores > 1
  }

  /// The active cores, read once.
  static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

  /// The number of blocks of `blockLength` covering `count` indices.
  static func blockCount(_ count: Int, blockLength: Int) -> Int {
    (count + blockLength - 1) / blockLength
  }

  /// Calls `body(block, range)` for every block of `0..<count` — concurrently
  /// when `parallel`, else in order on this thread. Returns when all are done.
  ///
  /// `body` must only write state that belongs to its own block.
  static func forEach(
    count: Int, blockLength: Int, parallel: Bool, _ body: (Int, Range<Int>) -> Void
  ) {
    let blocks = blockCount(count, blockLength: blockLength)
    func run(_ b: Int) { body(b, (b * blockLength)..<min(count, (b + 1) * blockLength)) }
    if parallel && blocks > 1 {
      // The blocks write disjoint state (the caller's contract), and
      // `concurrentPerform` returns only when all have run: `run` does not
      // outlive this call, and no two threads touch the same memory.
      withoutActuallyEscaping(run) { run in
        let body = UncheckedSendableBody(run: run)
        DispatchQueue.concurrentPerform(iterations: blocks) { body.run($0) }
      }
    } else {
      for b in 0..<blocks { run(b) }
    }
  }
}

/// A block body handed to `concurrentPerform` (see `ParallelBlocks.forEach`).
private struct UncheckedSendableBody: @unchecked Sendable {
  let run: (Int) -> Void
}
