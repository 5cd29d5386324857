/// The factorization of one cyclic block's reduced Jacobian `S = ∂r_F/∂z_F`:
/// a scalar for a block with one feedback variable (no LAPACK call), dense LU,
/// or band LU when the block's structural band (see `reducedJacobianBandwidth`)
/// takes at most half of dense storage — e.g. a discretised boundary-value
/// problem, whose `S` is tridiagonal.
package enum BlockFactorization: Sendable {
  /// `S = s` for a block with one feedback variable; `terms` is the sum of the
  /// magnitudes of what was added to form `s` (the feedback path's derivative and
  /// the `−1` of an assignment), the scale against which `s` is judged.
  case scalar(Double, terms: Double)
  case dense(LUFactorization)
  /// An LU of `Sᵀ` (assembled column by column from the feedback rows when the
  /// block has no acyclic part: contiguous writes, no strided reads).
  case denseOfTranspose(LUFactorization)
  case band(BandLUFactorization)
  /// A sparse LU or GMRES of the whole block `D_BB`, solving `S` through it.
  case sparse(SparseBlockSystem)

  /// Whether the factorization is a dense LU (of `S` or of `Sᵀ`).
  package var isDense: Bool {
    switch self {
    case .dense, .denseOfTranspose: true
    case .scalar, .band, .sparse: false
    }
  }

  /// An estimate of `S`'s reciprocal condition number: `|s| / terms` for a scalar
  /// (how much of `s` survived cancellation), LAPACK `dgecon` (bands: Hager–Higham on `dgbtrs`) of the
  /// equilibrated matrix for dense and band LU; for a sparse LU of the block,
  /// Hager–Higham on UMFPACK solves of the equilibrated matrix; for GMRES, its singularity check's estimate (waiting for it),
  /// `nil` when none was started. A GMRES certificate's bound below `threshold`
  /// is replaced by the solve's estimate (`KrylovSolver.reciprocalCondition(refiningBelow:)`).
  ///
  /// - Complexity: O(1) scalar and sparse LU, O(m²) dense, O(m·(kl + ku)) band;
  ///   GMRES: the rest of its check.
  /// - Throws: the GMRES check's `.singular` (pivot relative to the block's
  ///   first variable), `.krylovNotConverged`, `.nonFinite`.
  func reciprocalCondition(refiningBelow threshold: Double = 0) throws(LinearAlgebraError)
    -> Double?
  {
    switch self {
    case .scalar(let s, let terms): return terms > 0 ? min(1, abs(s) / terms) : 0
    case .dense(let lu), .denseOfTranspose(let lu):
      return (try? lu.reciprocalConditionNumber()) ?? 0
    case .band(let lu): return (try? lu.reciprocalConditionNumber()) ?? 0
    case .sparse(let system):
      return try system.system.reciprocalCondition(refiningBelow: threshold)
    }
  }

  /// Waits for a GMRES singularity check, if one is running (nothing else).
  ///
  /// - Throws: as `reciprocalCondition()`.
  func awaitSingularityCheck() throws(LinearAlgebraError) {
    if case .sparse(let system) = self, case .krylov(let krylov) = system.system {
      _ = try krylov.reciprocalCondition()
    }
  }

  /// Solves `S x = b` (or `Sᵀ x = b`) in place (a division, `dgetrs`, `dgbtrs`,
  /// UMFPACK, or GMRES to `tolerance` — an inexact Newton step — if given).
  ///
  /// - Throws: `.nonFinite` if the solution is not finite; `.krylovNotConverged`.
  package func solve(inPlace b: inout [Double], transpose: Bool = false, tolerance: Double? = nil)
    throws(LinearAlgebraError)
  {
    switch self {
    case .scalar(let s, _):
      b[0] /= s
      if !b[0].isFinite { throw .nonFinite(routine: "scalar block solve") }
    case .dense(let lu): try lu.solve(inPlace: &b, transpose: transpose)
    case .denseOfTranspose(let lu): try lu.solve(inPlace: &b, transpose: !transpose)
    case .band(let lu): try lu.solve(inPlace: &b, transpose: transpose)
    case .sparse(let system):
      try system.solve(inPlace: &b, transpose: transpose, tolerance: tolerance)
    }
  }
}

extension Program {
  /// Whether block `b`'s reduced Jacobian is factored in band storage.
  package func blockUsesBand(_ b: Int) -> Bool {
    let m = blocks[b].feedbackCount
    let bw = blockReducedBandwidth[b]
    return 2 * (2 * bw.lower + bw.upper + 1) <= m
  }

  /// Assembles and factors block `b`'s reduced Jacobian `S` at the current
  /// partials. A dense `S` is assembled transposed, row by row of `S` in reverse
  /// mode through the block's acyclic part `A` (`factorTransposedFeedbackJacobian`:
  /// each row's partials read once, in order). Band and scalar `S` use forward
  /// tangent propagation from unit seeds on the feedback variables through `A`.
  ///
  /// The propagation *pushes* along the block's transposed edges
  /// (`BlockConsumers`), so a seed costs only the non-zeros it reaches (plus a
  /// scan of `A`). A band `S` seeds `kl + ku + 1` groups of structurally
  /// orthogonal columns at once (columns `c ≡ g mod (kl + ku + 1)` never share a
  /// row). Then `dgetrf` (on `Sᵀ`) / `dgbtrf`, or a division when `m = 1`.
  ///
  /// - Complexity: dense O(m·(|A| + m) + fill + m³); band
  ///   O((kl + ku + 1)·(|A| + m) + fill + m·kl·(kl + ku)); scalar O(|A| + fill).
  /// - Throws: `.cyclicBlockTooLarge` if a dense or band `S` exceeds `options.matrixByteLimit`;
  ///   `.singularJacobian` naming the feedback variable at the zero pivot, or at a
  ///   pivot `≤ m·ε·‖S‖₁` (numerically singular: see `LUFactorization.negligiblePivot`).
  package func factorReducedJacobian(
    _ b: Int, partials: UnsafeBufferPointer<Double>, options: SolveOptions
  ) throws(LagrangePropError) -> BlockFactorization {
    var scratch = BlockScratch()
    return try factorReducedJacobian(b, partials: partials, options: options, scratch: &scratch)
  }

  /// As `factorReducedJacobian(_:partials:options:)`, with the tangent buffers
  /// taken from `scratch` (reused across the blocks and iterations of one solve).
  func factorReducedJacobian(
    _ b: Int, partials: UnsafeBufferPointer<Double>, options: SolveOptions,
    scratch: inout BlockScratch
  ) throws(LagrangePropError) -> BlockFactorization {
    let block = blocks[b]
    let m = block.feedbackCount
    let acyclicCount = block.feedbackStart - block.start
    scratch.reserve(acyclic: acyclicCount, feedback: m)

    /// `S · Σ_{c ∈ seeds} e_c` into `scratch.rows[0..<m]` (without the −1 of assignments).
    func propagate(seeds: StrideTo<Int>) {
      scratch.tau.withUnsafeMutableBufferPointer { tauBuffer in
        scratch.rows.withUnsafeMutableBufferPointer { rowBuffer in
          blockConsumers.withUnsafeBuffers { consumers in
            consumers.propagate(
              seeds: seeds, block: block, partials: partials,
              tau: UnsafeMutableBufferPointer(rebasing: tauBuffer[0..<acyclicCount]),
              rows: UnsafeMutableBufferPointer(rebasing: rowBuffer[0..<m]))
          }
        }
      }
    }

    /// `∂c_r/∂z_r` gains `−1` for an assignment owning feedback variable `r`.
    @inline(__always)
    func own(_ r: Int) -> Double { isResidual[block.feedbackStart + r] ? 0 : 1 }

    if m == 1 {
      propagate(seeds: stride(from: 0, to: 1, by: 1))
      let s = scratch.rows[0] - own(0)
      let terms = abs(scratch.rows[0]) + own(0)
      // Exactly zero, or cancelled to round-off (the 1 × 1 form of the pivot test
      // `|u_kk| ≤ m·ε·‖S‖₁`): scale-invariant, as for the matrices below.
      guard s.isFinite, abs(s) > (Double.ulpOfOne / 2) * terms else {
        throw .singularJacobian(
          variable: name(position: block.feedbackStart),
          routine: s == 0 ? "scalar block" : "scalar block (cancelled to round-off)")
      }
      return .scalar(s, terms: terms)
    }
    if let sparse = try factorSparseBlock(
      b, partials: partials, options: options, scratch: &scratch)
    {
      return sparse
    }

    if blockUsesBand(b) {
      let bw = blockReducedBandwidth[b]
      try checkBlockMatrixSize(
        b, cells: m.multipliedReportingOverflow(by: 2 * bw.lower + bw.upper + 1), options: options)
      let width = bw.lower + bw.upper + 1
      var s = BandMatrix(validOrder: m, lowerBandwidth: bw.lower, upperBandwidth: bw.upper)
      for group in 0..<min(width, m) {
        propagate(seeds: stride(from: group, to: m, by: width))
        for r in 0..<m {
          // The one column of this group inside row r's band.
          let first = max(0, r - bw.lower)
          let column = first + ((group - first) % width + width) % width
          if column < m && column <= r + bw.upper {
            s[r, column] = scratch.rows[r] - (column == r ? own(r) : 0)
          }
        }
      }
      let lu: BandLUFactorization
      do { lu = try BandLUFactorization(consume s) } catch {
        throw singularityError(error, unknownsFrom: block.feedbackStart)
      }
      return .band(try requireRegular(lu, unknownsFrom: block.feedbackStart, matrix: "S"))
    }

    try checkBlockMatrixSize(b, cells: m.multipliedReportingOverflow(by: m), options: options)
    scratch.reserve(acyclic: acyclicCount, feedback: m)
    return try factorTransposedFeedbackJacobian(
      b, partials: partials, storage: scratch.takeMatrix(order: m), adjoints: &scratch.tau)
  }

  /// Throws `.cyclicBlockTooLarge` if a matrix of `cells` doubles for block `b`
  /// exceeds `options.matrixByteLimit`.
  func checkBlockMatrixSize(
    _ b: Int, cells: (partialValue: Int, overflow: Bool), options: SolveOptions
  ) throws(LagrangePropError) {
    let bytes = cells.partialValue.multipliedReportingOverflow(by: 8)
    if cells.overflow || bytes.overflow || bytes.partialValue > options.matrixByteLimit {
      let block = blocks[b]
      throw .cyclicBlockTooLarge(
        variables: (block.start..<block.end).prefix(16).map { name(position: $0) },
        order: block.feedbackCount,
        bytes: cells.overflow || bytes.overflow ? Int.max : bytes.partialValue,
        limit: options.matrixByteLimit)
    }
  }

  /// `Sᵀ` row by row of `S` (column by column of `Sᵀ`, contiguous), then `dgetrf`
  /// on `Sᵀ`. Row `r` of `S = ∂r_F/∂z_F` is reverse mode through the block's
  /// acyclic part `A`: feedback constraint `r`'s partials go to its `F` arguments
  /// directly and, for its `A` arguments, into adjoints `ā` that one reverse scan
  /// of `A` pushes on to `F` (each `ā` is cleared as it is consumed, so the
  /// buffer is clean for the next row). Reads each row's partials once, in
  /// order; the adjoints of `A` stay in cache. The one-norm is summed on the way.
  ///
  /// - Complexity: O(m·(m + |A|) + edges of the block) plus `dgetrf`'s `⅔m³`.
  private func factorTransposedFeedbackJacobian(
    _ b: Int, partials: UnsafeBufferPointer<Double>, storage: consuming Matrix,
    adjoints bar: inout [Double]
  ) throws(LagrangePropError) -> BlockFactorization {
    let block = blocks[b]
    let m = block.feedbackCount
    let first = block.start
    let feedback = block.feedbackStart
    var t = storage
    var oneNorm = 0.0
    // Each column's and row's largest magnitude, summed on the way (the columns
    // are in cache): when all lie in `unitScaleRange`, the equilibration is the
    // identity without `dgeequb`'s two passes over the m² entries.
    var unitScaled = true
    var rowMaxima = [Double](repeating: 0, count: m)
    // Column by column, each zeroed just before it is written (in cache: no
    // separate pass over the m² entries of a recycled buffer).
    t.elements.withUnsafeMutableBufferPointer { e in
      rowMaxima.withUnsafeMutableBufferPointer { rowMax in
        bar.withUnsafeMutableBufferPointer { bar in
          // The forward propagation of other blocks leaves tangents here.
          UnsafeMutableBufferPointer(rebasing: bar[0..<(feedback - first)]).update(repeating: 0)
          arguments.withUnsafeBufferPointer { args in
            argumentStart.withUnsafeBufferPointer { start in
              for r in 0..<m {
                let p = feedback + r
                let column = UnsafeMutableBufferPointer(rebasing: e[(r * m)..<(r * m + m)])
                column.update(repeating: 0)
                if !isResidual[p] { column[r] = -1 }
                // The acyclic positions reached lie in `lowest ... highest`: the sweep
                // visits only those (a dense block's constraint often reaches one).
                var highest = first - 1
                var lowest = feedback
                for k in Int(start[p])..<Int(start[p + 1]) {
                  let q = Int(args[k])
                  if q >= feedback && q < block.end {
                    column[q - feedback] += partials[k]
                  } else if q >= first && q < feedback {
                    bar[q - first] += partials[k]
                    highest = max(highest, q)
                    lowest = min(lowest, q)
                  }
                }
                if highest >= first {
                  var a = highest
                  while a >= lowest {
                    let l = bar[a - first]
                    if l != 0 {
                      bar[a - first] = 0
                      for k in Int(start[a])..<Int(start[a + 1]) {
                        let q = Int(args[k])
                        if q >= feedback && q < block.end {
                          column[q - feedback] += partials[k] * l
                        } else if q >= first && q < feedback {
                          bar[q - first] += partials[k] * l
                          lowest = min(lowest, q)
                        }
                      }
                    }
                    a -= 1
                  }
                }
                // Four partial sums: the adds do not wait on one another (the one-norm
                // is an estimate's input; its last bits do not matter).
                var sums = (0.0, 0.0, 0.0, 0.0)
                var columnMax = 0.0
                var c = 0
                while c + 4 <= m {
                  let x = (
                    abs(column[c]), abs(column[c + 1]), abs(column[c + 2]), abs(column[c + 3])
                  )
                  sums = (sums.0 + x.0, sums.1 + x.1, sums.2 + x.2, sums.3 + x.3)
                  columnMax = max(columnMax, max(max(x.0, x.1), max(x.2, x.3)))
                  rowMax[c] = max(rowMax[c], x.0)
                  rowMax[c + 1] = max(rowMax[c + 1], x.1)
                  rowMax[c + 2] = max(rowMax[c + 2], x.2)
                  rowMax[c + 3] = max(rowMax[c + 3], x.3)
                  c += 4
                }
                while c < m {
                  let x = abs(column[c])
                  sums.0 += x
                  columnMax = max(columnMax, x)
                  rowMax[c] = max(rowMax[c], x)
                  c += 1
                }
                let sum = (sums.0 + sums.1) + (sums.2 + sums.3)
                // `max` would drop a NaN; keep it so that the factorization refuses it.
                oneNorm = sum > oneNorm || sum.isNaN ? sum : oneNorm
                if !LUFactorization.unitScaleRange.contains(columnMax) { unitScaled = false }
              }
            }
          }
        }
      }
    }
    if unitScaled {
      unitScaled = rowMaxima.allSatisfy { LUFactorization.unitScaleRange.contains($0) }
    }
    let lu: LUFactorization
    do { lu = try LUFactorization(consume t, oneNorm: oneNorm, unitScaled: unitScaled) } catch {
      throw singularityError(error, unknownsFrom: block.feedbackStart)
    }
    return .denseOfTranspose(
      try requireRegular(lu, unknownsFrom: block.feedbackStart, matrix: "S"))
  }
}

/// Tangent buffers for assembling reduced Jacobians, grown to the largest block
/// met and reused, so that a program of many small cycles allocates them once.
struct BlockScratch {
  var tau: [Double] = []
  var rows: [Double] = []
  /// Per cyclic block, its sparse pattern and symbolic analysis (large blocks only).
  var sparsePlans: [Int: SparseBlockPlan] = [:]
  /// A recycled dense matrix buffer (from a `Program.Workspace`), or empty.
  var matrix: [Double] = []
  /// GMRES solvers kept across calls (from a `Program.Workspace`).
  var krylovSolvers = KeptKrylovSolvers()
  /// Whether the block being factored is for an inexact Newton step of a
  /// non-affine block (not at a solution): GMRES then skips its singularity
  /// check, which the linearization at the solution makes.
  var inexactNewtonStep = false

  /// An `m × m` matrix to be written over entirely: the recycled buffer (stale
  /// contents) when it has the right size, which then moves into the matrix (a
  /// second dense factorization in the same solve allocates its own), else zeros.
  ///
  /// - Complexity: O(1) recycled (no fresh pages), O(m²) allocated.
  mutating func takeMatrix(order m: Int) -> Matrix {
    var buffer: [Double] = []
    swap(&buffer, &matrix)
    if buffer.count == m * m,
      let recycled = try? Matrix(rows: m, columns: m, columnMajor: buffer)
    {
      return recycled
    }
    return Matrix(validRows: m, columns: m)
  }

  /// Makes room for a block with `acyclic` and `feedback` variables.
  mutating func reserve(acyclic: Int, feedback: Int) {
    if tau.count < acyclic { tau = [Double](repeating: 0, count: acyclic) }
    if rows.count < feedback { rows = [Double](repeating: 0, count: feedback) }
  }
}
