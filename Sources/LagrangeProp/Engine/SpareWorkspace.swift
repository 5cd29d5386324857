import Foundation

/// One spare `Program.Workspace` per program (shared by its copies), for the
/// calls made without a workspace: `evaluate(at:)` and `gradient(at:)` take it
/// when it is free and give it back after, so that repeated plain calls reuse the
/// values (and partials) instead of faulting in fresh pages each time. A call
/// that finds it taken (another thread's call in progress) uses a new workspace
/// of its own, as before; so concurrent calls stay independent.
///
/// The buffers a result shares (the multipliers of a `GradientResult`) are given
/// up before the workspace goes back: a result kept by the caller is never
/// written over, nor copied; so is a dense LU's storage (`m²` doubles, which an
/// explicit workspace recycles). The memory the spare holds — the buffers of the
/// last plain call, `8n` bytes of values and `8·edges` of partials after a
/// non-sweep gradient, O(the program's own arrays) — lives as long as the program.
final class SpareWorkspace: @unchecked Sendable {
  private let lock = NSLock()
  private var spare: Program.Workspace?

  /// Runs `body` with the spare workspace if it is free, else with a new one.
  ///
  /// - Complexity: O(1) besides `body`.
  func with<R, E: Error>(_ body: (Program.Workspace) throws(E) -> R) throws(E) -> R {
    let workspace = lock.withLock { () -> Program.Workspace? in
      defer { spare = nil }
      return spare
    }
    let used = workspace ?? Program.Workspace()
    defer {
      used.releaseResultBuffers()
      used.matrix = []
      lock.withLock { spare = used }
    }
    return try body(used)
  }
}
