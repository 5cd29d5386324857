import LagrangeProp
import SeededRandom

/// `v = r + γPv`, `γ = 0.9`, `t` random transitions per state (destinations
/// uniform with replacement, weights uniform then normalised): inputs `r`,
/// objective `wᵀv`. `I − γP` is well conditioned but fills in under sparse LU.
struct SparseMarkovFixture {
  static let gamma = 0.9
  /// This chain's discount factor (`gamma` unless given).
  let discount: Double
  let program: Program
  let rewards: [Double]
  let weights: [Double]
  let destinations: [[Int]]
  let probabilities: [[Double]]

  init(states n: Int, transitions t: Int, seed: UInt64, discount: Double = Self.gamma) throws {
    self.discount = discount
    var rng = SplitMix64(seed: seed)
    let transitions = RandomTransitions(states: n, transitions: t, using: &rng)
    let (destinations, probabilities) = (transitions.destinations, transitions.probabilities)
    self.destinations = destinations
    self.probabilities = probabilities
    rewards = (0..<n).map { _ in Double.random(in: 0...1, using: &rng) }
    weights = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
    var graph = ConstraintGraph()
    let r = (0..<n).map { graph.input("r\($0)") }
    let v = (0..<n).map { graph.unknown("v\($0)") }
    for i in 0..<n {
      try graph.define(
        v[i], .linear([1] + probabilities[i].map { discount * $0 }),
        [r[i]] + destinations[i].map { v[$0] })
    }
    program = try graph.compile(objective: .linear([Double](repeating: 0, count: n) + weights))
  }

  /// `∂(wᵀv)/∂r = (I − γP)⁻ᵀw` by iterating `u ← w + γPᵀu` to a fixed point
  /// (a contraction in ‖·‖₁): independent of the engine's solvers.
  func referenceGradient() -> [Double] {
    var u = weights
    for _ in 0..<2000 {
      var next = weights
      for i in 0..<weights.count {
        for (k, j) in destinations[i].enumerated() {
          next[j] += discount * probabilities[i][k] * u[i]
        }
      }
      let change = zip(next, u).map { abs($0 - $1) }.max() ?? 0
      u = next
      if change <= 1e-16 * (u.map(abs).max() ?? 0) { break }
    }
    return u
  }
}

/// Poisson's equation `−Δu (+ u³) = s` on an `m^dim` grid (`dim` 2 or 3), zero
/// Dirichlet boundary, residual constraints, `c_p = u_p³` declared right after
/// `u_p` when `nonlinear`; inputs the sources, objective the mean of `u`.
struct PoissonGridFixture {
  let program: Program
  let inputs: [Double]

  init(dimensions: Int, size m: Int, nonlinear: Bool, seed: UInt64) throws {
    let n = dimensions == 2 ? m * m : m * m * m
    var rng = SplitMix64(seed: seed)
    inputs = (0..<n).map { _ in Double.random(in: 0...40, using: &rng) }
    var graph = ConstraintGraph()
    let s = (0..<n).map { graph.input("s\($0)") }
    var u: [Variable] = []
    var c: [Variable] = []
    for p in 0..<n {
      u.append(graph.unknown("u\(p)"))
      if nonlinear { c.append(graph.unknown("c\(p)")) }
    }
    let inverse = Double((m + 1) * (m + 1))
    for p in 0..<n {
      var arguments = [u[p]]
      var coefficients = [Double(2 * dimensions) * inverse]
      var stride = 1
      var rest = p
      for _ in 0..<dimensions {
        let coordinate = rest % m
        rest /= m
        if coordinate > 0 { arguments.append(u[p - stride]) }
        if coordinate < m - 1 { arguments.append(u[p + stride]) }
        coefficients += [Double](
          repeating: -inverse,
          count: (coordinate > 0 ? 1 : 0) + (coordinate < m - 1 ? 1 : 0))
        stride *= m
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
    program = try graph.compile(objective: .linear(objective))
  }
}
