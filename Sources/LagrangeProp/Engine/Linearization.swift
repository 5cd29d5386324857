/// The factorization a `Linearization` keeps for its solver.
enum LinearizationFactor: Sendable {
  case sweep
  case triangular(TriangularMatrix)
  case lu(LUFactorization)
  /// The forward solve's dense LU of the reduced Jacobian of a single affine
  /// cyclic block that is the whole non-input part (then `S = D_zzᵀ`), reused by `.lu`.
  case reusedBlockLU(BlockFactorization)
  case bandedTriangular(TriangularBandMatrix)
  case bandedLU(BandLUFactorization)
  case blocks([BlockFactorization])
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
  let programValues: [Double]
  let partials: [Double]
  let factor: LinearizationFactor

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
  /// - Throws: `.wrongLength` if `w.count ≠ n`; `.nonFiniteObjective` for a non-finite
  ///   entry; `.singularJacobian` / `.linearAlgebra` from the solve.
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
      adjoints: adjoints, solver: solver, solverReason: solverReason)
  }

  /// The tangents `τ` solving `Dᵀ τ = −v` (forward mode). With `v = e_j` for input
  /// `j` (declaration index of the input), `τ = dz/dx_j`; a seed on a non-input
  /// `i` gives the response of every variable to perturbing constraint `i`.
  ///
  /// - Complexity: as `adjoints(objectiveGradient:)`.
  /// - Throws: `.wrongLength` if `v.count ≠ n`; `.singularJacobian` / `.linearAlgebra`.
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
  /// - Complexity: O(d · solve).
  /// - Throws: `.singularJacobian` / `.linearAlgebra`.
  public func implicitJacobian() throws(LagrangePropError) -> Matrix {
    let n = program.variableCount
    let d = program.inputCount
    var z = Matrix(rows: n, columns: d)
    switch factor {
    case .sweep, .blocks:
      for j in 0..<d {
        var seed = [Double](repeating: 0, count: n)
        seed[j] = 1
        let tau = try tangentsInProgramOrder(seed)
        for p in 0..<n { z[Int(program.order[p]), j] = tau[p] }
      }
    case .triangular, .lu, .reusedBlockLU, .bandedTriangular, .bandedLU:
      let m = program.intermediateCount
      var rhs = Matrix(rows: m, columns: d)
      for p in d..<n {
        for k in program.argumentRange(p) {
          let q = Int(program.arguments[k])
          if q < d { rhs[p - d, q] -= partials[k] }
        }
      }
      try solveNonInput(&rhs, transpose: true)
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
  /// - Throws: `.denseTooLarge` if `8·n²` bytes exceed `limit`.
  public func jacobian(limit: Int = SolveOptions().denseByteLimit) throws(LagrangePropError)
    -> Matrix
  {
    let n = program.variableCount
    if n.multipliedReportingOverflow(by: n * 8).overflow || n * n * 8 > limit {
      throw .denseTooLarge(solver: "jacobian()", order: n, bytes: n &* n &* 8, limit: limit)
    }
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
    case .triangular, .lu, .reusedBlockLU, .bandedTriangular, .bandedLU:
      let d = program.inputCount
      var rhs = (d..<program.variableCount).map { -lambda[$0] }
      try solveNonInput(&rhs, transpose: false)
      for i in 0..<rhs.count { lambda[d + i] = rhs[i] }
      program.accumulateInputAdjoints(&lambda, partials: partials)
    }
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
    case .triangular, .lu, .reusedBlockLU, .bandedTriangular, .bandedLU:
      var rhs = program.nonInputTangentRightHandSide(tau, partials: partials)
      try solveNonInput(&rhs, transpose: true)
      for i in 0..<rhs.count { tau[program.inputCount + i] = rhs[i] }
    }
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
    case .sweep, .blocks, .reusedBlockLU:
      preconditionFailure("no matrix factorization of D_zz for \(solver)")
    }
  }

  /// Solves `D_zz x = b` (or `D_zzᵀ x = b`) with the kept factorization.
  func solveNonInput(_ b: inout [Double], transpose: Bool) throws(LagrangePropError) {
    do { try nonInputSolver.solve(inPlace: &b, transpose: transpose) } catch {
      throw program.singularityError(error, unknownsFrom: program.inputCount)
    }
  }

  /// Solves `D_zz X = B` (or `D_zzᵀ X = B`) for several right-hand sides (level 3).
  func solveNonInput(_ b: inout Matrix, transpose: Bool) throws(LagrangePropError) {
    do { try nonInputSolver.solve(inPlace: &b, transpose: transpose) } catch {
      throw program.singularityError(error, unknownsFrom: program.inputCount)
    }
  }

  func checkVector(_ v: [Double], _ name: String) throws(LagrangePropError) {
    guard v.count == program.variableCount else {
      throw .wrongLength(argument: name, expected: program.variableCount, actual: v.count)
    }
    if let i = v.firstIndex(where: { !$0.isFinite }) {
      throw .nonFiniteObjective(
        detail: "\(name) entry for '\(program.name(declarationIndex: i))' is \(v[i])")
    }
  }
}

extension Program {
  /// Linearizes the program at `inputs`: forward solve, local partials and the
  /// factorization `solver` needs (dense `D_zz` and `dtrsv`/`dgetrf`, band storage
  /// and `dtbtrs`/`dgbtrf`, or one LU per cyclic block).
  ///
  /// - Complexity: the forward solve plus the factorization: O(m²) triangular,
  ///   O(m³) LU, O(m·k) / O(m·k²) banded, O(Σ|F_b|·edges_b + |F_b|³) block-triangular.
  /// - Throws: everything `solveConstraints` throws; `.cyclicProgram`,
  ///   `.denseTooLarge`, `.bandTooWide` when the solver cannot take the program;
  ///   `.singularJacobian` naming the variable whose constraint has the zero pivot
  ///   (or a pivot `≤ m·ε·‖D‖₁`: numerically singular, see `LUFactorization.negligiblePivot`).
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
    let (chosen, reason) = try chooseSolver(solver, options: options)
    let state = try forward(at: inputs, options: options, workspace: workspace)
    let factor: LinearizationFactor
    switch chosen {
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
        break
      }
      let lu = try mappingNonInputErrors { () throws(LinearAlgebraError) in
        try LUFactorization(assembleDenseNonInputJacobian(partials: state.partials))
      }
      factor = .lu(try requireRegular(lu, unknownsFrom: inputCount, matrix: "D"))
    case .bandedTriangular:
      factor = .bandedTriangular(
        assembleTriangularBandNonInputJacobian(partials: state.partials, bandwidth: bandwidth.upper)
      )
    case .bandedLU:
      let lu = try mappingNonInputErrors { () throws(LinearAlgebraError) in
        try BandLUFactorization(
          assembleBandNonInputJacobian(partials: state.partials, bandwidth: bandwidth))
      }
      factor = .bandedLU(try requireRegular(lu, unknownsFrom: inputCount, matrix: "D"))
    case .blockTriangular:
      var factors: [BlockFactorization] = []
      factors.reserveCapacity(blocks.count)
      var scratch = BlockScratch()
      for b in 0..<blocks.count {
        if let reusable = state.reusableBlockFactors[b] {
          factors.append(reusable)
        } else {
          factors.append(
            try state.partials.withUnsafeBufferPointer { (dp) throws(LagrangePropError) in
              try factorReducedJacobian(b, partials: dp, options: options, scratch: &scratch)
            })
        }
      }
      factor = .blocks(factors)
    }
    return Linearization(
      program: self, solver: chosen, solverReason: reason, point: inputs,
      programValues: state.values, partials: state.partials, factor: factor)
  }

  /// Value, gradient `∂f/∂x` and multipliers at `inputs`: forward solve, then
  /// `D λ = −∇f` with `solver`.
  ///
  /// - Complexity: `.sweep` O(n + edges) — a small constant times `evaluate`.
  /// - Throws: as `linearize(at:solver:options:)`.
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
      let (chosen, reason) = try chooseSolver(solver, options: options)
      if chosen == .sweep {
        return try sweepGradient(at: inputs, options: options, reason: reason, workspace: workspace)
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
