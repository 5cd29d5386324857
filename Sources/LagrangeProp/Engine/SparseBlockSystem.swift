/// How the linear systems of cyclic blocks are solved; set from the `Solver`.
enum BlockMethod: Sendable, Equatable {
  /// Per block: scalar, band LU, dense LU, sparse LU or GMRES, from the block's
  /// size, band and the sparse LU's symbolic estimates (`.blockTriangular`,
  /// `.automatic`, and the forward solves of the dense and band solvers).
  case automatic
  /// A sparse LU (UMFPACK) of every block of more than one feedback variable (`.sparseLU`).
  case sparseLU
  /// GMRES on every block of more than one feedback variable (`.krylov`).
  case krylov
}

/// A sparse solver of a whole block of `D` — a cyclic block's `D_BB` or the
/// non-input `D_zz` — as a UMFPACK factorization or a preconditioned GMRES.
package enum SparseSystem: Sendable {
  case lu(SparseLUFactorization)
  case krylov(KrylovSolver)
  /// GMRES preconditioned by the sparse LU of a nearby matrix (Newton's frozen
  /// Jacobian); where it does not converge within its few iterations, a fresh
  /// sparse LU of the matrix (with `analysis`) solves instead.
  case frozenLU(KrylovSolver, analysis: SparseLUAnalysis?)

  /// The solver, for the dense-like paths of `Linearization`.
  var solver: any LinearSystemSolver {
    switch self {
    case .lu(let lu): lu
    case .krylov(let krylov), .frozenLU(let krylov, _): krylov
    }
  }

  /// Solves `A·x = b` (or `Aᵀ·x = b`) in place; GMRES to `tolerance` if given
  /// (an inexact Newton step), else to its settings' tolerance.
  func solve(_ b: UnsafeMutableBufferPointer<Double>, transpose: Bool, tolerance: Double?)
    throws(LinearAlgebraError)
  {
    switch self {
    case .lu(let lu): try lu.solve(b, rightHandSides: 1, transpose: transpose)
    case .krylov(let krylov): _ = try krylov.solve(b, transpose: transpose, tolerance: tolerance)
    case .frozenLU(let krylov, let analysis):
      let saved = Array(b)
      do {
        _ = try krylov.solve(b, transpose: transpose, tolerance: tolerance)
      } catch .krylovNotConverged {
        for i in 0..<saved.count { b[i] = saved[i] }
        let fresh = try SparseLUFactorization(krylov.matrix, analysis: analysis)
        try fresh.solve(b, rightHandSides: 1, transpose: transpose)
      }
    }
  }

  /// Hager–Higham's estimate on UMFPACK solves for a sparse LU; GMRES's estimate
  /// (`KrylovSolver.reciprocalConditionEstimate()`, waiting for its check) if
  /// a check was started; `nil` for a frozen-LU Newton step, which is never a
  /// linearization.
  ///
  /// A GMRES certificate's bound below `threshold` (`minimumReciprocalCondition`)
  /// is replaced by the solve's estimate (`KrylovSolver.reciprocalCondition(refiningBelow:)`).
  ///
  /// - Throws: the GMRES check's `.singular`, `.krylovNotConverged`, `.nonFinite`.
  func reciprocalCondition(refiningBelow threshold: Double = 0) throws(LinearAlgebraError)
    -> Double?
  {
    switch self {
    case .lu(let lu): lu.reciprocalConditionNumber()
    case .krylov(let krylov): try krylov.reciprocalCondition(refiningBelow: threshold)
    case .frozenLU: nil
    }
  }

  /// A short description for `solverReason`.
  var summary: String {
    switch self {
    case .lu(let lu):
      "sparse LU of order \(lu.order) (UMFPACK, \(lu.matrix.nonzeroCount) non-zeros, \(lu.factorNonzeros) in L + U, \(Program.flops(lu.flops)))"
    case .frozenLU(let krylov, _):
      "GMRES(\(krylov.settings.restart)) preconditioned by the sparse LU of Newton's previous Jacobian, order \(krylov.order) (\(krylov.matrix.nonzeroCount) non-zeros)"
    case .krylov(let krylov):
      "GMRES(\(krylov.settings.restart)) + \(krylov.preconditioner.kind == .incompleteLU ? "ILU(0)" : krylov.preconditioner.kind.rawValue) of order \(krylov.order) (\(krylov.matrix.nonzeroCount) non-zeros)"
    }
  }
}

/// A cyclic block's reduced system `S = ∂r_F/∂z_F` solved through the whole
/// block's sparse `A = D_BB` (never forming `S`, which can fill in).
///
/// With `J = Aᵀ` (the block's constraints by its variables, acyclic part `A`
/// first), `S` is the Schur complement `J_FF − J_FA·J_AA⁻¹·J_AF`, so
/// `S·x = b ⇔ J·(y_A, x) = (0, b)` and `Sᵀ·x = b ⇔ Jᵀ·(y_A, x) = (0, b)`: one
/// solve of order `|B|` with the right-hand side padded by zeros on `A`.
package struct SparseBlockSystem: Sendable {
  let system: SparseSystem
  /// `feedbackStart − start`: where the feedback variables begin in the block.
  let feedbackOffset: Int
  /// The estimates behind `.automatic`'s choice (empty when requested).
  var choiceReason: String = ""

  /// Solves `S·x = b` (or `Sᵀ·x = b`) in place (`b` over the feedback variables).
  ///
  /// - Complexity: one sparse solve of order `|B|`.
  func solve(inPlace b: inout [Double], transpose: Bool, tolerance: Double?)
    throws(LinearAlgebraError)
  {
    let size = system.solver.order
    var padded = [Double](repeating: 0, count: size)
    for r in 0..<b.count { padded[feedbackOffset + r] = b[r] }
    try padded.withUnsafeMutableBufferPointer { (p) throws(LinearAlgebraError) in
      try system.solve(p, transpose: !transpose, tolerance: tolerance)
    }
    for r in 0..<b.count { b[r] = padded[feedbackOffset + r] }
  }
}

/// The structure of one cyclic block's sparse system, kept across the Newton
/// iterations of a solve: its pattern, and the symbolic analysis and choice
/// once made.
struct SparseBlockPlan {
  enum Choice: Equatable {
    /// Dense (or band) LU of the reduced Jacobian is cheaper.
    case reduced
    case sparseLU
    case krylov
  }
  let pattern: SparseJacobianPattern
  var analysis: SparseLUAnalysis?
  var choice: Choice
  /// The last sparse LU made for this block in this solve (`.automatic` only):
  /// later Newton steps precondition GMRES with it instead of refactoring (the
  /// linearization factors the Jacobian at the solution afresh).
  var frozen: SparseLUFactorization? = nil
  /// The estimates behind `.automatic`'s choice.
  var reason: String = ""
}

extension Program {
  /// Blocks with at most this many feedback variables are factored dense (or
  /// band) by `.automatic`, without a sparse analysis: `⅔·400³ ≈ 43 Mflop`.
  static let smallBlockFeedbackCount = 400

  /// Whether block `b`'s Jacobian `D_BB` has at least one non-zero in
  /// `denseBlockFraction` of its entries: then a sparse LU does a dense LU's flops
  /// with a sparse code's overheads, and ILU(0) (GMRES's preconditioner) is itself
  /// a full LU, so `.automatic` factors the reduced Jacobian dense (LAPACK), when
  /// its `8m²` bytes fit the memory limit (`.dense` Markov chains, `I − γP`).
  ///
  /// - Complexity: O(1).
  func isDenseBlock(_ b: Int, options: SolveOptions) -> Bool {
    let block = blocks[b]
    let edges = Double(argumentStart[block.end] - argumentStart[block.start])
    let order = Double(block.size)
    return edges + order >= Self.denseBlockFraction * order * order
      && reducedFactorizationFlops(b, options: options).flops.isFinite
  }

  /// The fraction of non-zeros above which `.automatic` treats a block as dense.
  static let denseBlockFraction = 0.125

  /// The GMRES iterations a frozen-LU solve may take before a fresh sparse LU.
  static let frozenLUIterations = 20

  /// `.automatic` factors a block's reduced Jacobian (dense or band) without a
  /// sparse analysis when that costs at most this many flops.
  static let reducedFlopsWithoutAnalysis = 2e8

  /// A pessimistic guess of a GMRES solve's flops on a block of order `s` with
  /// `nonzeros` entries: 300 iterations of a product, ILU(0) sweeps and the
  /// orthogonalisation against `restart` vectors. Well-conditioned blocks
  /// (`I − γP`) converge in tens of iterations, grids in hundreds; a factorization
  /// cheaper than this guess is preferred, since its cost is known.
  static func krylovFlopsGuess(order s: Int, nonzeros: Int, restart: Int) -> Double {
    300 * (6 * Double(nonzeros) + 2 * Double(restart) * Double(s))
  }

  /// The sparse factorization of block `b`'s whole Jacobian `D_BB` (the
  /// reduced `S` solved through it, see `SparseBlockSystem`) when `method`
  /// asks for one — or, for `.automatic`, when the block is large and neither
  /// banded nor cheaper dense; `nil` sends the block to the scalar / band /
  /// dense path. The pattern, the choice and UMFPACK's symbolic analysis are
  /// made once per solve and kept in `scratch` for the next Newton iteration.
  ///
  /// - Throws: `.singularJacobian` naming the variable whose constraint UMFPACK
  ///   pivoted at a zero (or negligible) pivot; `.sparseFactorTooLarge` when a requested
  ///   sparse LU's estimated factors exceed `options.matrixByteLimit`;
  ///   `.linearAlgebra(.outOfMemory)`.
  func factorSparseBlock(
    _ b: Int, partials: UnsafeBufferPointer<Double>, options: SolveOptions,
    scratch: inout BlockScratch
  ) throws(LagrangePropError) -> BlockFactorization? {
    let block = blocks[b]
    let m = block.feedbackCount
    let method = options.blockMethod
    if m <= 1 { return nil }
    if method == .automatic
      && (m <= Self.smallBlockFeedbackCount || isDenseBlock(b, options: options)
        || reducedFactorizationFlops(b, options: options).flops <= Self.reducedFlopsWithoutAnalysis)
    {
      return nil
    }
    let range = block.start..<block.end
    let pattern =
      scratch.sparsePlans[b]?.pattern
      ?? sparseStructure.pattern(range) { sparseJacobianPattern(range) }
    let matrix = assembleSparseJacobian(pattern, partials: partials)
    var plan: SparseBlockPlan
    if let kept = scratch.sparsePlans[b] {
      plan = kept
    } else {
      switch method {
      case .automatic:
        let (choice, reason) = try automaticChoice(b, matrix: matrix, options: options)
        plan = SparseBlockPlan(pattern: pattern, analysis: nil, choice: choice, reason: reason)
      case .sparseLU:
        let estimate: SparseFillEstimate
        do { estimate = try SparseFillEstimate(matrix) } catch { throw .linearAlgebra(error) }
        if estimate.bytes > Double(options.matrixByteLimit) {
          throw .sparseFactorTooLarge(
            variables: (block.start..<block.end).prefix(16).map { name(position: $0) },
            order: block.size, factorNonzeros: Int(min(estimate.factorNonzeros, Double(Int.max))),
            bytes: Int(min(estimate.bytes, Double(Int.max))), limit: options.matrixByteLimit)
        }
        plan = SparseBlockPlan(pattern: pattern, analysis: nil, choice: .sparseLU)
      case .krylov:
        plan = SparseBlockPlan(pattern: pattern, analysis: nil, choice: .krylov)
      }
    }
    defer { scratch.sparsePlans[b] = plan }
    let system: SparseSystem
    switch plan.choice {
    case .reduced:
      return nil
    case .sparseLU:
      if method == .automatic, let frozen = plan.frozen {
        let settings = KrylovSettings(
          tolerance: options.krylovTolerance, maxIterations: Self.frozenLUIterations,
          restart: Self.frozenLUIterations)
        system = .frozenLU(
          KrylovSolver(
            matrix, settings: settings, preconditioner: SparsePreconditioner(factorization: frozen)),
          analysis: plan.analysis)
        break
      }
      do {
        if plan.analysis == nil { plan.analysis = try SparseLUAnalysis(matrix) }
        let lu = try SparseLUFactorization(matrix, analysis: plan.analysis)
        if method == .automatic { plan.frozen = lu }
        system = .lu(lu)
      } catch {
        throw singularityError(error, unknownsFrom: block.start)
      }
    case .krylov:
      // The singularity check runs alongside the first solve; whoever needs its
      // verdict (the Newton step after its solve, the linearization) waits for it.
      system = .krylov(
        scratch.krylovSolvers.solver(
          for: matrix, range: range, program: self, settings: options.krylovSettings,
          checked: options.checksKrylovCondition && !scratch.inexactNewtonStep))
    }
    return .sparse(
      SparseBlockSystem(
        system: system, feedbackOffset: block.feedbackStart - block.start, choiceReason: plan.reason
      ))
  }

  /// `.automatic`'s fallback for block `b` after GMRES failed to converge on it:
  /// switches the block's plan to a sparse LU when the AMD ordering's count of
  /// its factors fits `options.matrixByteLimit`. Returns whether it did (never
  /// for `.krylov`, which asked for GMRES).
  ///
  /// - Complexity: one AMD ordering of the block's pattern.
  /// - Throws: `.linearAlgebra` if the ordering fails.
  func fallBackToSparseLU(
    _ b: Int, partials: UnsafeBufferPointer<Double>, options: SolveOptions,
    scratch: inout BlockScratch
  ) throws(LagrangePropError) -> Bool {
    guard options.blockMethod == .automatic, var plan = scratch.sparsePlans[b],
      plan.choice == .krylov
    else { return false }
    let matrix = assembleSparseJacobian(plan.pattern, partials: partials)
    let estimate: SparseFillEstimate
    do { estimate = try SparseFillEstimate(matrix) } catch { throw .linearAlgebra(error) }
    guard estimate.bytes <= Double(options.matrixByteLimit) else { return false }
    plan.choice = .sparseLU
    plan.reason +=
      "; GMRES did not converge, so a sparse LU ≈ \(Self.flops(estimate.flops)), \(Int(estimate.factorNonzeros)) non-zeros in L + U (AMD)"
    scratch.sparsePlans[b] = plan
    return true
  }

  /// `.automatic`'s choice for a large block: the cheapest of the reduced
  /// factorization (band LU where the block's band is narrow, else dense LU if it
  /// fits the memory limit), a sparse LU (flops and non-zeros from the AMD
  /// ordering, `SparseFillEstimate`, if its factors fit the limit) and GMRES
  /// (its pessimistic `krylovFlopsGuess`). A breadth-first screen first: levels
  /// `W` wide (of order `n` for a random sparse graph) mean a sparse LU of about
  /// `W³/3` flops and `8·W·n` bytes at least; when that exceeds GMRES's guess or the
  /// memory limit, the ordering is skipped (it is itself slow on such graphs).
  func automaticChoice(_ b: Int, matrix: SparseMatrix, options: SolveOptions)
    throws(LagrangePropError) -> (choice: SparseBlockPlan.Choice, reason: String)
  {
    let limit = Double(options.matrixByteLimit)
    let reduced = reducedFactorizationFlops(b, options: options)
    let krylov = Self.krylovFlopsGuess(
      order: matrix.order, nonzeros: matrix.nonzeroCount, restart: options.krylovRestart)
    let width = sparseStructure.levelWidth(blocks[b].start..<blocks[b].end) {
      maximumBreadthFirstLevelWidth(
        order: matrix.order, columnStart: matrix.columnStart, rowIndices: matrix.rowIndices)
    }
    var sparse = Double.infinity
    var sparseNote: String
    // A frontal matrix as wide as the widest level: about W³/3 flops (a grid's
    // separator is its width, m in 2-D and m² in 3-D; a random graph's is of order n).
    let screen = Double(width) * Double(width) * Double(width) / 3
    if min(screen, 8 * Double(width) * Double(matrix.order)) > min(krylov, limit) {
      sparseNote =
        "sparse LU ≳ \(Self.flops(screen)) (breadth-first levels \(width) wide for order \(matrix.order))"
    } else {
      let estimate: SparseFillEstimate
      do { estimate = try SparseFillEstimate(matrix) } catch { throw .linearAlgebra(error) }
      if estimate.bytes <= limit { sparse = estimate.flops }
      sparseNote =
        "sparse LU ≈ \(Self.flops(estimate.flops)), \(Int(estimate.factorNonzeros)) non-zeros in L + U (AMD)"
    }
    let reason =
      "\(reduced.kind) ≈ \(Self.flops(reduced.flops)), \(sparseNote), GMRES ≈ \(Self.flops(krylov)) (guess)"
    if min(reduced.flops, sparse) > krylov { return (.krylov, reason) }
    return (reduced.flops <= sparse ? .reduced : .sparseLU, reason)
  }

  /// The flops of factoring block `b`'s reduced Jacobian by the path
  /// `factorReducedJacobian` would take (band LU, or dense LU when its `8·m²`
  /// bytes fit the limit; infinite otherwise).
  func reducedFactorizationFlops(_ b: Int, options: SolveOptions) -> (kind: String, flops: Double) {
    let block = blocks[b]
    let m = Double(block.feedbackCount)
    let edges = Double(argumentStart[block.end] - argumentStart[block.start])
    if blockUsesBand(b) {
      let kl = Double(blockReducedBandwidth[b].lower)
      let ku = Double(blockReducedBandwidth[b].upper)
      return ("band LU", 2 * m * kl * (kl + ku) + (kl + ku + 1) * (edges + Double(block.size)))
    }
    if 8 * m * m <= Double(options.matrixByteLimit) {
      return ("dense LU", 2 * m * m * m / 3 + m * (edges + Double(block.size)))
    }
    return ("dense LU (over the memory limit)", .infinity)
  }
}

extension SolveOptions {
  /// These options with the block method `solver` implies: `.krylov` solves every
  /// block of more than one feedback variable by (inexact-Newton) GMRES; the
  /// others, `.sparseLU` included, let `.automatic` choose per block, so that the
  /// direct solvers share one forward solve (on a nearly singular block, Newton's
  /// solution is determined only to `tolerance / rcond`, and two methods would
  /// return two different, equally valid points).
  func withBlockMethod(for solver: Solver) -> SolveOptions {
    var options = self
    options.blockMethod = solver == .krylov ? .krylov : .automatic
    return options
  }

  /// The GMRES settings of these options.
  var krylovSettings: KrylovSettings {
    KrylovSettings(
      tolerance: krylovTolerance, maxIterations: krylovMaxIterations, restart: krylovRestart)
  }
}
