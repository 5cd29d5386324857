import Dispatch
import Foundation

/// A `KrylovSolver`'s singularity check running on a background thread: shared
/// by every copy of the solver, waited for once, its result kept.
///
/// The check gets a thread of its own rather than a work item on a global
/// dispatch queue: the caller may itself be one of `gradients(at:)`'s workers
/// on that queue's pool, and waiting there for an item queued behind the
/// waiting workers would rely on the pool growing past its width (libdispatch
/// on Linux did in a test, but nothing promises it).
final class KrylovConditionCheck: @unchecked Sendable {
  private let done = DispatchGroup()
  /// Written once by the worker before `done.leave()`, read only after `done.wait()`.
  private var outcome: Result<Double, LinearAlgebraError>?
  /// Whether the result is a diagonal-dominance certificate's lower bound (no solve).
  let isCertified: Bool

  /// A check already decided: `reciprocalCondition` (a certificate, no solve).
  init(certified reciprocalCondition: Double) {
    outcome = .success(reciprocalCondition)
    isCertified = true
  }

  /// Starts `solver.reciprocalConditionEstimate()` on a new thread.
  init(_ solver: KrylovSolver) {
    isCertified = false
    done.enter()
    Thread.detachNewThread { [self] in
      outcome = Result { () throws(LinearAlgebraError) in try solver.reciprocalConditionEstimate() }
      done.leave()
    }
  }

  /// Waits for the check and returns its estimate.
  ///
  /// - Throws: the check's error.
  func result() throws(LinearAlgebraError) -> Double {
    done.wait()
    return try outcome!.get()
  }
}

extension KrylovSolver {
  /// A certificate that the equilibrated matrix `A = R·M·C` GMRES works on is
  /// regular, with a lower bound of its reciprocal condition number, when `A`
  /// is strictly diagonally dominant by columns — `|a_jj| > Σ_{i≠j} |a_ij|` for
  /// every column `j`, each with a margin above the rounding of its sums — as
  /// `I − γP` is for a discounted Markov chain (`γ < 1`).
  ///
  /// Such a matrix is regular (Lévy–Desplanques), and Varah's bound applied to
  /// `Aᵀ` gives `‖A⁻¹‖₁ ≤ 1 / min_j (|a_jj| − Σ_{i≠j} |a_ij|)`, so
  /// `min_j margin_j / ‖A‖₁` is never above the true reciprocal condition
  /// number. `nil` when some column is not dominant (or a diagonal entry is
  /// missing): then only a solve can tell (`reciprocalConditionEstimate()`).
  ///
  /// - Complexity: O(n + nonzeros), no solve.
  func diagonalDominanceBound() -> Double? {
    let n = order
    guard n > 0 else { return nil }
    // Per fixed block of columns: whether each is dominant, the smallest
    // margin and the largest column sum (exact minima and maxima: the same
    // result on any number of cores).
    let blockLength = 1 << 14
    let blocks = ParallelBlocks.blockCount(n, blockLength: blockLength)
    var dominant = [Bool](repeating: true, count: blocks)
    var margins = [Double](repeating: .infinity, count: blocks)
    var norms = [Double](repeating: 0, count: blocks)
    matrix.columnStart.withUnsafeBufferPointer { start in
      matrix.rowIndices.withUnsafeBufferPointer { rows in
        matrix.values.withUnsafeBufferPointer { values in
          rowScale.withUnsafeBufferPointer { scale in
            dominant.withUnsafeMutableBufferPointer { dominant in
              margins.withUnsafeMutableBufferPointer { margins in
                norms.withUnsafeMutableBufferPointer { norms in
                  ParallelBlocks.forEach(
                    count: n, blockLength: blockLength,
                    parallel: ParallelBlocks.isParallel(work: matrix.nonzeroCount)
                  ) { b, columns in
                    for j in columns {
                      var diagonal = 0.0
                      var offDiagonal = 0.0
                      var hasDiagonal = false
                      for k in start[j]..<start[j + 1] {
                        let a = abs(scale[rows[k]] * values[k] * columnScale[j])
                        if rows[k] == j {
                          diagonal = a
                          hasDiagonal = true
                        } else {
                          offDiagonal += a
                        }
                      }
                      let margin = diagonal - offDiagonal
                      // The sums carry at most (entries)·ε relative rounding: a
                      // margin inside it proves nothing.
                      let rounding =
                        Double(start[j + 1] - start[j] + 1) * 4 * Double.ulpOfOne
                        * (diagonal + offDiagonal)
                      guard hasDiagonal, margin.isFinite, margin > rounding else {
                        dominant[b] = false
                        return
                      }
                      margins[b] = min(margins[b], margin)
                      norms[b] = max(norms[b], diagonal + offDiagonal)
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    let normA = norms.max() ?? 0
    guard !dominant.contains(false), normA > 0 else { return nil }
    return min(1, (margins.min() ?? 0) / normA)
  }

  /// The relative tolerance of the condition check's solve for a matrix of
  /// order `n`: well below `1/√n`, the relative size of the part of a
  /// random vector outside the range of a singular matrix (see
  /// `reciprocalConditionEstimate()`), and never tighter than the solver's own.
  static func conditionCheckTolerance(order n: Int, settings: KrylovSettings) -> Double {
    max(settings.tolerance, min(1e-6, 1e-4 / Double(max(n, 1)).squareRoot()))
  }

  /// An estimate of the reciprocal condition number `1 / (‖A‖₁·‖A⁻¹‖₁)` of
  /// the equilibrated matrix `A = R·M·C` GMRES works on, and the check that
  /// `M` is not singular, from one GMRES solve `A·y = c` with a fixed
  /// pseudo-random right-hand side `c` (entries uniform in [−1, 1)).
  ///
  /// `‖y‖₁ / ‖c‖₁ ≤ ‖A⁻¹‖₁`, so the estimate `‖c‖₁ / (‖A‖₁·‖y‖₁)` is never
  /// below the true reciprocal condition number: it may be optimistic (for a
  /// random `c`, by a factor of order `√n` at worst in practice), where
  /// LAPACK's `dgecon` is usually within a factor 3. Its purpose is the other
  /// side: a singular `M` — which GMRES, converging on a consistent singular
  /// system to one of its many solutions, cannot tell from a regular one — has a
  /// range that misses `c` by about `‖c‖₂/√n`, so this solve stalls above its
  /// tolerance (`conditionCheckTolerance`) and the matrix is refused. So does a
  /// regular matrix GMRES cannot solve with this preconditioner (strongly
  /// non-normal, or an ILU(0) whose triangular solves grow without bound): the
  /// refusal means "singular, or beyond GMRES".
  ///
  /// - Complexity: one GMRES solve to a tolerance of `min(10⁻⁶, 10⁻⁴/√n)` (about
  ///   half the iterations of a solve to 10⁻¹²), at most `settings.maxIterations`
  ///   products; a restart cycle that gains less than 0.1 % ends it early.
  /// - Throws: `.singular(routine:pivot:)` when the solve stagnates above its
  ///   tolerance — `pivot` is the entry of largest magnitude of the last iterate,
  ///   the variable the attempted solve moved most (along the near-null
  ///   direction); `.krylovNotConverged` when it runs out of
  ///   `settings.maxIterations` while still progressing; `.nonFinite` if the
  ///   solve overflows.
  package func reciprocalConditionEstimate() throws(LinearAlgebraError) -> Double {
    let n = order
    guard n > 0 else { return 1 }
    // c_i uniform in [−1, 1) from a fixed SplitMix64 stream: deterministic, and
    // with probability 1 outside the range of a singular matrix (±1 entries were
    // not: an equilibrated 2 × 2 `I − P` has range (1, −1), which half of them hit).
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: n)
    var c = [Double](repeating: 0, count: n)
    for i in 0..<n {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      c[i] = Double((z ^ (z >> 31)) >> 11) * 0x1p-52 - 1
    }
    // ‖B‖₁ of B = R·M·C, column sums of |r_i·m_ij·c_j| (M in CSC).
    var normA = 0.0
    for j in 0..<n {
      var sum = 0.0
      for k in matrix.columnStart[j]..<matrix.columnStart[j + 1] {
        sum += abs(rowScale[matrix.rowIndices[k]] * matrix.values[k] * columnScale[j])
      }
      normA = max(normA, sum)
    }
    guard normA > 0 else { throw .singular(routine: routineName, pivot: 0) }
    var run = settings
    run.tolerance = Self.conditionCheckTolerance(order: n, settings: settings)
    var y = [Double](repeating: 0, count: n)
    let converged: Bool
    do {
      try y.withUnsafeMutableBufferPointer { (yp) throws(LinearAlgebraError) in
        try c.withUnsafeBufferPointer { (cp) throws(LinearAlgebraError) in
          _ = try solveEquilibrated(
            cp, into: yp, transpose: false, settings: run, stopsOnStagnation: true)
        }
      }
      converged = true
    } catch .krylovNotConverged(let iterations, let residual, let tolerance)
      where iterations >= run.maxIterations
    {
      // Out of iterations while still progressing: the iteration limit, not
      // the matrix, is what stopped it.
      throw .krylovNotConverged(iterations: iterations, residual: residual, tolerance: tolerance)
    } catch .krylovNotConverged {
      converged = false  // stagnated: the right-hand side is outside the range
    }
    var largest = 0
    var normY = 0.0
    for i in 0..<n {
      normY += abs(y[i])
      if abs(y[i]) > abs(y[largest]) { largest = i }
    }
    guard converged, normY.isFinite, normY > 0 else {
      throw .singular(routine: routineName, pivot: largest)
    }
    var normC = 0.0
    for value in c { normC += abs(value) }
    return min(1, normC / (normA * normY))
  }

  /// The routine a singular matrix is reported by.
  private var routineName: String {
    "GMRES (no solution for a generic right-hand side: the matrix is singular, or GMRES with this preconditioner cannot solve with it — too ill-conditioned or strongly non-normal; .sparseLU or .lu tell which)"
  }
}
