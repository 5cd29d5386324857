// Independent reference computations for the cyclic-program tests: plain loops
// and a small Gaussian elimination, nothing from LagrangeProp's engine or its
// LinearAlgebra layer, so that expected values never come from the code under test.

import LagrangeProp
import XCTest

/// Reference linear algebra and finite differences for the cyclic tests
/// (row-major `[[Double]]` matrices).
enum CyclicReference {
  /// Solves `A x = b` by Gaussian elimination with partial pivoting.
  ///
  /// - Precondition: `A` is square, of the order of `b`, and nonsingular.
  static func solve(_ a: [[Double]], _ b: [Double]) -> [Double] {
    let n = b.count
    precondition(a.count == n && a.allSatisfy { $0.count == n }, "solve: dimensions")
    var m = a
    var x = b
    for k in 0..<n {
      var pivot = k
      for i in (k + 1)..<max(k + 1, n) where abs(m[i][k]) > abs(m[pivot][k]) { pivot = i }
      precondition(m[pivot][k] != 0, "solve: singular matrix")
      if pivot != k {
        m.swapAt(pivot, k)
        x.swapAt(pivot, k)
      }
      for i in (k + 1)..<max(k + 1, n) {
        let factor = m[i][k] / m[k][k]
        if factor == 0 { continue }
        for j in k..<n { m[i][j] -= factor * m[k][j] }
        x[i] -= factor * x[k]
      }
    }
    for k in stride(from: n - 1, through: 0, by: -1) {
      var t = x[k]
      for j in (k + 1)..<max(k + 1, n) { t -= m[k][j] * x[j] }
      x[k] = t / m[k][k]
    }
    return x
  }

  /// Solves `Aᵀ x = b`.
  static func solveTransposed(_ a: [[Double]], _ b: [Double]) -> [Double] {
    solve(transpose(a), b)
  }

  /// `Aᵀ`.
  static func transpose(_ a: [[Double]]) -> [[Double]] {
    guard let columns = a.first?.count else { return [] }
    return (0..<columns).map { j in a.map { $0[j] } }
  }

  /// `A x`.
  static func multiply(_ a: [[Double]], _ x: [Double]) -> [Double] {
    a.map { row in dot(row, x) }
  }

  /// `Σ_k a_k b_k`.
  static func dot(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "dot: lengths")
    var total = 0.0
    for k in a.indices { total += a[k] * b[k] }
    return total
  }

  /// A random row-stochastic `n × n` matrix (positive entries, rows summing to one).
  static func stochasticMatrix<G: RandomNumberGenerator>(_ n: Int, using rng: inout G) -> [[Double]]
  {
    (0..<n).map { _ in
      let row = (0..<n).map { _ in Double.random(in: 0.05...1, using: &rng) }
      let total = row.reduce(0, +)
      return row.map { $0 / total }
    }
  }

  /// Central finite differences of a scalar function, step `h·max(1, |x_k|)`.
  static func gradient(
    at x: [Double], step h: Double = 1e-5, _ f: ([Double]) throws -> Double
  ) rethrows -> [Double] {
    var g = [Double](repeating: 0, count: x.count)
    var probe = x
    for k in x.indices {
      let step = h * max(1, abs(x[k]))
      probe[k] = x[k] + step
      let up = try f(probe)
      probe[k] = x[k] - step
      let down = try f(probe)
      probe[k] = x[k]
      g[k] = (up - down) / ((x[k] + step) - (x[k] - step))
    }
    return g
  }

  /// Central finite differences of a vector function: `J[i][k] = ∂f_i/∂x_k`
  /// (row per output, column per input).
  static func jacobian(
    at x: [Double], step h: Double = 1e-5, _ f: ([Double]) throws -> [Double]
  ) rethrows -> [[Double]] {
    var columns: [[Double]] = []
    var probe = x
    for k in x.indices {
      let step = h * max(1, abs(x[k]))
      probe[k] = x[k] + step
      let up = try f(probe)
      probe[k] = x[k] - step
      let down = try f(probe)
      probe[k] = x[k]
      let width = (x[k] + step) - (x[k] - step)
      columns.append(zip(up, down).map { ($0 - $1) / width })
    }
    return transpose(columns)
  }
}

// MARK: - The Markov reward process, in three spellings

/// The Markov reward process `v = r + γ P v` as a constraint graph, in one of
/// three spellings, with its inputs laid out as `[γ?, r₀ … r_{n−1}, P₀₀ … P_{n−1,n−1}?]`.
struct MarkovRewardGraph {
  enum Form: CaseIterable {
    /// Product terms `t_ij = P_ij·v_j` with `P` and `γ` inputs:
    /// `v_i = r_i + γ·Σ_j t_ij` (gradients w.r.t. `γ`, `r`, `P`).
    case products
    /// `v_i = r_i + γ·s_i` with `s_i = .linear(P_i·)(v)`: `P` constant, `γ` and `r` inputs.
    case linearWithGamma
    /// `v_i = .linear([1, γP_i0, …])(r_i, v)`: `γ` and `P` constant, `r` inputs.
    case linear
  }

  let form: Form
  let n: Int
  var graph: ConstraintGraph
  let values: [Variable]
  let total: Variable

  /// Builds the graph for transition matrix `p` (used as constants where the form
  /// needs them) and discount `gamma` (a constant in `.linear`).
  init(form: Form, p: [[Double]], gamma: Double) throws {
    self.form = form
    let n = p.count
    self.n = n
    var graph = ConstraintGraph()
    let gammaInput = form == .linear ? nil : graph.input("gamma")
    let r = (0..<n).map { graph.input("r\($0)") }
    let pInputs: [[Variable]] =
      form == .products ? (0..<n).map { i in (0..<n).map { j in graph.input("P\(i)_\(j)") } } : []
    let v = (0..<n).map { graph.unknown("v\($0)") }
    for i in 0..<n {
      switch form {
      case .products:
        let terms = try (0..<n).map { j in try graph.define(nil, .product, [pInputs[i][j], v[j]]) }
        let s = try graph.define(nil, .sum, terms)
        let discounted = try graph.define(nil, .product, [gammaInput!, s])
        try graph.define(v[i], .sum, r[i], discounted)
      case .linearWithGamma:
        let s = try graph.define("s\(i)", .linear(p[i]), v)
        let discounted = try graph.define(nil, .product, [gammaInput!, s])
        try graph.define(v[i], .sum, r[i], discounted)
      case .linear:
        try graph.define(v[i], .linear([1] + p[i].map { gamma * $0 }), [r[i]] + v)
      }
    }
    total = try graph.define("total", .sum, v)
    self.graph = graph
    values = v
  }

  /// The inputs `[γ?, r, P?]` for this form.
  func inputs(p: [[Double]], gamma: Double, r: [Double]) -> [Double] {
    switch form {
    case .products: return [gamma] + r + p.flatMap { $0 }
    case .linearWithGamma: return [gamma] + r
    case .linear: return r
    }
  }

  /// A linear objective `Σ_i w_i v_i` over all variables (zero weight elsewhere).
  func weightedObjective(_ w: [Double]) -> Objective {
    var weights = [Double](repeating: 0, count: graph.variableCount)
    for i in 0..<n { weights[values[i].index] = w[i] }
    return .linear(weights)
  }
}

/// The closed form of the Markov reward process and the gradient of `wᵀv`:
/// `A = I − γP`, `v = A⁻¹ r`, `u = A⁻ᵀ w`, `∂/∂r = u`, `∂/∂γ = uᵀ P v`,
/// `∂/∂P_ij = γ u_i v_j` — by `CyclicReference.solve`.
struct MarkovRewardClosedForm {
  let v: [Double]
  let u: [Double]
  let dGamma: Double
  let dP: [[Double]]

  init(p: [[Double]], gamma: Double, r: [Double], weights w: [Double]) {
    let n = r.count
    let a = (0..<n).map { i in (0..<n).map { j in (i == j ? 1 : 0) - gamma * p[i][j] } }
    let v = CyclicReference.solve(a, r)
    let u = CyclicReference.solveTransposed(a, w)
    self.v = v
    self.u = u
    dGamma = CyclicReference.dot(u, CyclicReference.multiply(p, v))
    dP = (0..<n).map { i in (0..<n).map { j in gamma * u[i] * v[j] } }
  }

  /// The expected gradient in the input layout of `form`.
  func gradient(form: MarkovRewardGraph.Form) -> [Double] {
    switch form {
    case .products: return [dGamma] + u + dP.flatMap { $0 }
    case .linearWithGamma: return [dGamma] + u
    case .linear: return u
    }
  }
}
