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
  /// `(0, 1]` (LAPACK `dgecon`, or for bands its Hager–Higham estimator on
  /// `dgbtrs` solves; one-norm, of the row- and
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
    var krylovResidualFound: Double?
    do {
      try program.writeObjectiveGradient(programValues, into: &lambda)
      let solved = try adjointsInProgramOrder(consume lambda, measuringResidual: usesKrylov)
      lambda = solved.lambda
      krylovResidualFound = solved.residual
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
    var krylovResidual: Double?
    if let residual = krylovResidualFound {
      if let bound = krylovResidualBound, !(residual <= bound) {
        throw .krylovNotConverged(iterations: 0, residual: residual, tolerance: bound)
      }
      krylovResidual = residual
    }
    return GradientResult(
      value: try objectiveValue(), gradient: Array(lambda[0..<program.inputCount]),
      adjoints: adjoints, solver: solver, solverReason: solverReason,
      reciprocalCondition: reciprocalCondition, krylovResidual: krylovResidual)
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
    try adjointsInProgramOrder(w, measuringResidual: false).lambda
  }

  /// `adjointsInProgramOrder(_:)` and, with `measuringResidual`, the relative
  /// residual of the solve (`adjointResidual`), taken before the solution is
  /// scaled back.
  func adjointsInProgramOrder(_ w: consuming [Double], measuringResidual: Bool)
    throws(LagrangePropError) -> (lambda: [Double], residual: Double?)
  {
    var lambda = w
    // A seed beyond 2^±400 (a huge or subnormal objective weight) is solved
    // scaled by a power of two, exactly, on every path alike: no square of it
    // overflows and no subnormal arithmetic loses its bits. One spanning more
    // than 2^400 is solved band by band, each scaled on its own.
    guard let e = lambda.withUnsafeBufferPointer({ PowerOfTwoScaling.singleScaleExponent(of: $0) })
    else {
      let (large, small) = PowerOfTwoScaling.bands(of: lambda)
      let a = try adjointsInProgramOrder(large, measuringResidual: measuringResidual)
      let b = try adjointsInProgramOrder(small, measuringResidual: measuringResidual)
      let sum = zip(a.lambda, b.lambda).map { $0 + $1 }
      let residual = a.residual.map { max($0, b.residual ?? 0) }
      return (sum, residual)
    }
    lambda.withUnsafeMutableBufferPointer { PowerOfTwoScaling.scale($0, by: -e) }
    let seed = measuringResidual ? lambda : []
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
    let residual = measuringResidual ? adjointResidual(lambda, objectiveGradient: seed) : nil
    lambda.withUnsafeMutableBufferPointer { PowerOfTwoScaling.scale($0, by: e) }
    // One O(n) pass, the same on every path: an overflow is named where the
    // reverse solve met it first (the highest program position).
    try program.requireFinite(
      lambda, quantity: "adjoint", firstPosition: 0, reverse: true, solver: solver)
    return (lambda, residual)
  }

  /// `τ` for `v` in program order; `v` is consumed (its buffer becomes `τ`, no copy).
  func tangentsInProgramOrder(_ v: consuming [Double]) throws(LagrangePropError) -> [Double] {
    var tau = v
    // As for adjoints: scaled by a power of two, or band by band.
    guard let e = tau.withUnsafeBufferPointer({ PowerOfTwoScaling.singleScaleExponent(of: $0) })
    else {
      let (large, small) = PowerOfTwoScaling.bands(of: tau)
      let a = try tangentsInProgramOrder(large)
      let b = try tangentsInProgramOrder(small)
      return zip(a, b).map { $0 + $1 }
    }
    tau.withUnsafeMutableBufferPointer { PowerOfTwoScaling.scale($0, by: -e) }
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
    tau.withUnsafeMutableBufferPointer { PowerOfTwoScaling.scale($0, by: e) }
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
      // A non-finite solution left in place is named by the caller's
      // `requireFinite`; a solver that refused without writing one is an error.
      if error.leftNonFiniteSolution(in: b) { return }
      throw program.singularityError(error, unknownsFrom: program.inputCount)
    }
  }

  /// Solves `D_zz X = B` (or `D_zzᵀ X = B`) for several right-hand sides (level 3).
  func solveNonInput(_ b: inout Matrix, transpose: Bool) throws(LagrangePropError) {
    do { try nonInputSolver.solve(inPlace: &b, transpose: transpose) } catch {
      if error.leftNonFiniteSolution(in: b.elements) { return }
      throw program.singularityError(error, unknownsFrom: program.inputCount)
    }
  }

  func checkVector(_ v: [Double], _ name: String) throws(LagrangePropError) {
    try program.checkVector(v, name)
  }
}
