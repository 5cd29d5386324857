import Foundation

/// One spare `Program.Workspace` per program (shared by its copies), for the
/// calls made without a workspace: `evaluate(at:)` and `gradient(at:)` take it
/// when it is free and give it back after, so that repeated plain calls reuse the
/// values (and partials) instead of faulting in fresh pages each time. A call
/// that finds it taken (another thread's call in progress) uses a new workspace
/// of its own, as before; so concurrent calls stay independent.
///
/// The buffers a result shares (the multipliers of a `GradientResult`) stay with
/// the spare; the next call takes their storage back only if no result holds it
/// any more (`reclaim(_:)`): a result kept by the caller is never written over,
/// nor copied. A dense LU's storage (`m²` doubles) and the GMRES solvers of large
/// sparse blocks, which an explicit workspace keeps, are given up (the plain
/// calls build them afresh, as before). The memory the spare holds — the buffers of the last
/// plain call, `8n` bytes of values, of multipliers when their result has been
/// released, and `8·edges` of partials after a non-sweep gradient: O(the
/// program's own arrays) — lives as long as the program.
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
    Self.reclaim(&used.multipliers)
    Self.reclaim(&used.declarationMultipliers)
    defer {
      used.matrix = []
      used.krylovSolvers = KeptKrylovSolvers()
      lock.withLock { spare = used }
    }
    return try body(used)
  }

  /// Takes back the storage of a buffer that a returned result may still share:
  /// the same storage, zero-filled (`8n` bytes written, no page faulted in), if
  /// no result holds it any more; else an empty buffer (the call then allocates
  /// a fresh one, as a new workspace would), the result's storage untouched.
  ///
  /// `removeAll(keepingCapacity:)` keeps a uniquely referenced storage and
  /// otherwise starts new, untouched storage without copying the elements: the
  /// storage address says which.
  ///
  /// - Complexity: O(n) when the storage is reused, O(1) otherwise.
  static func reclaim(_ buffer: inout [Double]) {
    let count = buffer.count
    guard count > 0 else { return }
    let before = buffer.withUnsafeBufferPointer { $0.baseAddress }
    buffer.removeAll(keepingCapacity: true)
    let after = buffer.withUnsafeBufferPointer { $0.baseAddress }
    if before == after {
      buffer.append(contentsOf: repeatElement(0, count: count))
    } else {
      buffer = []
    }
  }
}
