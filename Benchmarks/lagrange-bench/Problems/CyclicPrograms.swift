import LagrangeProp
import SeededRandom

/// How `cyclic` (a) writes the Markov reward process `v = r + γPv`.
enum MarkovForm: String, CaseIterable, Sendable {
  /// Inputs `r` only; `γ = 0.9` folded into the coefficients: one `.linear`
  /// constraint per state, `v_i = r_i + Σ_j γP_ij v_j` — `n` unknowns, all of them
  /// feedback variables of one affine cyclic block, so `.lu` reuses the forward
  /// solve's LU of `S = D_zzᵀ` (one `n × n` `dgetrf` in all).
  case pure
  /// Inputs `(γ, r)`: `u_j = γ·v_j` (`product`), `v_i = r_i + Σ_j P_ij u_j`
  /// (`linear`) — `2n` unknowns, so `.lu` factors the `2n × 2n` `D_zz`.
  case gammaInput = "gamma-input"

  /// The order of the matrix `.lu` factors for `n` states.
  func luOrder(states n: Int) -> Int { self == .pure ? n : 2 * n }
}

/// A Markov reward process in compact form, the test bed of `cyclic` (a):
/// `v_i = r_i + γ Σ_j P_ij v_j` for `n` states with a dense, constant,
/// row-stochastic `P` and `γ = 0.9`, written in one of two forms (`MarkovForm`):
///
/// - `.pure`: inputs `r_0 … r_{n−1}`; `v_i = r_i + Σ_j (γP_ij)·v_j` (`linear`) —
///   `n` unknowns in one strongly connected block, `n² + n` edges.
/// - `.gammaInput`: inputs `γ` first, then `r`; `u_j = γ·v_j` (`product`),
///   `v_i = r_i + Σ_j P_ij u_j` (`linear`) — `2n` unknowns, `n² + 3n` edges.
///
/// Objective: `Σ_i w_i v_i` with random `w`. `P`, `r` and `w` are the same in
/// both forms for a given `n` and seed.
struct MarkovReward {
  /// The discount factor.
  static let gamma = 0.9
  /// The number of states.
  var states: Int
  /// How the program is written.
  var form: MarkovForm
  /// `P`, row-major (`P[i·n + j]`).
  var transition: [Double]
  /// The rewards `r`.
  var rewards: [Double]
  /// The program's inputs: `r` (`.pure`) or `(γ, r)` (`.gammaInput`).
  var inputs: [Double]
  /// The objective weights on `v`.
  var weights: [Double]
  /// The compiled program.
  var program: Program

  /// Builds a random instance with `γ = 0.9`.
  init(states n: Int, seed: UInt64, form: MarkovForm = .pure) throws {
    var rng = SplitMix64(seed: seed ^ UInt64(n) &* 0x5851_F42D)
    states = n
    self.form = form
    transition = []
    transition.reserveCapacity(n * n)
    for _ in 0..<n {
      let row = (0..<n).map { _ in Double.random(in: 0.01...1, using: &rng) }
      let total = row.reduce(0, +)
      transition += row.map { $0 / total }
    }
    rewards = (0..<n).map { _ in Double.random(in: 0...1, using: &rng) }
    weights = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
    let gamma = Self.gamma

    var graph = ConstraintGraph()
    let v: [Variable]
    switch form {
    case .pure:
      inputs = rewards
      let r = (0..<n).map { _ in graph.input() }
      v = (0..<n).map { _ in graph.unknown() }
      for i in 0..<n {
        let row = transition[(i * n)..<((i + 1) * n)].map { gamma * $0 }
        try graph.define(v[i], .linear([1] + row), [r[i]] + v)
      }
    case .gammaInput:
      inputs = [gamma] + rewards
      let gammaInput = graph.input("gamma")
      let r = (0..<n).map { _ in graph.input() }
      v = (0..<n).map { _ in graph.unknown() }
      let u = try v.map { try graph.define(nil, .product, [gammaInput, $0]) }
      for i in 0..<n {
        try graph.define(
          v[i], .linear([1] + Array(transition[(i * n)..<((i + 1) * n)])), [r[i]] + u)
      }
    }
    var objective = [Double](repeating: 0, count: graph.variableCount)
    for i in 0..<n { objective[v[i].index] = weights[i] }
    program = try graph.compile(objective: .linear(objective))
  }

  /// `I − γP` in column-major order (the matrix `LAPACKE_dgesv` factors).
  var systemMatrix: [Double] {
    let n = states
    var a = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      for j in 0..<n { a[i + j * n] = (i == j ? 1 : 0) - Self.gamma * transition[i * n + j] }
    }
    return a
  }

  /// The values `v` (declaration order) among all the program's variables.
  func stateValues(_ values: [Double]) -> [Double] {
    let first = inputs.count
    return Array(values[first..<(first + states)])
  }
}

/// Programs made of short cycles joined acyclically, and their acyclic twins,
/// the test bed of `cyclic` (b).
///
/// Blocks of `L` variables (`L` uniform in `2…maxCycle`) follow one another:
/// `z_0 = 0.5·z_{L−1} + ext` (`linear`), `z_j = tanh(z_{j−1})` or `sin(z_{j−1})`
/// for `j ≥ 1`, where `ext` is a random earlier variable (an input or a member of
/// an earlier block). The cycle gain is at most `0.5`, so each block has one
/// solution, which Newton finds in a few steps; each block has one feedback
/// variable. The acyclic twin has the same blocks, ops and edges, except that
/// `z_0` reads a variable of the previous block instead of `z_{L−1}`.
/// Four inputs; a random linear objective over all variables.
struct CyclePrograms {
  /// The program with cycles.
  var cyclic: Program
  /// The same structure without cycles.
  var acyclic: Program
  /// A point `x`.
  var inputs: [Double]
  /// The objective weights (declaration order, the same for both programs).
  var weights: [Double]
  /// The number of cyclic blocks.
  var blockCount: Int

  static let inputCount = 4

  /// Builds both programs with exactly `n` variables (the last block takes what
  /// remains, at most `maxCycle + 1`).
  ///
  /// - Precondition: `n ≥ 6`, `maxCycle ≥ 2`.
  init(variables n: Int, maxCycle: Int, seed: UInt64) throws {
    precondition(n >= Self.inputCount + 2 && maxCycle >= 2, "cycle programs need n ≥ 6")
    var rng = SplitMix64(seed: seed ^ UInt64(n) &* 0x2545_F491)
    var lengths: [Int] = []
    var remaining = n - Self.inputCount
    while remaining > 0 {
      var length = Int.random(in: 2...maxCycle, using: &rng)
      if remaining - length < 2 { length = remaining }
      lengths.append(length)
      remaining -= length
    }
    // External arguments, shared by both programs: an earlier variable per block.
    var externals: [Int] = []
    var start = Self.inputCount
    for _ in lengths {
      externals.append(Int.random(in: 0..<start, using: &rng))
      start += lengths[externals.count - 1]
    }
    weights = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
    inputs = (0..<Self.inputCount).map { _ in Double.random(in: -1...1, using: &rng) }
    blockCount = lengths.count
    cyclic = try Self.build(lengths: lengths, externals: externals, weights: weights, cyclic: true)
    acyclic = try Self.build(
      lengths: lengths, externals: externals, weights: weights, cyclic: false)
  }

  private static func build(lengths: [Int], externals: [Int], weights: [Double], cyclic: Bool)
    throws
    -> Program
  {
    var graph = ConstraintGraph()
    var all: [Variable] = (0..<inputCount).map { _ in graph.input() }
    for (b, length) in lengths.enumerated() {
      let members = (0..<length).map { _ in graph.unknown() }
      let first = all.count
      all += members
      let external = all[externals[b]]
      // The cyclic program closes the ring; the twin reads the previous variable instead.
      let back = cyclic ? members[length - 1] : all[first - 1]
      try graph.define(members[0], .linear([0.5, 1]), [back, external])
      for j in 1..<length {
        try graph.define(members[j], j % 2 == 1 ? .tanh : .sin, [members[j - 1]])
      }
    }
    return try graph.compile(objective: .linear(weights))
  }
}
