/// Making a `Linearization`: the forward solve (or a given solution), the
/// factorization each solver needs, and the condition estimate.
extension Program {
  /// Linearizes the program at `inputs`: forward solve, local partials and the
  /// factorization `solver` needs (dense `D_zz` and `dtrsv`/`dgetrf`, band storage
  /// and `dtbtrs`/`dgbtrf`, or one LU per cyclic block), with an estimate of its
  /// condition (`reciprocalCondition`).
  ///
  /// - Complexity: the forward solve plus the factorization: O(m²) triangular,
  ///   O(m³) LU, O(m·k) / O(m·k²) banded, O(Σ|F_b|·edges_b + |F_b|³) block-triangular.
  /// - Throws: everything `solveConstraints` throws; `.invalidOption`;
  ///   `.cyclicProgram`, `.denseTooLarge`, `.bandTooWide`, `.bandTooLarge`,
  ///   `.cyclicBlockTooLarge` when the solver cannot take the program;
  ///   `.singularJacobian` naming the variable whose constraint has the zero pivot
  ///   (or a pivot `≤ m·ε·‖D‖₁` of the equilibrated matrix: singular to working
  ///   precision, whatever the scaling of the equations); `.illConditioned` when
  ///   `options.minimumReciprocalCondition` is set and not met.
  public func linearize(
    at inputs: [Double], solver: Solver = .automatic, options: SolveOptions = SolveOptions()
  ) throws(LagrangePropError) -> Linearization {
    try linearize(at: inputs, solver: solver, options: options, workspace: Workspace())
  }

  /// `linearize(at:solver:options:)` with the buffers of `workspace`: the
  /// linearization shares its values and partials (copy-on-write); once it is
  /// released, the next call with the workspace writes over them instead of
  /// allocating.
  ///
  /// - Complexity: as `linearize(at:solver:options:)`.
  /// - Throws: as `linearize(at:solver:options:)`.
  public func linearize(
    at inputs: [Double], solver: Solver = .automatic, options: SolveOptions = SolveOptions(),
    workspace: Workspace
  ) throws(LagrangePropError) -> Linearization {
    try options.validate()
    let choice = try chooseSolver(solver, options: options, workspace: workspace)
    let options = options.withBlockMethod(for: choice.solver)
    let state = try forward(at: inputs, options: options, workspace: workspace)
    return try linearize(state, inputs: inputs, choice: choice, options: options)
  }

  /// Linearizes the program at a solution computed elsewhere — by your own
  /// optimiser, integrator or warm-started solver: `solution` holds every
  /// variable's value (declaration order, inputs included), which must satisfy
  /// every constraint to `options.tolerance` (the same relative test as the
  /// forward solve's). No forward solve runs; the partials are evaluated at
  /// `solution` and factored by `solver`.
  ///
  /// ```swift
  /// let z = myNewtonSolver(x)                        // all n values
  /// let lin = try program.linearize(at: x, solution: z)
  /// let g = try lin.gradient()                       // implicit-function gradient at z
  /// ```
  ///
  /// - Complexity: one evaluation O(n + edges), plus the factorization.
  /// - Throws: `.wrongInputCount`, `.wrongLength` (`solution`), `.nonFiniteInput`,
  ///   `.nonFiniteArgument` (a non-finite `solution` entry), `.notASolution` naming
  ///   the variable whose constraint is not met (or an input whose value in
  ///   `solution` differs from `inputs`), and as `linearize(at:solver:options:)`.
  public func linearize(
    at inputs: [Double], solution: [Double], solver: Solver = .automatic,
    options: SolveOptions = SolveOptions()
  ) throws(LagrangePropError) -> Linearization {
    try options.validate()
    let choice = try chooseSolver(solver, options: options)
    let options = options.withBlockMethod(for: choice.solver)
    let state = try evaluateAtSolution(inputs: inputs, solution: solution, options: options)
    return try linearize(state, inputs: inputs, choice: choice, options: options)
  }

  /// Factors `D` at a forward state for the chosen solver and estimates its condition.
  private func linearize(
    _ state: ForwardState, inputs: [Double], choice: SolverChoice, options: SolveOptions
  ) throws(LagrangePropError) -> Linearization {
    let factor: LinearizationFactor
    var reciprocalCondition: Double?
    // O(m²) (dense) of memory-bound triangular solves after an O(m³) factorization:
    // skipped only when the caller opts out and sets no threshold.
    let estimate = options.checksKrylovCondition
    switch choice.solver {
    case .sweep, .automatic:
      factor = .sweep
    case .triangular:
      // Each matrix is assembled inside its closure: the factorization gets the
      // only reference to the buffer and works in place (a captured `let` would
      // be copied).
      factor = .triangular(
        try mappingNonInputErrors { () throws(LinearAlgebraError) in
          try TriangularMatrix(
            assembleDenseNonInputJacobian(partials: state.partials), triangle: .upper)
        })
    case .lu:
      if let reused = reusableNonInputFactor(state) {
        factor = reused
        if estimate, case .reusedBlockLU(let block) = reused {
          reciprocalCondition = try? block.reciprocalCondition()  // dense: never throws
        }
        break
      }
      let lu = try mappingNonInputErrors { () throws(LinearAlgebraError) in
        try LUFactorization(assembleDenseNonInputJacobian(partials: state.partials))
      }
      factor = .lu(try requireRegular(lu, unknownsFrom: inputCount, matrix: "D"))
      if estimate { reciprocalCondition = (try? lu.reciprocalConditionNumber()) ?? 0 }
    case .bandedTriangular:
      factor = .bandedTriangular(
        assembleTriangularBandNonInputJacobian(partials: state.partials, bandwidth: bandwidth.upper)
      )
    case .bandedLU:
      let order = bandOrder()
      let lu = try factorBandedNonInput(partials: state.partials, bandOrder: order)
      factor =
        order.position.map { .permutedBandedLU(PermutedSystem(lu, position: $0)) } ?? .bandedLU(lu)
      if estimate { reciprocalCondition = (try? lu.reciprocalConditionNumber()) ?? 0 }
    case .blockTriangular:
      var factors: [BlockFactorization] = []
      factors.reserveCapacity(blocks.count)
      var scratch = BlockScratch()
      // The forward solve's patterns, choices and symbolic analyses, but not its
      // frozen LU: the linearization factors the Jacobian at the solution itself.
      scratch.sparsePlans = state.sparsePlans.mapValues { plan in
        var plan = plan
        plan.frozen = nil
        return plan
      }
      for b in 0..<blocks.count {
        let blockFactor: BlockFactorization
        if let reusable = state.reusableBlockFactors[b] {
          blockFactor = reusable
        } else {
          blockFactor = try state.partials.withUnsafeBufferPointer {
            (dp) throws(LagrangePropError) in
            try factorReducedJacobian(b, partials: dp, options: options, scratch: &scratch)
          }
        }
        factors.append(blockFactor)
        let blockCondition: Double?
        do {
          blockCondition =
            estimate
            ? try blockFactor.reciprocalCondition(
              refiningBelow: options.minimumReciprocalCondition) : nil
        } catch {
          throw singularityError(error, unknownsFrom: blocks[b].start)
        }
        if let r = blockCondition {
          reciprocalCondition = min(reciprocalCondition ?? r, r)
        }
      }
      factor = .blocks(factors)
    case .sparseLU, .krylov:
      let system = try sparseNonInputSystem(choice.solver, state: state, options: options)
      factor = .sparse(system)
      if estimate {
        reciprocalCondition = try mappingNonInputErrors { () throws(LinearAlgebraError) in
          try system.reciprocalCondition(refiningBelow: options.minimumReciprocalCondition)
        }
      }
    }
    if intermediateCount == 1, let rcond = reciprocalCondition {
      // A 1 × 1 matrix is perfectly conditioned as a matrix; what can make it
      // nearly singular is cancellation in the one entry, judged as the block
      // solver judges a scalar block (`BlockFactorization.scalar`).
      reciprocalCondition = min(rcond, scalarCancellation(partials: state.partials))
    }
    if let rcond = reciprocalCondition, rcond < options.minimumReciprocalCondition {
      throw .illConditioned(
        reciprocalCondition: rcond, threshold: options.minimumReciprocalCondition,
        solver: choice.solver)
    }
    return Linearization(
      program: self, solver: choice.solver,
      solverReason: choice.reason + Self.factorSummary(factor), point: inputs,
      reciprocalCondition: reciprocalCondition, programValues: state.values,
      partials: state.partials, factor: factor, matrixByteLimit: options.matrixByteLimit)
  }

  /// Value, gradient `∂f/∂x` and multipliers at `inputs`: forward solve, then
  /// `D λ = −∇f` with `solver`. The buffers are those of the program's spare
  /// workspace when no other call is using it (the multipliers' storage once the
  /// previous result is released), else new ones.
  ///
  /// - Complexity: `.sweep` O(n + edges) — a small constant times `evaluate`.
  /// - Throws: as `linearize(at:solver:options:)`, and `.nonFiniteResult` if a
  ///   multiplier overflows.
  public func gradient(
    at inputs: [Double], solver: Solver = .automatic, options: SolveOptions = SolveOptions()
  ) throws(LagrangePropError) -> GradientResult {
    try spareWorkspace.with { (workspace) throws(LagrangePropError) in
      try gradient(at: inputs, solver: solver, options: options, workspace: workspace)
    }
  }

  /// `gradient(at:solver:options:)` with the buffers of `workspace`: repeated
  /// calls allocate nothing proportional to the program once the previous result
  /// is released (its `adjoints` shares a buffer with the workspace).
  ///
  /// - Complexity: as `gradient(at:solver:options:)`.
  /// - Throws: as `linearize(at:solver:options:)`.
  public func gradient(
    at inputs: [Double], solver: Solver = .automatic, options: SolveOptions = SolveOptions(),
    workspace: Workspace
  ) throws(LagrangePropError) -> GradientResult {
    if isAcyclic {
      try options.validate()
      let choice = try chooseSolver(solver, options: options, workspace: workspace)
      if choice.solver == .sweep {
        return try sweepGradient(
          at: inputs, options: options, reason: choice.reason, workspace: workspace)
      }
    }
    let linearization = try linearize(
      at: inputs, solver: solver, options: options, workspace: workspace)
    let result = try linearization.gradient(reusing: workspace)
    // The linearization is released on return: its dense factor's storage becomes
    // the workspace's alone, for the next call's factorization.
    workspace.recycle(linearization.factor)
    return result
  }

  /// `|s| / Σ|terms of s|` for the single intermediate's diagonal entry
  /// `s = Σ_k ∂c/∂z (own arguments) − 1 (assignment)`: how much of `s` survived
  /// cancellation (`1` when nothing cancelled, `0` for an exact zero).
  func scalarCancellation(partials: [Double]) -> Double {
    let p = inputCount
    var sum = isResidual[p] ? 0 : -1.0
    var terms = isResidual[p] ? 0 : 1.0
    for k in argumentRange(p) where Int(arguments[k]) == p {
      sum += partials[k]
      terms += abs(partials[k])
    }
    return terms > 0 ? min(1, abs(sum) / terms) : 0
  }

  /// The forward solve's factorization, when it is one of `D_zz` already: the
  /// non-input part is one cyclic block with no acyclic part (every intermediate a
  /// feedback variable, in program order, so `S = D_zzᵀ`), affine in its own
  /// variables (so Newton's last factorization is the Jacobian at the solution) and
  /// factored dense. `.lu` then needs no second `dgetrf`: the gradient costs one LU,
  /// like a plain `dgesv`.
  func reusableNonInputFactor(_ state: ForwardState) -> LinearizationFactor? {
    guard blocks.count == 1, let block = blocks.first, block.start == inputCount,
      block.end == variableCount, block.feedbackStart == block.start
    else { return nil }
    switch state.reusableBlockFactors[0] {
    case .some(let factor) where factor.isDense: return .reusedBlockLU(factor)
    default: return nil
    }
  }

  /// Runs a linear-algebra call on `D_zz`, mapping its failure to the variable at the zero pivot.
  func mappingNonInputErrors<T>(_ body: () throws(LinearAlgebraError) -> T)
    throws(LagrangePropError) -> T
  {
    do { return try body() } catch { throw singularityError(error, unknownsFrom: inputCount) }
  }
}
