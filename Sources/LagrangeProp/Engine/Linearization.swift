/// The factorization a `Linearization` keeps for its solver.
package enum LinearizationFactor: Sendable {
  case sweep
  case triangular(TriangularMatrix)
  case lu(LUFactorization)
  /// The forward solve's dense LU of the reduced Jacobian of a single affine
  /// cyclic block that is the whole non-input part (then `S = D_zzᵀ`), reused by `.lu`.
  case reusedBlockLU(BlockFactorization)
  case bandedTriangular(TriangularBandMatrix)
  case bandedLU(BandLUFactorization)
  /// A band LU of `D_zz` in declaration order, where its band is narrower.
  case permutedBandedLU(PermutedSystem<BandLUFactorization>)
  case blocks([BlockFactorization])
  /// A sparse LU or GMRES of `D_zz` (`.sparseLU`, `.krylov`).
  case sparse(SparseSystem)
}

/// A program linearized at a point: the values `z(x)`, every local partial and
/// (for matrix solvers) the factorization of the constraint Jacobian `D`, ready
/// for any number of adjoint and tangent solves.
///
/// ```swift
/// let lin = try program.linearize(at: [0.5, -1.0], solver: .lu)
/// let dzdx = try lin.implicitJacobian()            // n × d, Dᵀ Z = −E
/// let tau = try lin.tangents(seed: v)               // Dᵀ τ = −v
/// let lam = try lin.adjoints(objectiveGradient: w)  // D λ = −w
/// ```
///
/// All vectors are in declaration order (`Variable.index`).
public struct Linearization: Sendable {
  /// The program.
  public let program: Program
  /// The solver used (never `.automatic`).
  public let solver: Solver
  /// Why that solver was used.
  public let solverReason: String
  /// The inputs `x`.
  public let point: [Double]
  /// An estimate of the reciprocal condition number of the system solved, in
  /// `(0, 1]` (LAPACK `dgecon` / `dgbcon`, one-norm, of the row- and
  /// column-equilibrated matrix, as LAPACK's expert drivers report it):
  /// `.lu` and `.bandedLU` for `D_zz`; `.blockTriangular` the smallest over the
  /// cyclic blocks' reduced Jacobians (for a block of one feedback variable,
  /// `|s| / Σ|terms of s|`: how much survived cancellation).
  ///
  /// Relative errors of adjoints, tangents and `dz/dx` are bounded by about
  /// `m·ε / reciprocalCondition` (`ε ≈ 1.1e-16`): `1e-8` means expect about 8
  /// correct digits, and solvers agree with each other only to that level.
  ///
  /// `nil` for acyclic programs solved by substitution (`.sweep`, `.triangular`,
  /// `.bandedTriangular`, and `.blockTriangular` with no cyclic block): `D` is
  /// then unit triangular (diagonal `−1`), never singular, and substitution is
  /// componentwise accurate, so a normwise estimate would mislead.
  public let reciprocalCondition: Double?
  let programValues: [Double]
  package let partials: [Double]
  package let factor: LinearizationFactor
  /// `SolveOptions.matrixByteLimit` of the call that made it (caps `implicitJacobian()`).
  let matrixByteLimit: Int

  /// All variable values `z(x)` (declaration order).
  public var values: [Double] { program.toDeclarationOrder(programValues) }

  /// The value of the variable.
  ///
  /// - Throws: `LagrangePropError.unknownVariable` for a handle of another graph.
  public func value(of variable: Variable) throws(LagrangePropError) -> Double {
    try program.check(variable)
    return programValues[Int(program.position[variable.index])]
  }

  /// The objective value `f(z)`.
  ///
  /// - Throws: `.nonFiniteObjective`.
  public func objectiveValue() throws(LagrangePropError) -> Double {
    try program.objectiveValue(programValues)
  }

  /// The objective's gradient `∇f(z)` with respect to all variables (declaration order).
  ///
  /// - Throws: `.nonFiniteObjective`, `.wrongLength` (custom gradient).
  public func objectiveGradient() throws(LagrangePropError) -> [Double] {
    program.toDeclarationOrder(try program.objectiveGradient(programValues))
  }

  // MARK: - Solves

  /// The multipliers `λ` solving `D λ = −w` for an arbitrary `w` (one entry per
  /// variable): reverse mode with `w` as the objective gradient. `λ` restricted to
  /// the inputs is `wᵀ dz/dx`.
  ///
  /// - Complexity: sweep O(n + edges); triangular O(m²) (`dtrsv`); LU O(m²) (`dgetrs`);
  ///   banded O(m·k) (`dtbtrs` / `dgbtrs`); block-triangular O(edges + Σ|F_b|²).
  /// - Throws: `.wrongLength` if `w.count ≠ n`; `.nonFiniteArgument` for a non-finite
  ///   entry; `.nonFiniteResult` if a multiplier overflows; `.singularJacobian` /
  ///   `.linearAlgebra` from the solve.
  public func adjoints(objectiveGradient w: [Double]) throws(LagrangePropError) -> [Double] {
    try checkVector(w, "objectiveGradient")
    return program.toDeclarationOrder(try adjointsInProgramOrder(program.toProgramOrder(w)))
  }

  /// The multipliers `λ` for the program's own objective (`D λ = −∇f`).
  ///
  /// - Throws: as `adjoints(objectiveGradient:)`.
  public func adjoints() throws(LagrangePropError) -> [Double] {
    program.toDeclarationOrder(try adjointsInProgramOrder(program.objectiveGradient(programValues)))
  }

  /// Value, gradient `∂f/∂x` and all multipliers for the program's objective.
  ///
  /// - Throws: as `adjoints(objectiveGradient:)`.
  public func gradient() throws(LagrangePropError) -> GradientResult {
    try gradient(reusing: Program.Workspace())
  }

  /// `gradient()` with the multiplier buffers of `workspace` (the result's
  /// `adjoints` shares one of them, copy-on-write).
  func gradient(reusing workspace: Program.Workspace) throws(LagrangePropError) -> GradientResult {
    let n = program.variableCount
    var lambda = takeBuffer(&workspace.multipliers, count: n)
    do {
      try program.writeObjectiveGradient(programValues, into: &lambda)
      lambda = try adjointsInProgramOrder(consume lambda)
    } catch {
      workspace.multipliers = []
      throw error
    }
    defer { workspace.multipliers = lambda }
    let adjoints: [Double]
    if program.isIdentityOrder {
      adjoints = lambda
    } else {
      var out = takeBuffer(&workspace.declarationMultipliers, count: n)
      out.withUnsafeMutableBufferPointer { o in
        for p in 0..<n { o[Int(program.order[p])] = lambda[p] }
      }
      workspace.declarationMultipliers = out
      adjoints = out
    }
    return GradientResult(
      value: try objectiveValue(), gradient: Array(lambda[0..<program.inputCount]),
      adjoints: adjoints, solver: solver, solverReason: solverReason,
      reciprocalCondition: reciprocalCondition,
      krylovResidual: usesKrylov
        ? adjointResidual(lambda, objectiveGradient: try program.objectiveGradient(programValues))
        : nil)
  }

  /// The tangents `τ` solving `Dᵀ τ = −v` (forward mode). With `v = e_j` for input
  /// `j` (declaration index of the input), `τ = dz/dx_j`; a seed on a non-input
  /// `i` gives the response of every variable to perturbing constraint `i`.
  ///
  /// - Complexity: as `adjoints(objectiveGradient:)`.
  /// - Throws: `.wrongLength` if `v.count ≠ n`; `.nonFiniteArgument` for a non-finite
  ///   entry; `.nonFiniteResult` if a tangent overflows; `.singularJacobian` /
  ///   `.linearAlgebra`.
  public func tangents(seed v: [Double]) throws(LagrangePropError) -> [Double] {
    try checkVector(v, "seed")
    return program.toDeclarationOrder(try tangentsInProgramOrder(program.toProgramOrder(v)))
  }

  /// The implicit Jacobian `Z = dz/dx` (`n × d`: row `i` for variable `i` in
  /// declaration order, column `j` for the `j`-th input), solving `Dᵀ Z = −E`.
  ///
  /// Dense and band solvers factor once and solve all `d` right-hand sides in one
  /// level-3 call (`dtrtrs` / `dgetrs` / `dtbtrs` / `dgbtrs`); the sweep and the
  /// block-triangular solver run one tangent pass per input.
  ///
  /// - Complexity: O(d · solve); `8·n·d` bytes.
  /// - Throws: `.resultTooLarge` if `8·n·d` bytes exceed the `matrixByteLimit` of the
  ///   options this linearization was made with; `.nonFiniteResult` if an entry
  ///   overflows; `.singularJacobian` / `.linearAlgebra`.
  public func implicitJacobian() throws(LagrangePropError) -> Matrix {
    let n = program.variableCount
    let d = program.inputCount
    try program.checkResultSize(
      "implicitJacobian()", rows: n, columns: d, limit: matrixByteLimit)
    var z = Matrix(validRows: n, columns: d)
    switch factor {
    case .sweep, .blocks:
      for j in 0..<d {
        var seed = [Double](repeating: 0, count: n)
        seed[j] = 1
        let tau = try tangentsInProgramOrder(seed)
        for p in 0..<n { z[Int(program.order[p]), j] = tau[p] }
      }
    case .triangular, .lu, .reusedBlockLU, .bandedTriangular, .bandedLU, .permutedBandedLU, .sparse:
      let m = program.intermediateCount
      var rhs = Matrix(validRows: m, columns: d)
      for p in d..<n {
        for k in program.argumentRange(p) {
          let q = Int(program.arguments[k])
          if q < d { rhs[p - d, q] -= partials[k] }
        }
      }
      try solveNonInput(&rhs, transpose: true)
      try program.requireFinite(
        rhs.elements, quantity: "implicit Jacobian", firstPosition: program.inputCount, rows: m,
        reverse: false, solver: solver)
      for j in 0..<d {
        z[Int(program.order[j]), j] = 1
        for p in d..<n { z[Int(program.order[p]), j] = rhs[p - d, j] }
      }
    }
    return z
  }

  /// The whole constraint Jacobian `D` (`n × n`, declaration order, `D[a, i] = ∂c_i/∂z_a`),
  /// for inspection.
  ///
  /// - Complexity: O(n² + edges) memory and time.
  /// - Throws: `.resultTooLarge` (quantity `"jacobian(limit:)"`) if `8·n²` bytes
  ///   exceed `limit`.
  public func jacobian(limit: Int = SolveOptions().matrixByteLimit) throws(LagrangePropError)
    -> Matrix
  {
    let n = program.variableCount
    try program.checkResultSize("jacobian(limit:)", rows: n, columns: n, limit: limit)
    return program.assembleFullJacobian(partials: partials)
  }

  // MARK: - Program-order solves

  /// `λ` for `w` in program order; `w` is consumed (its buffer becomes `λ`, no copy).
  func adjointsInProgramOrder(_ w: consuming [Double]) throws(LagrangePropError) -> [Double] {
    var lambda = w
    switch factor {
    case .sweep:
      program.sweepAdjoints(&lambda, partials: partials)
    case .blocks(let factors):
      try program.blockTriangularAdjoints(&lambda, partials: partials, factors: factors)
    case .triangular, .lu, .reusedBlockLU, .bandedTriangular, .bandedLU, .permutedBandedLU, .sparse:
      let d = program.inputCount
      var rhs = (d..<program.variableCount).map { -lambda[$0] }
      try solveNonInput(&rhs, transpose: false)
      for i in 0..<rhs.count { lambda[d + i] = rhs[i] }
      program.accumulateInputAdjoints(&lambda, partials: partials)
    }
    // One O(n) pass, the same on every path: an overflow is named where the
    // reverse solve met it first (the highest program position).
    try program.requireFinite(
      lambda, quantity: "adjoint", firstPosition: 0, reverse: true, solver: solver)
    return lambda
  }

  /// `τ` for `v` in program order; `v` is consumed (its buffer becomes `τ`, no copy).
  func tangentsInProgramOrder(_ v: consuming [Double]) throws(LagrangePropError) -> [Double] {
    var tau = v
    switch factor {
    case .sweep:
      program.sweepTangents(&tau, partials: partials)
    case .blocks(let factors):
      try program.blockTriangularTangents(&tau, partials: partials, factors: factors)
    case .triangular, .lu, .reusedBlockLU, .bandedTriangular, .bandedLU, .permutedBandedLU, .sparse:
      var rhs = program.nonInputTangentRightHandSide(tau, partials: partials)
      try solveNonInput(&rhs, transpose: true)
      for i in 0..<rhs.count { tau[program.inputCount + i] = rhs[i] }
    }
    try program.requireFinite(
      tau, quantity: "tangent", firstPosition: 0, reverse: false, solver: solver)
    return tau
  }

  /// The kept matrix factorization of `D_zz` (dense or band solvers only).
  var nonInputSolver: any LinearSystemSolver {
    switch factor {
    case .triangular(let t): t
    case .lu(let lu): lu
    case .reusedBlockLU(.dense(let lu)): TransposedSystem(lu)  // an LU of S = D_zzᵀ
    case .reusedBlockLU(.denseOfTranspose(let lu)): lu  // an LU of Sᵀ = D_zz
    case .bandedTriangular(let t): t
    case .bandedLU(let lu): lu
    case .permutedBandedLU(let lu): lu
    case .sparse(let system): system.solver
    case .sweep, .blocks, .reusedBlockLU:
      preconditionFailure("no matrix factorization of D_zz for \(solver)")
    }
  }

  /// Solves `D_zz x = b` (or `D_zzᵀ x = b`) with the kept factorization. A
  /// non-finite solution is left in `b` for the caller's `requireFinite`, which
  /// names the variable.
  func solveNonInput(_ b: inout [Double], transpose: Bool) throws(LagrangePropError) {
    do { try nonInputSolver.solve(inPlace: &b, transpose: transpose) } catch {
      if case .nonFinite = error { return }
      throw program.singularityError(error, unknownsFrom: program.inputCount)
    }
  }

  /// Solves `D_zz X = B` (or `D_zzᵀ X = B`) for several right-hand sides (level 3).
  func solveNonInput(_ b: inout Matrix, transpose: Bool) throws(LagrangePropError) {
    do { try nonInputSolver.solve(inPlace: &b, transpose: transpose) } catch {
      if case .nonFinite = error { return }
      throw program.singularityError(error, unknownsFrom: program.inputCount)
    }
  }

  func checkVector(_ v: [Double], _ name: String) throws(LagrangePropError) {
    try program.checkVector(v, name)
  }
}

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
    let choice = try chooseSolver(solver, options: options)
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
    let estimate = options.estimatesCondition || options.minimumReciprocalCondition > 0
    // A GMRES solve (whole program or a block) gives no estimate to hold a threshold against.
    var unestimated = false
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
          reciprocalCondition = block.reciprocalCondition()
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
        if estimate, let r = blockFactor.reciprocalCondition() {
          reciprocalCondition = min(reciprocalCondition ?? r, r)
        } else if estimate {
          unestimated = true
        }
      }
      factor = .blocks(factors)
    case .sparseLU, .krylov:
      let system = try sparseNonInputSystem(choice.solver, state: state, options: options)
      factor = .sparse(system)
      if estimate {
        reciprocalCondition = system.reciprocalCondition
        unestimated = reciprocalCondition == nil
      }
    }
    if unestimated && options.minimumReciprocalCondition > 0 {
      throw .invalidOption(
        name: "minimumReciprocalCondition",
        reason:
          "solver .\(choice.solver) solved (part of) the system with GMRES, which estimates no condition number to check against \(options.minimumReciprocalCondition); use .sparseLU or a dense solver, or leave it 0"
      )
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
  /// `D λ = −∇f` with `solver`.
  ///
  /// - Complexity: `.sweep` O(n + edges) — a small constant times `evaluate`.
  /// - Throws: as `linearize(at:solver:options:)`, and `.nonFiniteResult` if a
  ///   multiplier overflows.
  public func gradient(
    at inputs: [Double], solver: Solver = .automatic, options: SolveOptions = SolveOptions()
  ) throws(LagrangePropError) -> GradientResult {
    try gradient(at: inputs, solver: solver, options: options, workspace: Workspace())
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
      let choice = try chooseSolver(solver, options: options)
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
