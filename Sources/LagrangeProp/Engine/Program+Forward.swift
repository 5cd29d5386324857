/// The state after a forward solve: every value and every local partial, in
/// program order, and the factorization of each cyclic block's reduced Jacobian
/// when Newton's last one is still valid at the solution.
package struct ForwardState {
  package var values: [Double]
  package var partials: [Double]
  /// Per cyclic block: Newton's last LU of `S`, kept only when the block is
  /// affine in its own variables (so `S` does not change with them).
  package var reusableBlockFactors: [BlockFactorization?]
  /// Per large cyclic block, its sparse pattern, choice and last sparse LU, for
  /// the linearization to start from.
  var sparsePlans: [Int: SparseBlockPlan] = [:]
}

extension Program {
  // MARK: - Public forward API

  /// Solves every constraint for the given inputs and returns all variable values
  /// (declaration order).
  ///
  /// Acyclic parts are evaluated in order; each cyclic block is solved by
  /// Newton's method (or fixed-point iteration) on its feedback variables.
  ///
  /// - Complexity: O(n + edges) for acyclic programs.
  /// - Throws: `.wrongInputCount`, `.nonFiniteInput`, `.invalidOption`;
  ///   `.wrongLength` / `.nonFiniteArgument` for `options.initialGuess` (its
  ///   entries for the variables Newton starts from); `.nonFinite`
  ///   naming the variable and function that produced NaN or infinity;
  ///   `.notConverged` for a cyclic block that Newton cannot solve (iteration
  ///   limit, no decrease of the residual along the step, or a singular block
  ///   Jacobian before convergence); `.singularJacobian` for a block whose
  ///   constraints do not determine its variables at the solution found (`v = v`,
  ///   `0·v + x = 0`) — the same refusal `gradient` gives.
  public func solveConstraints(at inputs: [Double], options: SolveOptions = SolveOptions())
    throws(LagrangePropError) -> [Double]
  {
    try options.validate()
    return toDeclarationOrder(try forward(at: inputs, options: options).values)
  }

  /// The objective `f(z(x))` at the given inputs.
  ///
  /// Acyclic programs take a value-only pass (no partials), the baseline of the
  /// cheap-gradient comparison. The buffers are those of the program's spare
  /// workspace when no other call is using it (repeated calls fault in no fresh
  /// pages), else new ones.
  ///
  /// - Complexity: O(n + edges) for acyclic programs.
  /// - Throws: as `solveConstraints(at:options:)`, and `.nonFiniteObjective`.
  public func evaluate(at inputs: [Double], options: SolveOptions = SolveOptions())
    throws(LagrangePropError) -> Double
  {
    try spareWorkspace.with { (workspace) throws(LagrangePropError) in
      try evaluate(at: inputs, options: options, workspace: workspace)
    }
  }

  /// The objective `f(z(x))` at the given inputs, with the buffers of `workspace`:
  /// repeated calls allocate nothing proportional to the program.
  ///
  /// - Complexity: O(n + edges) for acyclic programs.
  /// - Throws: as `evaluate(at:options:)`.
  public func evaluate(
    at inputs: [Double], options: SolveOptions = SolveOptions(), workspace: Workspace
  )
    throws(LagrangePropError) -> Double
  {
    try options.validate()
    if isAcyclic {
      if let guess = options.initialGuess, guess.count != variableCount {
        throw .wrongLength(argument: "initialGuess", expected: variableCount, actual: guess.count)
      }
      var values = try checkedInputs(
        inputs, into: takeBuffer(&workspace.values, count: variableCount))
      defer { workspace.values = values }
      let f = try withKernel { (kernel) throws(LagrangePropError) in
        try values.withUnsafeMutableBufferPointer { (v) throws(LagrangePropError) in
          try valuePass(kernel: kernel, values: v).value
        }
      }
      if let f { return try finiteObjective(f) }
      return try objectiveValue(values)
    }
    let state = try forward(at: inputs, options: options, workspace: workspace)
    return try objectiveValue(state.values)
  }

  // MARK: - Forward pass

  /// Values in program order with the inputs filled in; checks count and finiteness.
  func checkedInputs(_ inputs: [Double]) throws(LagrangePropError) -> [Double] {
    try checkedInputs(inputs, into: [Double](repeating: 0, count: variableCount))
  }

  /// `checkedInputs(_:)` into `values` (`n` entries; the non-inputs are left as they are).
  func checkedInputs(_ inputs: [Double], into values: consuming [Double]) throws(LagrangePropError)
    -> [Double]
  {
    guard inputs.count == inputCount else {
      throw .wrongInputCount(expected: inputCount, actual: inputs.count)
    }
    var values = values
    for j in 0..<inputCount {
      guard inputs[j].isFinite else {
        throw .nonFiniteInput(variable: name(position: j), value: inputs[j])
      }
      values[j] = inputs[j]
    }
    return values
  }

  /// One pass writing all values and local partials (aligned with `arguments`).
  package func forward(at inputs: [Double], options: SolveOptions) throws(LagrangePropError)
    -> ForwardState
  {
    try forward(at: inputs, options: options, workspace: Workspace())
  }

  /// `forward(at:options:)` into the buffers of `workspace`; the state returned
  /// shares them (copy-on-write) and the workspace keeps them for the next call.
  func forward(at inputs: [Double], options: SolveOptions, workspace: Workspace)
    throws(LagrangePropError) -> ForwardState
  {
    var values = try checkedInputs(
      inputs, into: takeBuffer(&workspace.values, count: variableCount))
    if let guess = options.initialGuess, guess.count != variableCount {
      workspace.values = values
      throw .wrongLength(argument: "initialGuess", expected: variableCount, actual: guess.count)
    }
    // Every edge's partial is written by its constraint's evaluation before it
    // is read, so the buffer is not zero-filled first.
    var partials = takeBuffer(&workspace.partials, count: arguments.count)
    defer {
      workspace.values = values
      workspace.partials = partials
    }
    var factors = [BlockFactorization?](repeating: nil, count: blocks.count)
    var sparsePlans: [Int: SparseBlockPlan] = [:]
    try withKernel { (kernel) throws(LagrangePropError) in
      try values.withUnsafeMutableBufferPointer { (v) throws(LagrangePropError) in
        try partials.withUnsafeMutableBufferPointer { (dp) throws(LagrangePropError) in
          var p = inputCount
          var scratch = BlockScratch()
          swap(&scratch.matrix, &workspace.matrix)
          swap(&scratch.krylovSolvers, &workspace.krylovSolvers)
          defer {
            swap(&scratch.matrix, &workspace.matrix)
            swap(&scratch.krylovSolvers, &workspace.krylovSolvers)
          }
          for b in 0..<blocks.count {
            try kernel.evaluate(range: p..<blocks[b].start, values: v, partials: dp)
            factors[b] = try solveBlock(
              b, kernel: kernel, values: v, partials: dp, options: options, scratch: &scratch)
            p = blocks[b].end
          }
          try kernel.evaluate(range: p..<variableCount, values: v, partials: dp)
          sparsePlans = scratch.sparsePlans
        }
      }
    }
    var state = ForwardState(values: values, partials: partials, reusableBlockFactors: factors)
    state.sparsePlans = sparsePlans
    return state
  }

  // MARK: - Cyclic blocks

  /// Evaluates block `b` at the current feedback values: the acyclic part in
  /// order, then the residuals `r_F` of the feedback constraints (with partials).
  ///
  /// - Returns: `absolute = ‖r_F‖∞` (the merit function of the line search) and
  ///   `relative = max_r |r_r| / s_r`, each residual against the size of its terms,
  ///   `s_r = Σ_k |∂c_r/∂z_{a_k}·z_{a_k}| (+ |z_r| for an assignment)`: round-off
  ///   leaves it near `ε` whatever the scale of the equations (see `relativeResidual`).
  func evaluateBlock(
    _ b: Int, kernel: Kernel, values: UnsafeMutableBufferPointer<Double>,
    partials: UnsafeMutableBufferPointer<Double>, residual: inout [Double],
    valuesOnly: Bool = false, reevaluation: Bool = false
  ) throws(LagrangePropError) -> (absolute: Double, relative: Double) {
    let block = blocks[b]
    // The acyclic part in order, by the range kernel (the same values and partials
    // as `Kernel.evaluate(_:values:partials:)`, with the common op codes' loops
    // specialised: a dense block's acyclic part can hold most of its edges).
    if valuesOnly {
      try kernel.evaluateValues(range: block.start..<block.feedbackStart, values: values)
    } else if reevaluation {
      try kernel.evaluateKeepingCoefficients(
        range: block.start..<block.feedbackStart, values: values, partials: partials)
    } else {
      try kernel.evaluate(
        range: block.start..<block.feedbackStart, values: values, partials: partials)
    }
    var absolute = 0.0
    var relative = 0.0
    for r in 0..<block.feedbackCount {
      let p = block.feedbackStart + r
      // One pass over the arguments for the value, the partials and the terms.
      let (g, argumentTerms) = try kernel.evaluateWithTerms(
        p, values: values, partials: partials, valuesOnly: valuesOnly,
        constantPartialsWritten: reevaluation)
      residual[r] = isResidual[p] ? g : g - values[p]
      absolute = max(absolute, abs(residual[r]))
      // The terms came with the evaluation; `relativeResidual` (a second pass over
      // the arguments) only when they overflow.
      let terms = (isResidual[p] ? 0 : abs(values[p])) + argumentTerms
      relative = max(
        relative,
        residual[r] == 0
          ? 0
          : terms.isFinite
            ? abs(residual[r]) / terms
            : relativeResidual(
              residual[r], position: p, values: UnsafeBufferPointer(values),
              partials: UnsafeBufferPointer(partials)))
    }
    return (absolute, relative)
  }

  /// `|r| / s` for the constraint at position `p`, where
  /// `s = Σ_k |∂c_p/∂z_{a_k}·z_{a_k}| (+ |z_p| for an assignment)` is the size of
  /// the terms the residual was summed from. Never more lenient than it should be:
  /// `0` only for `r = 0`, `+∞` for `r ≠ 0` with no terms, and computed with
  /// power-of-two scaling when `s` would overflow (so a huge residual is not
  /// read as `r / ∞ = 0`).
  ///
  /// - Complexity: O(arguments of `p`).
  func relativeResidual(
    _ r: Double, position p: Int, values: UnsafeBufferPointer<Double>,
    partials: UnsafeBufferPointer<Double>
  ) -> Double {
    if r == 0 { return 0 }
    func terms(scale: Double) -> Double {
      var sum = isResidual[p] ? 0 : abs(values[p]) * scale * scale
      for k in argumentRange(p) {
        sum += (abs(partials[k]) * scale) * (abs(values[Int(arguments[k])]) * scale)
      }
      return sum
    }
    let s = terms(scale: 1)
    if s.isFinite { return abs(r) / s }
    // 2⁻⁵²⁰ on each factor: every product and a sum of up to 2¹⁶ of them stay finite.
    let scale = 0x1p-520
    return (abs(r) * scale * scale) / terms(scale: scale)
  }

  /// Solves cyclic block `b` for its feedback variables (Newton or fixed point),
  /// leaving values and partials at the solution.
  ///
  /// - Returns: Newton's last factorization if it is still the Jacobian at the
  ///   solution (block affine in its own variables), else `nil`.
  func solveBlock(
    _ b: Int, kernel: Kernel, values: UnsafeMutableBufferPointer<Double>,
    partials: UnsafeMutableBufferPointer<Double>, options: SolveOptions,
    scratch: inout BlockScratch
  ) throws(LagrangePropError) -> BlockFactorization? {
    let block = blocks[b]
    let m = block.feedbackCount
    let feedback = block.feedbackStart..<block.end
    for p in feedback {
      let guess = options.initialGuess.map { $0[Int(order[p])] } ?? 0
      guard guess.isFinite else {
        throw .nonFiniteArgument(
          argument: "initialGuess", variable: name(position: p), value: guess)
      }
      values[p] = guess
    }
    if options.forwardMethod == .fixedPoint {
      for p in feedback where isResidual[p] {
        throw .fixedPointNeedsAssignment(variable: name(position: p))
      }
    }
    func blockNames() -> [String] { (block.start..<block.end).map { name(position: $0) } }
    // After the first evaluation, a block with constant partials re-evaluates values only.
    let valuesOnly = blockHasConstantPartials[b]

    var residual = [Double](repeating: 0, count: m)
    // Newton's step and the point it starts from, reused across iterations.
    var step = [Double](repeating: 0, count: m)
    var saved = [Double](repeating: 0, count: m)
    var norm: (absolute: Double, relative: Double)
    // Whether the iteration starts from 1 already (see below): it restarts once.
    var startsFromOne = false
    do {
      norm = try evaluateBlock(
        b, kernel: kernel, values: values, partials: partials, residual: &residual)
    } catch {
      // The default start (every feedback variable 0) can lie outside a local
      // function's domain (`log T` with `T` a feedback variable), and which
      // variables feed back depends on the declaration order. Without a
      // user-supplied guess, start once more from 1 before giving up.
      guard case .nonFinite = error, options.initialGuess == nil else { throw error }
      for p in feedback { values[p] = 1 }
      norm = try evaluateBlock(
        b, kernel: kernel, values: values, partials: partials, residual: &residual)
      startsFromOne = true
    }
    var iterations = 0
    var lastFactor: BlockFactorization?
    /// One Newton step from the block's current values, with its line search.
    func newtonStep() throws(LagrangePropError) {
      // A non-affine block's step is not at the solution: GMRES skips its
      // singularity check there (the linearization at the solution makes it).
      scratch.inexactNewtonStep = !blockIsAffine[b]
      defer { scratch.inexactNewtonStep = false }
      // A singular S at a point that is not a solution: Newton cannot go on from
      // here (z = z² + 1, which has no real solution, stalls at the minimum of its
      // residual, where S = 0). The block did not converge; `.singularJacobian` is
      // kept for a singular Jacobian at a solution (from `linearize`).
      func stalled() -> LagrangePropError {
        .notConverged(
          variables: blockNames(), iterations: iterations - 1, residual: norm.relative)
      }
      func factor() throws(LagrangePropError) -> BlockFactorization {
        do {
          return try factorReducedJacobian(
            b, partials: UnsafeBufferPointer(partials), options: options, scratch: &scratch)
        } catch {
          guard case .singularJacobian = error else { throw error }
          throw stalled()
        }
      }
      // Inexact Newton (GMRES blocks): a step only as accurate as the outer
      // iteration needs; affine blocks are solved to the Krylov tolerance at once.
      let forcing =
        blockIsAffine[b]
        ? nil : max(options.krylovTolerance, min(1e-2, norm.relative.squareRoot()))
      /// Newton's step `S·step = −residual` with `lu`; the solver's error, if any.
      func solveStep(with lu: BlockFactorization) -> LinearAlgebraError? {
        for r in 0..<m { step[r] = -residual[r] }
        do { try lu.solve(inPlace: &step, tolerance: forcing) } catch { return error }
        return nil
      }
      for r in 0..<m { saved[r] = values[block.feedbackStart + r] }
      var lu = try factor()
      var stepError = solveStep(with: lu)
      // `.automatic` gave the block to GMRES, which could not reach its
      // tolerance (an ill-conditioned block: the residual stalls near ε·κ):
      // a sparse LU of it instead, when its factors fit the memory limit.
      if case .krylovNotConverged? = stepError,
        try fallBackToSparseLU(
          b, partials: UnsafeBufferPointer(partials), options: options, scratch: &scratch)
      {
        lu = try factor()
        stepError = solveStep(with: lu)
      }
      lastFactor = lu
      if let error = stepError {
        // GMRES that ran out on a singular matrix (an inconsistent system):
        // its singularity check says why.
        if case .krylovNotConverged = error {
          do { try lu.awaitSingularityCheck() } catch .singular { throw stalled() } catch {}
        }
        throw singularityError(error, unknownsFrom: block.feedbackStart)
      }
      // GMRES's singularity check ran alongside that solve: a singular S at a
      // point that is not a solution is no convergence, as for a factorization.
      do { try lu.awaitSingularityCheck() } catch {
        guard case .singular = error else {
          throw singularityError(error, unknownsFrom: block.start)
        }
        throw stalled()
      }
      var alpha = 1.0
      while true {
        for r in 0..<m { values[block.feedbackStart + r] = saved[r] + alpha * step[r] }
        let trial: (absolute: Double, relative: Double)?
        do {
          trial = try evaluateBlock(
            b, kernel: kernel, values: values, partials: partials, residual: &residual,
            valuesOnly: valuesOnly, reevaluation: true)
        } catch {
          guard options.backtracking, case .nonFinite = error else { throw error }
          trial = nil  // a non-finite trial point: shorten the step
        }
        if let trial,
          !options.backtracking || trial.absolute <= (1 - 1e-4 * alpha) * norm.absolute
            || trial.relative <= options.tolerance
        {
          norm = trial
          break
        }
        alpha /= 2
        if alpha < 1e-10 {
          throw .notConverged(
            variables: blockNames(), iterations: iterations, residual: norm.relative)
        }
      }
    }
    while !(norm.relative <= options.tolerance) {
      guard iterations < options.iterationLimit else {
        throw .notConverged(
          variables: blockNames(), iterations: iterations, residual: norm.relative)
      }
      iterations += 1
      switch options.forwardMethod {
      case .fixedPoint:
        for r in 0..<m { values[block.feedbackStart + r] += residual[r] }
        do {
          norm = try evaluateBlock(
            b, kernel: kernel, values: values, partials: partials, residual: &residual,
            valuesOnly: valuesOnly, reevaluation: true)
        } catch {
          // A diverging iteration overflows: it did not converge.
          guard case .nonFinite = error else { throw error }
          throw .notConverged(variables: blockNames(), iterations: iterations, residual: .infinity)
        }
      case .newton:
        do {
          try newtonStep()
        } catch {
          // Newton's first step from the default start (every feedback variable 0)
          // met a singular S or no decrease — `u² = x` has S = 0 at u = 0: start
          // once more from 1, as for a start outside a local function's domain.
          guard case .notConverged = error, iterations == 1, options.initialGuess == nil,
            !startsFromOne
          else { throw error }
          startsFromOne = true
          for p in feedback { values[p] = 1 }
          norm = try evaluateBlock(
            b, kernel: kernel, values: values, partials: partials, residual: &residual)
          iterations = 0
        }
      }
    }
    if iterations == 0 {
      // Converged on the initial guess (a warm start, or `v = v` at 0): factor S
      // here, so that a block whose constraints do not determine its variables is
      // refused as `gradient` refuses it, and so that a warm-started answer gets
      // the same polishing step as a cold one (on an ill-conditioned block the
      // tolerance alone leaves `z` accurate only to about `tolerance / rcond`).
      let factor = try factorReducedJacobian(
        b, partials: UnsafeBufferPointer(partials), options: options, scratch: &scratch)
      do { try factor.awaitSingularityCheck() } catch {
        throw singularityError(error, unknownsFrom: block.start)
      }
      if options.forwardMethod == .newton { lastFactor = factor }
      if norm.absolute > 0 {
        try polish(
          b, with: factor, kernel: kernel, values: values, partials: partials,
          residual: &residual, norm: norm)
      }
      return blockIsAffine[b] && options.forwardMethod == .newton ? lastFactor : nil
    }
    // Affine blocks: Newton's step was exact (up to round-off), nothing to polish.
    if let lastFactor, !blockIsAffine[b], norm.relative > 16 * Double.ulpOfOne {
      try polish(
        b, with: lastFactor, kernel: kernel, values: values, partials: partials,
        residual: &residual, norm: norm)
    }
    return blockIsAffine[b] ? lastFactor : nil
  }

  /// One more (simplified) Newton step after convergence, with the last
  /// factorization, kept only if it lowers `‖r_F‖∞` (skipped when the residual is
  /// already at round-off): it takes the solution from
  /// the tolerance down to round-off at the cost of one solve and one evaluation
  /// (stiff blocks, whose residual terms are large, otherwise keep only about
  /// `tolerance` relative accuracy in `z`).
  func polish(
    _ b: Int, with factor: BlockFactorization, kernel: Kernel,
    values: UnsafeMutableBufferPointer<Double>, partials: UnsafeMutableBufferPointer<Double>,
    residual: inout [Double], norm: (absolute: Double, relative: Double)
  ) throws(LagrangePropError) {
    let block = blocks[b]
    let valuesOnly = blockHasConstantPartials[b]
    var step = residual.map { -$0 }
    do { try factor.solve(inPlace: &step) } catch { return }
    let saved = Array(values[block.feedbackStart..<block.end])
    for r in 0..<step.count { values[block.feedbackStart + r] = saved[r] + step[r] }
    if let trial = try? evaluateBlock(
      b, kernel: kernel, values: values, partials: partials, residual: &residual,
      valuesOnly: valuesOnly, reevaluation: true),
      trial.absolute < norm.absolute
    {
      return
    }
    for r in 0..<step.count { values[block.feedbackStart + r] = saved[r] }
    _ = try evaluateBlock(
      b, kernel: kernel, values: values, partials: partials, residual: &residual,
      valuesOnly: valuesOnly, reevaluation: true)
  }
}
