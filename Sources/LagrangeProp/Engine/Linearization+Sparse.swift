/// The sparse solvers' part of linearization: `D_zz` as a sparse LU or GMRES,
/// the adjoint residual reported with Krylov results, and the per-block summary
/// appended to `solverReason`.
extension Program {
  /// The sparse system of `D_zz` for `.sparseLU` / `.krylov`: the forward
  /// solve's factorization when the non-input part is one cyclic block affine in
  /// its own variables (then `D_BB = D_zz`, and its last Newton factorization is
  /// the Jacobian at the solution), else assembled from the partials and factored.
  ///
  /// - Complexity: sparse LU: UMFPACK's symbolic + numeric factorization of
  ///   `D_zz`; GMRES: the ILU(0) preconditioner, O(Σ rows' fill-free products).
  /// - Throws: `.singularJacobian` naming the variable at a zero or negligible
  ///   pivot; `.sparseFactorTooLarge` when the factors' size by the AMD ordering
  ///   (`SparseFillEstimate.bytes`) exceeds `options.matrixByteLimit`;
  ///   `.linearAlgebra(.outOfMemory)`.
  func sparseNonInputSystem(_ solver: Solver, state: ForwardState, options: SolveOptions)
    throws(LagrangePropError) -> SparseSystem
  {
    if blocks.count == 1, let block = blocks.first, block.start == inputCount,
      block.end == variableCount, case .sparse(let reused)? = state.reusableBlockFactors[0]
    {
      switch (solver, reused.system) {
      case (.sparseLU, .lu), (.krylov, .krylov): return reused.system
      default: break
      }
    }
    let range = inputCount..<variableCount
    let pattern = sparseStructure.pattern(range) { sparseJacobianPattern(range) }
    let matrix = state.partials.withUnsafeBufferPointer {
      assembleSparseJacobian(pattern, partials: $0)
    }
    if solver == .krylov {
      return .krylov(
        krylovSolver(
          for: matrix, range: range, settings: options.krylovSettings,
          checked: options.checksKrylovCondition))
    }
    let estimate: SparseFillEstimate
    do { estimate = try SparseFillEstimate(matrix) } catch { throw .linearAlgebra(error) }
    if estimate.bytes > Double(options.matrixByteLimit) {
      throw .sparseFactorTooLarge(
        variables: (inputCount..<variableCount).prefix(16).map { name(position: $0) },
        order: matrix.order, factorNonzeros: Int(min(estimate.factorNonzeros, Double(Int.max))),
        bytes: Int(min(estimate.bytes, Double(Int.max))), limit: options.matrixByteLimit)
    }
    return .lu(
      try mappingNonInputErrors { () throws(LinearAlgebraError) in
        try SparseLUFactorization(matrix)
      })
  }

  /// `"; …"`: what was factored, for the sparse solvers and for block-triangular
  /// solves with a sparse block (appended to `solverReason`).
  static func factorSummary(_ factor: LinearizationFactor) -> String {
    switch factor {
    case .sparse(let system):
      return "; \(system.summary)"
    case .blocks(let factors):
      var counts: [String: Int] = [:]
      var sparse: [String] = []
      for f in factors {
        switch f {
        case .scalar: counts["scalar", default: 0] += 1
        case .dense, .denseOfTranspose: counts["dense LU", default: 0] += 1
        case .band: counts["band LU", default: 0] += 1
        case .sparse(let s):
          sparse.append(
            s.system.summary + (s.choiceReason.isEmpty ? "" : " [\(s.choiceReason)]"))
        }
      }
      guard !sparse.isEmpty else { return "" }
      let small = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
      let shown = sparse.prefix(3).joined(separator: "; ")
      let more = sparse.count > 3 ? "; … (\(sparse.count) sparse blocks)" : ""
      return "; blocks: "
        + (small + [shown + more]).joined(separator: ", ")
    default:
      return ""
    }
  }
}

extension Linearization {
  /// Whether any solve of this linearization runs GMRES.
  var usesKrylov: Bool { krylovTolerance != nil }

  /// The loosest GMRES tolerance among the systems of this linearization
  /// (`nil` when none is solved by GMRES).
  var krylovTolerance: Double? {
    func tolerance(_ system: SparseSystem) -> Double? {
      switch system {
      case .krylov(let k), .frozenLU(let k, _): k.settings.tolerance
      case .lu: nil
      }
    }
    switch factor {
    case .sparse(let system): return tolerance(system)
    case .blocks(let factors):
      return factors.compactMap { f -> Double? in
        guard case .sparse(let s) = f else { return nil }
        return tolerance(s.system)
      }.max()
    default: return nil
    }
  }

  /// The largest recomputed adjoint residual a GMRES gradient may have:
  /// `√krylovTolerance` (10⁻⁶ by default) — GMRES stops at `krylovTolerance` in
  /// its own residual, and the recomputation from the partials agrees with it up
  /// to rounding; anything far above means the solve went wrong (GMRES on a
  /// preconditioner whose triangular solves grow without bound, say), and the
  /// gradient is refused rather than returned approximate.
  var krylovResidualBound: Double? { krylovTolerance.map { $0.squareRoot() } }

  /// `‖R·(D λ + w)_z‖₂ / ‖R·w_z‖₂` over the non-input constraints (program
  /// order), `R` the constraints' own scales (`1 / max_i |D[a, i]|` for row
  /// `a`): the true relative residual of an adjoint solve, from the partials.
  ///
  /// For a seed `w` beyond `2^±400` the caller passes the scaled `2^−e·λ` and
  /// `2^−e·w` the solve worked with (see `adjointsInProgramOrder(_:residual:)`):
  /// a subnormal `λ` keeps too few bits for its residual to say anything.
  ///
  /// - Complexity: O(n + edges).
  func adjointResidual(_ lambda: [Double], objectiveGradient w: [Double]) -> Double {
    let d = program.inputCount
    let n = program.variableCount
    var r = w
    var rowMax = [Double](repeating: 0, count: n)
    r.withUnsafeMutableBufferPointer { r in
      rowMax.withUnsafeMutableBufferPointer { rowMax in
        lambda.withUnsafeBufferPointer { lambda in
          partials.withUnsafeBufferPointer { partials in
            program.arguments.withUnsafeBufferPointer { arguments in
              program.isResidual.withUnsafeBufferPointer { isResidual in
                for p in d..<n {
                  let l = lambda[p]
                  if !isResidual[p] {
                    r[p] -= l
                    rowMax[p] = max(rowMax[p], 1)
                  }
                  for k in program.argumentRange(p) {
                    let q = Int(arguments[k])
                    r[q] += partials[k] * l
                    rowMax[q] = max(rowMax[q], abs(partials[k]))
                  }
                }
              }
            }
          }
        }
      }
    }
    // Two-norms scaled by their largest entries, so that neither squares past
    // the range of Double: the seed is scaled already, but the row weights
    // `1 / max |D[a, i]|` of a constraint multiplied by 10⁻²⁰⁰ are not.
    var (largestResidual, largestWeight) = (0.0, 0.0)
    for p in d..<n {
      let s = rowMax[p] > 0 ? 1 / rowMax[p] : 1
      if !(abs(s * r[p]) <= largestResidual) { largestResidual = abs(s * r[p]) }
      largestWeight = max(largestWeight, abs(s * w[p]))
    }
    var (residual, scale) = (0.0, 0.0)
    for p in d..<n {
      let s = rowMax[p] > 0 ? 1 / rowMax[p] : 1
      if largestResidual > 0 {
        residual += ((s * r[p]) / largestResidual) * ((s * r[p]) / largestResidual)
      }
      if largestWeight > 0 { scale += ((s * w[p]) / largestWeight) * ((s * w[p]) / largestWeight) }
    }
    let residualNorm = largestResidual * residual.squareRoot()
    let weightNorm = largestWeight * scale.squareRoot()
    return weightNorm == 0 ? residualNorm : residualNorm / weightNorm
  }
}

extension Linearization {
  /// The non-input block `D_zz` (program order) in compressed sparse column
  /// storage, assembled from the partials: the matrix `.sparseLU` factors and
  /// `.krylov` iterates with (benchmarks and tests compare direct library calls on it).
  ///
  /// - Complexity: O(m + edges).
  package func sparseNonInputJacobian() -> SparseMatrix {
    let pattern = program.sparseJacobianPattern(program.inputCount..<program.variableCount)
    return partials.withUnsafeBufferPointer {
      program.assembleSparseJacobian(pattern, partials: $0)
    }
  }
}
