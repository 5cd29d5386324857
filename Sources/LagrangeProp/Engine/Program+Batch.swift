import Dispatch
import Foundation

extension Program {
  /// Value, gradient `∂f/∂x` and multipliers at each of `points`, spread over
  /// every core: one worker per core (at most one per point), each with its own
  /// `Workspace`, taking the next point not yet taken whenever it is free (so
  /// that a worker slowed down — by another process on its core, or by harder
  /// points — takes fewer points instead of holding up the batch).
  ///
  /// Each result is the one `gradient(at:solver:options:)` returns for that point,
  /// bit for bit (the calls are independent; the program is immutable).
  ///
  /// ```swift
  /// let results = try program.gradients(at: points)   // results[k] for points[k]
  /// ```
  ///
  /// Dense and band solvers call LAPACK from every worker at once: while the
  /// batch runs, OpenBLAS is single-threaded (its own threads would compete with
  /// the workers for the cores); its thread count is restored afterwards.
  ///
  /// - Complexity: `points.count` gradients over `min(points.count, cores)` threads.
  /// - Throws: the error of the first point (lowest index) whose gradient fails,
  ///   as `gradient(at:solver:options:)` throws it.
  public func gradients(
    at points: [[Double]], solver: Solver = .automatic, options: SolveOptions = SolveOptions()
  ) throws(LagrangePropError) -> [GradientResult] {
    try gradients(at: points, solver: solver, options: options, maximumWorkers: nil)
  }

  /// `gradients(at:solver:options:)` on at most `maximumWorkers` workers (`nil`:
  /// one per core). With one worker the points run on the calling thread and
  /// OpenBLAS keeps its thread count (the serial baseline of `lagrange-bench batched`).
  package func gradients(
    at points: [[Double]], solver: Solver = .automatic, options: SolveOptions = SolveOptions(),
    maximumWorkers: Int?
  ) throws(LagrangePropError) -> [GradientResult] {
    try options.validate()
    let count = points.count
    guard count > 0 else { return [] }
    let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
    let workers = min(count, max(1, maximumWorkers.map { min($0, cores) } ?? cores))
    if workers == 1 {
      let workspace = Workspace()
      return try points.map { (point) throws(LagrangePropError) in
        let result = try gradient(at: point, solver: solver, options: options, workspace: workspace)
        workspace.releaseResultBuffers()
        return result
      }
    }
    let slots = BatchSlots(count: count)
    defer { slots.deallocate() }
    OpenBLASThreads.single {
      DispatchQueue.concurrentPerform(iterations: workers) { _ in
        let workspace = Workspace()
        while let k = slots.take() {
          do throws(LagrangePropError) {
            slots.store(
              .success(
                try gradient(at: points[k], solver: solver, options: options, workspace: workspace)),
              at: k)
            workspace.releaseResultBuffers()
          } catch {
            // Points after this one are not needed: the error of the lowest failing
            // point wins, and every point below it is taken already (in order).
            slots.store(.failure(error), at: k)
            slots.stop()
            return
          }
        }
      }
    }
    var results: [GradientResult] = []
    results.reserveCapacity(count)
    for k in 0..<count {
      // After a failure, points not yet taken are left empty; the failure (or an
      // earlier one) is met first.
      guard let result = slots.result(at: k) else { continue }
      results.append(try result.get())
    }
    return results
  }
}

/// One result slot per point, each written by exactly one worker and read after
/// all workers have finished (`concurrentPerform` returns only then); and the
/// index of the next point to take, handed out in order under a lock.
private final class BatchSlots: @unchecked Sendable {
  private let slots: UnsafeMutablePointer<Result<GradientResult, LagrangePropError>?>
  private let count: Int
  private let lock = NSLock()
  /// The next point to hand out; `count` once all are taken or after a failure.
  private var next = 0

  init(count: Int) {
    self.count = count
    slots = .allocate(capacity: count)
    slots.initialize(repeating: nil, count: count)
  }

  /// The next point not yet taken, in increasing order, or `nil` when none is
  /// left (or the batch stopped).
  func take() -> Int? {
    lock.lock()
    defer { lock.unlock() }
    guard next < count else { return nil }
    next += 1
    return next - 1
  }

  /// Hands out no more points (a point failed: the later ones are not needed).
  func stop() {
    lock.lock()
    next = count
    lock.unlock()
  }

  func store(_ result: Result<GradientResult, LagrangePropError>, at k: Int) {
    slots[k] = result
  }

  func result(at k: Int) -> Result<GradientResult, LagrangePropError>? { slots[k] }

  func deallocate() {
    slots.deinitialize(count: count)
    slots.deallocate()
  }
}
