import Foundation
import LagrangeProp
import SeededRandom

/// The sparse Markov reward process `v = r + γ·P·v`, `γ = 0.9`, with `t` random
/// transitions per state (destinations uniform, with replacement; weights
/// uniform then normalised): inputs `r`, `v_i = r_i + Σ_j γP_ij·v_j` (`linear`),
/// objective `wᵀv`. One cyclic block of `n` states; `I − γP` is well conditioned
/// (`‖(I − γP)⁻¹‖∞ ≤ 10`) but a sparse LU of it fills in catastrophically.
struct SparseMarkovReward {
  /// The discount factor.
  static let gamma = 0.9
  let states: Int
  /// Row `i`'s destinations and probabilities (duplicates merged).
  let destinations: [[Int]]
  let probabilities: [[Double]]
  let rewards: [Double]
  let weights: [Double]
  let program: Program
  /// The rewards (the program's inputs).
  var inputs: [Double] { rewards }

  init(states n: Int, transitions t: Int, seed: UInt64) throws {
    var rng = SplitMix64(seed: seed ^ UInt64(n) &* 0x9E37_79B9)
    states = n
    let transitions = RandomTransitions(states: n, transitions: t, using: &rng)
    destinations = transitions.destinations
    probabilities = transitions.probabilities
    rewards = (0..<n).map { _ in Double.random(in: 0...1, using: &rng) }
    weights = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
    var graph = ConstraintGraph()
    let r = (0..<n).map { _ in graph.input() }
    let v = (0..<n).map { _ in graph.unknown() }
    for i in 0..<n {
      try graph.define(
        v[i], .linear([1] + probabilities[i].map { Self.gamma * $0 }),
        [r[i]] + destinations[i].map { v[$0] })
    }
    var objective = [Double](repeating: 0, count: graph.variableCount)
    for i in 0..<n { objective[v[i].index] = weights[i] }
    program = try graph.compile(objective: .linear(objective))
  }

  /// `y = x + γ·P·x` applied as `y ← b + γ·P·x` (`transpose`: `b + γ·Pᵀ·x`).
  private func step(_ x: [Double], plus b: [Double], transpose: Bool) -> [Double] {
    var y = b
    for i in 0..<states {
      if transpose {
        let xi = Self.gamma * x[i]
        for (k, j) in destinations[i].enumerated() { y[j] += probabilities[i][k] * xi }
      } else {
        var s = 0.0
        for (k, j) in destinations[i].enumerated() { s += probabilities[i][k] * x[j] }
        y[i] += Self.gamma * s
      }
    }
    return y
  }

  /// The fixed point of `x ← b + γ·op(P)·x` by plain iteration (a contraction
  /// in ‖·‖∞ for `P`, in ‖·‖₁ for `Pᵀ`), until an update changes nothing above
  /// 1e-15 relative: independent of the engine's solvers.
  private func iterate(_ b: [Double], transpose: Bool) -> [Double] {
    var x = b
    for _ in 0..<2000 {
      let next = step(x, plus: b, transpose: transpose)
      var change = 0.0
      var size = 0.0
      for i in 0..<states {
        change = max(change, abs(next[i] - x[i]))
        size = max(size, abs(next[i]))
      }
      x = next
      if change <= 1e-15 * size { break }
    }
    return x
  }

  /// The reference values `v = (I − γP)⁻¹ r` by value iteration.
  func referenceValues() -> [Double] { iterate(rewards, transpose: false) }

  /// The reference gradient `∂(wᵀv)/∂r = (I − γP)⁻ᵀ w` by iteration on the transpose.
  func referenceGradient() throws -> [Double] { iterate(weights, transpose: true) }

  /// The values `v` among all the program's variables (declaration order: `r`, then `v`).
  func stateValues(_ values: [Double]) -> [Double] { Array(values[states..<(2 * states)]) }

  /// `I − γP` (the matrix of `v`'s equations, rows = states) in CSC arrays, for a direct solver.
  func systemMatrix() -> (columnStart: [Int], rowIndices: [Int], values: [Double]) {
    var columns = [[(Int, Double)]](repeating: [], count: states)
    for i in 0..<states {
      columns[i].append((i, 1))
      for (k, j) in destinations[i].enumerated() {
        columns[j].append((i, -Self.gamma * probabilities[i][k]))
      }
    }
    var start = [0]
    var rows: [Int] = []
    var values: [Double] = []
    for j in 0..<states {
      var merged: [Int: Double] = [:]
      for (i, a) in columns[j] { merged[i, default: 0] += a }
      for (i, a) in merged.sorted(by: { $0.key < $1.key }) {
        rows.append(i)
        values.append(a)
      }
      start.append(rows.count)
    }
    return (start, rows, values)
  }
}

/// Poisson's equation on an `m^dim` grid (`dim` = 2 or 3), zero Dirichlet
/// boundary, mesh width `h = 1/(m + 1)`, written as residual constraints in the
/// natural (interleaved) order:
///
///     g_p = (2·dim·u_p − Σ_{q ~ p} u_q)/h² (+ c_p) − s_p = 0,   c_p = u_p³ (nonlinear),
///
/// inputs the sources `s_p`, objective the mean of `u`. The Jacobian is the
/// (2·dim + 1)-point Laplacian plus `3u²` on the diagonal: banded with band
/// `m^(dim−1)`, sparse LU fill `O(n log n)` in 2-D, `O(n^{4/3})` in 3-D.
struct PoissonGrid {
  let dimensions: Int
  let size: Int
  let nonlinear: Bool
  let sources: [Double]
  let program: Program
  /// Declaration indices of `u_p` (grid order).
  let unknownIndices: [Int]
  /// The sources (the program's inputs).
  var inputs: [Double] { sources }
  var unknownCount: Int { sources.count }

  init(dimensions: Int, size m: Int, nonlinear: Bool, seed: UInt64) throws {
    precondition(dimensions == 2 || dimensions == 3)
    self.dimensions = dimensions
    self.size = m
    self.nonlinear = nonlinear
    let n = dimensions == 2 ? m * m : m * m * m
    var rng = SplitMix64(seed: seed ^ UInt64(n))
    sources = (0..<n).map { _ in Double.random(in: 0...40, using: &rng) }
    var graph = ConstraintGraph()
    let s = (0..<n).map { _ in graph.input() }
    var u: [Variable] = []
    var c: [Variable] = []
    u.reserveCapacity(n)
    for _ in 0..<n {
      u.append(graph.unknown())
      if nonlinear { c.append(graph.unknown()) }
    }
    let inverse = Double((m + 1) * (m + 1))
    for p in 0..<n {
      var arguments = [u[p]]
      var coefficients = [Double(2 * dimensions) * inverse]
      for q in Self.neighbours(p, dimensions: dimensions, size: m) {
        arguments.append(u[q])
        coefficients.append(-inverse)
      }
      if nonlinear {
        try graph.define(c[p], .power(3), u[p])
        arguments.append(c[p])
        coefficients.append(1)
      }
      arguments.append(s[p])
      coefficients.append(-1)
      try graph.constrain(u[p], residual: .linear(coefficients), arguments)
    }
    var objective = [Double](repeating: 0, count: graph.variableCount)
    for p in 0..<n { objective[u[p].index] = 1 / Double(n) }
    unknownIndices = u.map(\.index)
    program = try graph.compile(objective: .linear(objective))
  }

  /// The grid neighbours of point `p` inside the grid.
  static func neighbours(_ p: Int, dimensions: Int, size m: Int) -> [Int] {
    var result: [Int] = []
    var stride = 1
    var rest = p
    for _ in 0..<dimensions {
      let coordinate = rest % m
      rest /= m
      if coordinate > 0 { result.append(p - stride) }
      if coordinate < m - 1 { result.append(p + stride) }
      stride *= m
    }
    return result
  }

  /// The PDE's Jacobian `J = ∂g/∂u` at `u` (grid order), assembled here
  /// independently of the engine, in CSC arrays (column `q`: `∂g_p/∂u_q`).
  func jacobian(at u: [Double]) -> (columnStart: [Int], rowIndices: [Int], values: [Double]) {
    let inverse = Double((size + 1) * (size + 1))
    var start = [0]
    var rows: [Int] = []
    var values: [Double] = []
    for q in 0..<unknownCount {
      var column: [(Int, Double)] = Self.neighbours(q, dimensions: dimensions, size: size).map {
        ($0, -inverse)
      }
      column.append((q, Double(2 * dimensions) * inverse + (nonlinear ? 3 * u[q] * u[q] : 0)))
      for (p, a) in column.sorted(by: { $0.0 < $1.0 }) {
        rows.append(p)
        values.append(a)
      }
      start.append(rows.count)
    }
    return (start, rows, values)
  }

  /// `max_p |g_p(u)| / (terms)`: the PDE residual at `u`, relative to the size of its terms.
  func relativeResidual(_ u: [Double]) -> Double {
    let inverse = Double((size + 1) * (size + 1))
    var worst = 0.0
    for p in 0..<unknownCount {
      var g = Double(2 * dimensions) * inverse * u[p] - sources[p]
      var terms = abs(g) + abs(sources[p])
      for q in Self.neighbours(p, dimensions: dimensions, size: size) {
        g -= inverse * u[q]
        terms += abs(inverse * u[q])
      }
      if nonlinear {
        g += u[p] * u[p] * u[p]
        terms += abs(u[p] * u[p] * u[p])
      }
      worst = max(worst, abs(g) / max(terms, .leastNormalMagnitude))
    }
    return worst
  }
}
