// Helpers shared by the banded-Jacobian tests (issue 5).
//
// Every test class of this folder is named `Banded…Tests`, so that
// `swift test --filter Banded` selects exactly these tests.
//
// A `BandedFixture` builds a `ConstraintGraph` and records, independently of the
// engine, which variables every constraint reads. From that record and the
// program order the tests compute the expected bandwidths themselves, and
// decide whether a band solver must accept or refuse the program.

import Foundation
import LagrangeProp
import SeededRandom
import XCTest

// MARK: - Recording graph builder

/// A `ConstraintGraph` under construction plus an independent record of its
/// structure: the inputs and, for every constrained variable, the variables
/// its constraint reads (declaration indices).
struct BandedFixture {
  var graph = ConstraintGraph()
  /// Whether each variable (declaration index) is an input.
  var isInput: [Bool] = []
  /// The arguments of each variable's constraint (empty for inputs).
  var reads: [[Int]] = []
  /// The handles, in declaration order.
  var variables: [Variable] = []

  mutating func input(_ name: String) -> Variable {
    let v = graph.input(name)
    record(v, input: true)
    return v
  }

  mutating func unknown(_ name: String) -> Variable {
    let v = graph.unknown(name)
    record(v, input: false)
    return v
  }

  @discardableResult
  mutating func define(_ name: String, _ function: LocalFunction, _ arguments: [Variable]) throws
    -> Variable
  {
    let v = try graph.define(name, function, arguments)
    record(v, input: false)
    reads[v.index] = arguments.map(\.index)
    return v
  }

  mutating func define(_ variable: Variable, _ function: LocalFunction, _ arguments: [Variable])
    throws
  {
    try graph.define(variable, function, arguments)
    reads[variable.index] = arguments.map(\.index)
  }

  mutating func constrain(_ variable: Variable, residual: LocalFunction, _ arguments: [Variable])
    throws
  {
    try graph.constrain(variable, residual: residual, arguments)
    reads[variable.index] = arguments.map(\.index)
  }

  private mutating func record(_ v: Variable, input: Bool) {
    precondition(v.index == isInput.count, "fixture out of step with the graph")
    isInput.append(input)
    reads.append([])
    variables.append(v)
  }

  var variableCount: Int { isInput.count }
  var inputCount: Int { isInput.filter { $0 }.count }
}

/// The bandwidth of `D` (constraint `i` is column `i`, `D[a, i] ≠ 0` when `i`
/// reads `a`, and the diagonal) in the program's variable order, computed from
/// the fixture's own record: over the non-input block only, or over all of `D`.
func independentBandwidth(
  _ fixture: BandedFixture, _ program: Program, includingInputs: Bool
) -> (lower: Int, upper: Int) {
  var position = [Int](repeating: -1, count: fixture.variableCount)
  for (p, v) in program.programOrder.enumerated() { position[v.index] = p }
  var lower = 0
  var upper = 0
  for i in 0..<fixture.variableCount where !fixture.isInput[i] {
    for a in fixture.reads[i] where includingInputs || !fixture.isInput[a] {
      let offset = position[i] - position[a]  // column − row
      if offset > 0 { upper = max(upper, offset) } else { lower = max(lower, -offset) }
    }
  }
  return (lower, upper)
}

/// Checks what the tests rely on about the program order: a permutation of
/// the variables with the inputs first, in declaration order; for an acyclic
/// program, every argument before its consumer.
func assertBandValidProgramOrder(
  _ fixture: BandedFixture, _ program: Program, file: StaticString = #filePath, line: UInt = #line
) {
  let order = program.programOrder.map(\.index)
  XCTAssertEqual(
    order.sorted(), Array(0..<fixture.variableCount), "not a permutation", file: file, line: line)
  let inputs = (0..<fixture.variableCount).filter { fixture.isInput[$0] }
  XCTAssertEqual(Array(order.prefix(inputs.count)), inputs, "inputs first", file: file, line: line)
  guard program.isAcyclic else { return }
  var position = [Int](repeating: -1, count: fixture.variableCount)
  for (p, i) in order.enumerated() { position[i] = p }
  for i in 0..<fixture.variableCount {
    for a in fixture.reads[i] where position[a] >= position[i] {
      XCTFail("argument \(a) after its consumer \(i) in program order", file: file, line: line)
    }
  }
}

// MARK: - The equivalence check

/// Tolerances of the banded tests: between exact paths, and against central differences.
let bandExactRelative = 1e-10
let bandDifferenceRelative = 1e-6

/// Which band solvers must accept a program, decided from the fixture's own
/// bandwidth: band storage must be smaller than dense (`kd + 1 < m` for
/// `dtbtrs`, `2·kl + ku + 1 < m` for `dgbtrf`), except for `m ≤ 1`.
func bandSolverShouldAccept(_ solver: Solver, _ fixture: BandedFixture, _ program: Program) -> Bool
{
  let m = fixture.variableCount - fixture.inputCount
  let bw = independentBandwidth(fixture, program, includingInputs: false)
  switch solver {
  case .bandedTriangular: return program.isAcyclic && (bw.upper + 1 < m || m <= 1)
  case .bandedLU: return 2 * bw.lower + bw.upper + 1 < m || m <= 1
  default: preconditionFailure("not a band solver")
  }
}

/// Every band path against every dense path (rel. `bandExactRelative`) and against
/// central differences (rel. `bandDifferenceRelative`): gradient and multipliers,
/// adjoints for an arbitrary `w`, tangents for a seed on every variable and for
/// an input direction, the implicit Jacobian. A band solver the fixture says must
/// refuse the program is checked to throw `.bandTooWide` with the bandwidths.
/// Also checks `bandwidth` against the fixture and the program order.
///
/// - Returns: the band solvers that ran (so callers can assert coverage).
@discardableResult
func assertBandPathsAgree(
  _ fixture: BandedFixture, _ program: Program, at x: [Double], seed: UInt64,
  withDifferences: Bool = true, file: StaticString = #filePath, line: UInt = #line
) throws -> [Solver] {
  assertBandValidProgramOrder(fixture, program, file: file, line: line)
  let bw = independentBandwidth(fixture, program, includingInputs: false)
  let full = independentBandwidth(fixture, program, includingInputs: true)
  XCTAssertEqual(
    program.bandwidth, Program.Bandwidth(lower: bw.lower, upper: bw.upper), "bandwidth", file: file,
    line: line)
  XCTAssertEqual(
    program.fullBandwidth, Program.Bandwidth(lower: full.lower, upper: full.upper), "fullBandwidth",
    file: file, line: line)

  let n = program.variableCount
  var rng = SplitMix64(seed: seed)
  let w = randomVector(n, using: &rng)
  let v = randomVector(n, using: &rng)
  let direction = randomVector(program.inputCount, using: &rng)

  let dense: [Solver] = program.isAcyclic ? [.lu, .triangular] : [.lu]
  let references = try dense.map { try program.linearize(at: x, solver: $0) }
  let reference = references[0]
  let gradient = try reference.gradient()
  let z = try reference.implicitJacobian()
  let tangents = try reference.tangents(seed: v)
  let adjoints = try reference.adjoints(objectiveGradient: w)
  var inputSeed = [Double](repeating: 0, count: n)
  for (j, input) in program.inputs.enumerated() { inputSeed[input.index] = direction[j] }
  let directional = try reference.tangents(seed: inputSeed)

  if withDifferences {
    assertClose(
      gradient.gradient, try FiniteDifferences.gradient(of: program, at: x),
      relative: bandDifferenceRelative,
      "gradient vs differences", file: file, line: line)
    assertClose(
      z, try FiniteDifferences.implicitJacobian(of: program, at: x),
      relative: bandDifferenceRelative,
      "implicitJacobian vs differences", file: file, line: line)
    assertClose(
      directional,
      try FiniteDifferences.directionalDerivative(of: program, at: x, direction: direction),
      relative: bandDifferenceRelative, "tangents vs differences", file: file, line: line)
  }

  var ran: [Solver] = []
  for solver in [Solver.bandedTriangular, .bandedLU, .blockTriangular] + dense.dropFirst() {
    if solver == .bandedTriangular && !program.isAcyclic { continue }
    if solver == .bandedTriangular || solver == .bandedLU,
      !bandSolverShouldAccept(solver, fixture, program)
    {
      let m = program.intermediateCount
      let expected = LagrangePropError.bandTooWide(
        solver: solver, lower: solver == .bandedTriangular ? 0 : bw.lower, upper: bw.upper,
        order: m)
      assertThrows(expected, "\(solver)", file: file, line: line) {
        _ = try program.linearize(at: x, solver: solver)
      }
      continue
    }
    let lin = try program.linearize(at: x, solver: solver)
    XCTAssertEqual(lin.solver, solver, file: file, line: line)
    let g = try lin.gradient()
    XCTAssertEqual(g.solver, solver, file: file, line: line)
    assertClose(
      [g.value], [gradient.value], relative: bandExactRelative, "\(solver) value", file: file,
      line: line)
    assertClose(
      g.gradient, gradient.gradient, relative: bandExactRelative, "\(solver) gradient", file: file,
      line: line)
    assertClose(
      g.adjoints, gradient.adjoints, relative: bandExactRelative, "\(solver) adjoints", file: file,
      line: line)
    assertClose(
      try lin.adjoints(objectiveGradient: w), adjoints, relative: bandExactRelative,
      "\(solver) adjoints(w)", file: file, line: line)
    assertClose(
      try lin.tangents(seed: v), tangents, relative: bandExactRelative, "\(solver) tangents",
      file: file, line: line)
    assertClose(
      try lin.tangents(seed: inputSeed), directional, relative: bandExactRelative,
      "\(solver) input tangents", file: file, line: line)
    assertClose(
      try lin.implicitJacobian(), z, relative: bandExactRelative, "\(solver) implicitJacobian",
      file: file, line: line)
    if solver == .bandedTriangular || solver == .bandedLU { ran.append(solver) }
  }
  // Duality of the two band solves (trans N and T on one factorization):
  // vᵀλ(w) = wᵀτ(v), since λ = −D⁻¹w and τ = −D⁻ᵀv.
  for solver in ran {
    let lin = try program.linearize(at: x, solver: solver)
    let lambda = try lin.adjoints(objectiveGradient: w)
    let tau = try lin.tangents(seed: v)
    let lhs = zip(v, lambda).map(*).reduce(0, +)
    let rhs = zip(w, tau).map(*).reduce(0, +)
    let scale =
      zip(v, lambda).map { abs($0 * $1) }.reduce(0, +)
      + zip(w, tau).map { abs($0 * $1) }.reduce(0, +)
    XCTAssertLessThanOrEqual(
      abs(lhs - rhs), bandExactRelative * max(scale, 1e-300), "\(solver) duality", file: file,
      line: line)
  }
  return ran
}

// MARK: - Objectives

/// A smooth non-linear objective over all variables (declaration order):
/// `f(z) = Σ_i w_i z_i + ½ Σ_i c_i z_i²` with fixed pseudo-random `w`, `c`.
func bandQuadraticObjective(count n: Int, seed: UInt64) -> Objective {
  var rng = SplitMix64(seed: seed)
  let w = randomVector(n, using: &rng)
  let c = randomVector(n, in: 0...0.5, using: &rng)
  return .custom(
    value: { (z: [Double]) -> Double in
      var total = 0.0
      for i in 0..<n { total += w[i] * z[i] + 0.5 * c[i] * z[i] * z[i] }
      return total
    },
    gradient: { (z: [Double]) -> [Double] in
      (0..<n).map { (i: Int) -> Double in w[i] + c[i] * z[i] }
    })
}

// MARK: - Banded programs

struct BandChainStep: Sendable {
  let function: LocalFunction
  let value: @Sendable (Double) -> Double
  let derivative: @Sendable (Double) -> Double
}

/// The local functions of `makeBandChain`, cycled along the chain, with their
/// values and derivatives written out by hand (for closed-form checks).
let bandChainSteps: [BandChainStep] = [
  BandChainStep(
    function: .sin, value: { (x: Double) -> Double in sin(x) },
    derivative: { (x: Double) -> Double in cos(x) }),
  BandChainStep(
    function: .affine(constant: 0.3, coefficients: [1.2]),
    value: { (x: Double) -> Double in 0.3 + 1.2 * x },
    derivative: { (_: Double) -> Double in 1.2 }),
  BandChainStep(
    function: .tanh, value: { (x: Double) -> Double in tanh(x) },
    derivative: { (x: Double) -> Double in 1 - tanh(x) * tanh(x) }),
  BandChainStep(
    function: .sigmoid, value: { (x: Double) -> Double in 1 / (1 + exp(-x)) },
    derivative: { (x: Double) -> Double in
      let e = exp(-x)
      return e / ((1 + e) * (1 + e))
    }),
  BandChainStep(
    function: .cos, value: { (x: Double) -> Double in cos(x) },
    derivative: { (x: Double) -> Double in -sin(x) }),
  BandChainStep(
    function: .linear([-0.8]), value: { (x: Double) -> Double in -0.8 * x },
    derivative: { (_: Double) -> Double in -0.8 }),
  BandChainStep(
    function: .square, value: { (x: Double) -> Double in x * x },
    derivative: { (x: Double) -> Double in 2 * x }),
]

/// A chain `z_t = φ_t(z_{t−1})`, `t = 1…length`, from one input `z_0 = x`,
/// cycling through `bandChainSteps`: `D_zz` is upper bidiagonal.
func makeBandChain(length: Int) throws -> (fixture: BandedFixture, last: Variable) {
  var f = BandedFixture()
  var previous = f.input("x")
  for t in 1...length {
    previous = try f.define(
      "z\(t)", bandChainSteps[(t - 1) % bandChainSteps.count].function, [previous])
  }
  return (f, previous)
}

/// The coefficients of `makeBandRecurrence` for lag `j` (`1…k`).
func bandRecurrenceCoefficient(_ j: Int) -> Double { (j % 2 == 1 ? 0.8 : -0.5) / Double(j) }

/// A recurrence of order `k`: `z_t = tanh(Σ_{j=1…k} a_j z_{t−j}) + 0.3·sin(z_{t−1})`
/// for `t = 0…steps−1`, with the history `z_{−k}, …, z_{−1}` as the inputs
/// (declared in that order). One custom local function with exact partials per
/// step, so `D_zz` has exactly `k` super-diagonals.
func makeBandRecurrence(order k: Int, steps: Int) throws -> BandedFixture {
  var f = BandedFixture()
  var window = (1...k).reversed().map { f.input("z-\($0)") }  // z_{−k} … z_{−1}
  let a = (1...k).map(bandRecurrenceCoefficient)
  let step = LocalFunction.custom(
    name: "recurrence\(k)", arity: k,
    value: { z in tanh(zip(a, z).map(*).reduce(0, +)) + 0.3 * sin(z[0]) },
    gradient: { z in
      let t = tanh(zip(a, z).map(*).reduce(0, +))
      var g = a.map { $0 * (1 - t * t) }
      g[0] += 0.3 * cos(z[0])
      return g
    })
  for t in 0..<steps {
    // Arguments z_{t−1}, …, z_{t−k}.
    let args = (1...k).map { window[window.count - $0] }
    window.append(try f.define("z\(t)", step, args))
  }
  return f
}

/// A chain whose every step reads the parameters `θ₁`, `θ₂` (inputs):
/// `p_t = θ₁·z_{t−1}`, `q_t = sin p_t`, `z_t = q_t + θ₂`, from `z_0 = x`.
///
/// In order: inputs `x, θ₁, θ₂` declared first, then the steps. Out of order:
/// `x`, then every intermediate declared with `unknown` in reverse step order,
/// then `θ₁, θ₂`, then the definitions (program order ≠ declaration order).
func makeBandParameterisedChain(steps: Int, outOfOrder: Bool = false) throws -> BandedFixture {
  var f = BandedFixture()
  let x = f.input("x")
  guard outOfOrder else {
    let theta1 = f.input("theta1"), theta2 = f.input("theta2")
    var z = x
    for t in 1...steps {
      let p = try f.define("p\(t)", .product, [theta1, z])
      let q = try f.define("q\(t)", .sin, [p])
      z = try f.define("z\(t)", .sum, [q, theta2])
    }
    return f
  }
  var p = [Variable](), q = [Variable](), z = [Variable]()
  for t in (1...steps).reversed() {
    z.append(f.unknown("z\(t)"))
    q.append(f.unknown("q\(t)"))
    p.append(f.unknown("p\(t)"))
  }
  p.reverse()
  q.reverse()
  z.reverse()
  let theta1 = f.input("theta1"), theta2 = f.input("theta2")
  for t in 0..<steps {
    try f.define(p[t], .product, [theta1, t == 0 ? x : z[t - 1]])
    try f.define(q[t], .sin, [p[t]])
    try f.define(z[t], .sum, [q[t], theta2])
  }
  return f
}

/// How the unknowns of `makeBandBoundaryValueProblem` are declared.
enum BandNodeDeclaration {
  /// `u1, u2, …, uN`.
  case inOrder
  /// `uN, …, u1`.
  case reversed
  /// `u2, u1, u4, u3, …`.
  case pairsSwapped
}

/// The discretised boundary-value problem `−u'' + βu' + μu + u³ = s` on `(0, 1)`
/// with `N` interior nodes (`h = 1/(N + 1)`), written with residual constraints
///
///     r_i = (−u_{i−1} + 2u_i − u_{i+1}) / h² + β·(u_{i+1} − u_{i−1}) / 2h + μ·u_i + u_i³ − s_i = 0,
///
/// one cyclic tridiagonal block (symmetric `D_zz` for `β = 0`). Dirichlet ends `u_0 = a`, `u_{N+1} = b` are
/// inputs (declared first: `a, b, s1…sN`); `periodic` instead wraps `u_0 = u_N`,
/// `u_{N+1} = u_1` (inputs `s1…sN` only), which makes the band as wide as dense.
/// `degenerateNode` replaces that node's equation by `u_{k−1}·u_{k+1} + u_k³ − s_k = 0`,
/// whose partials all vanish at `u = 0` (the solution when `a = b = s = 0`).
/// With `inputsLast`, the inputs are declared after the unknowns.
func makeBandBoundaryValueProblem(
  nodes n: Int, beta: Double = 0, mu: Double = 0, periodic: Bool = false,
  declaration: BandNodeDeclaration = .inOrder,
  degenerateNode: Int? = nil, inputsLast: Bool = false
) throws -> (fixture: BandedFixture, u: [Variable]) {
  var f = BandedFixture()
  var a: Variable?, b: Variable?, s: [Variable] = []
  func declareInputs() {
    if !periodic {
      a = f.input("a")
      b = f.input("b")
    }
    s = (1...n).map { f.input("s\($0)") }
  }
  if !inputsLast { declareInputs() }
  var u = [Variable?](repeating: nil, count: n)
  let declarationOrder: [Int]
  switch declaration {
  case .inOrder: declarationOrder = Array(0..<n)
  case .reversed: declarationOrder = Array((0..<n).reversed())
  case .pairsSwapped: declarationOrder = (0..<n).map { $0 % 2 == 0 ? min($0 + 1, n - 1) : $0 - 1 }
  }
  for i in declarationOrder { u[i] = f.unknown("u\(i + 1)") }
  if inputsLast { declareInputs() }
  let nodes = u.map { $0! }
  let h = 1 / Double(n + 1)
  let inverseH2 = 1 / (h * h)
  let advection = beta / (2 * h)
  let stencil = LocalFunction.custom(
    name: "bvp", arity: 4,
    value: { (v: [Double]) -> Double in
      (-v[0] + 2 * v[1] - v[2]) * inverseH2 + (v[2] - v[0]) * advection + mu * v[1] + v[1] * v[1]
        * v[1] - v[3]
    },
    gradient: { (v: [Double]) -> [Double] in
      [-inverseH2 - advection, 2 * inverseH2 + mu + 3 * v[1] * v[1], -inverseH2 + advection, -1]
    })
  let degenerate = LocalFunction.custom(
    name: "degenerate", arity: 4,
    value: { v in v[0] * v[2] + v[1] * v[1] * v[1] - v[3] },
    gradient: { v in [v[2], 3 * v[1] * v[1], v[0], -1] })
  for i in 0..<n {
    let left = i > 0 ? nodes[i - 1] : (periodic ? nodes[n - 1] : a!)
    let right = i < n - 1 ? nodes[i + 1] : (periodic ? nodes[0] : b!)
    try f.constrain(
      nodes[i], residual: i + 1 == degenerateNode ? degenerate : stencil,
      [left, nodes[i], right, s[i]])
  }
  return (f, nodes)
}

/// Inputs for `makeBandBoundaryValueProblem` (declaration order of its inputs):
/// `a = 0.5`, `b = −0.3` (unless periodic) and `s_i = 10 sin(π x_i) + 5 x_i`.
func bandBoundaryValueInputs(nodes n: Int, periodic: Bool = false) -> [Double] {
  let h = 1 / Double(n + 1)
  let s = (1...n).map { i in 10 * sin(Double.pi * Double(i) * h) + 5 * Double(i) * h }
  return periodic ? s : [0.5, -0.3] + s
}

/// The same kind of stencil written with assignments (a Jacobi sweep solved to
/// its fixed point): `u_i = (u_{i−1} + u_{i+1} + h²·(s_i − ½ sin(u_{i−1} + u_{i+1}))) / 2`,
/// inputs `a, b, s1…sN` declared first. Its cyclic block is laid out acyclic
/// part first, then feedback variables, so program order need not keep the
/// nodes in sequence.
func makeBandAssignmentStencil(nodes n: Int) throws -> (fixture: BandedFixture, u: [Variable]) {
  var f = BandedFixture()
  let a = f.input("a"), b = f.input("b")
  let s = (1...n).map { f.input("s\($0)") }
  let u = (1...n).map { f.unknown("u\($0)") }
  let h2 = 1 / Double((n + 1) * (n + 1))
  let jacobi = LocalFunction.custom(
    name: "jacobi", arity: 3,
    value: { (v: [Double]) -> Double in (v[0] + v[1] + h2 * (v[2] - 0.5 * sin(v[0] + v[1]))) / 2 },
    gradient: { (v: [Double]) -> [Double] in
      let c = 0.5 - 0.25 * h2 * cos(v[0] + v[1])
      return [c, c, h2 / 2]
    })
  for i in 0..<n {
    try f.define(u[i], jacobi, [i > 0 ? u[i - 1] : a, i < n - 1 ? u[i + 1] : b, s[i]])
  }
  return (f, u)
}
