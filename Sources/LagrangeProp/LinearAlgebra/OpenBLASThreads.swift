import CLAPACKE
import Foundation

/// OpenBLAS's own thread count, lowered to one while batches run on every core:
/// a batch's workers already occupy the cores, and OpenBLAS's threads (which
/// spin while they wait for work) would compete with them.
///
/// Nested and concurrent batches share one setting: the first to enter saves
/// OpenBLAS's thread count and sets it to one, the last to leave restores it.
enum OpenBLASThreads {
  private static let lock = NSLock()
  nonisolated(unsafe) private static var users = 0
  nonisolated(unsafe) private static var saved: Int32 = 1

  /// Runs `body` with OpenBLAS single-threaded.
  ///
  /// - Complexity: O(1) around `body`.
  static func single<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
    lock.lock()
    if users == 0 {
      saved = openblas_get_num_threads()
      if saved != 1 { openblas_set_num_threads(1) }
    }
    users += 1
    lock.unlock()
    defer {
      lock.lock()
      users -= 1
      if users == 0, saved != 1 { openblas_set_num_threads(saved) }
      lock.unlock()
    }
    return try body()
  }
}
