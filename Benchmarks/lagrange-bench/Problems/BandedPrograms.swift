import LagrangeProp
import SeededRandom

/// Banded test programs of `banded`: every constraint reads only variables at
/// most `k` positions away, so the non-input block of `D` has bandwidth `k`.
/// Both take `d = 4` inputs, read far from where they are declared (inputs do
/// not widen the band), and a random linear objective over all variables.
struct BandedProgram {
  /// The compiled program.
  var program: Program
  /// A point `x`.
  var inputs: [Double]

  /// The number of inputs.
  static let inputCount = 4

  /// An acyclic recurrence of order `k` over `n` variables: even steps
  /// `z_p = Σ_{j=1…k} c_j z_{p−j} + 0.1·x_{p mod 4}` (`linear`, `Σ|c_j| = 0.7`),
  /// odd steps `z_p = sigmoid(z_{p−k})`. Upper bandwidth exactly `k`, lower `0`.
  /// Each variable's consumers' partials sum to at most `0.7 + 0.25 < 1` in
  /// absolute value, so adjoints stay bounded along chains of any length.
  ///
  /// - Precondition: `n > 4`, `k ≥ 1`.
  static func recurrence(variables n: Int, order k: Int, seed: UInt64) throws -> BandedProgram {
    precondition(n > inputCount && k >= 1, "a recurrence needs n > 4 and k ≥ 1")
    var rng = SplitMix64(seed: seed ^ (UInt64(n) &* 31 &+ UInt64(k)))
    var graph = ConstraintGraph()
    let x = (0..<inputCount).map { _ in graph.input() }
    var z: [Variable] = []
    z.reserveCapacity(n - inputCount)
    let coefficients = normalized(
      (0..<k).map { _ in Double.random(in: -1...1, using: &rng) }, to: 0.7)
    for i in 0..<(n - inputCount) {
      let input = x[i % inputCount]
      if i % 2 == 1 && i >= k {
        z.append(try graph.define(nil, .sigmoid, [z[i - k]]))
        continue
      }
      let previous = Array(z[max(0, i - k)..<i].reversed())
      let c = Array(coefficients.prefix(previous.count)) + [0.1]
      z.append(try graph.define(nil, .linear(c), previous + [input]))
    }
    let weights = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
    return BandedProgram(
      program: try graph.compile(objective: .linear(weights)),
      inputs: (0..<inputCount).map { _ in Double.random(in: -1...1, using: &rng) })
  }

  /// A cyclic banded system of `n − 4` unknowns (a discretised linear
  /// boundary-value problem with a `(2k + 1)`-point stencil), written as residual
  /// constraints `Σ_{0<|j|≤k} c_j u_{p+j} − u_p + 0.5·x_{p mod 4} = 0` with
  /// `Σ|c_j| = 0.5` (diagonally dominant, so well conditioned at every `n`).
  /// One strongly connected block; lower and upper bandwidth `k`.
  ///
  /// - Precondition: `n > 4`, `k ≥ 1`.
  static func cyclicSystem(variables n: Int, halfBandwidth k: Int, seed: UInt64) throws
    -> BandedProgram
  {
    precondition(n > inputCount && k >= 1, "a cyclic system needs n > 4 and k ≥ 1")
    var rng = SplitMix64(seed: seed ^ (UInt64(n) &* 37 &+ UInt64(k)))
    var graph = ConstraintGraph()
    let x = (0..<inputCount).map { _ in graph.input() }
    let m = n - inputCount
    let u = (0..<m).map { _ in graph.unknown() }
    let stencil = normalized(
      (0..<(2 * k)).map { _ in Double.random(in: -1...1, using: &rng) }, to: 0.5)
    for p in 0..<m {
      var arguments: [Variable] = [u[p]]
      var c: [Double] = [-1]
      for j in 1...k {
        if p - j >= 0 {
          arguments.append(u[p - j])
          c.append(stencil[j - 1])
        }
        if p + j < m {
          arguments.append(u[p + j])
          c.append(stencil[k + j - 1])
        }
      }
      arguments.append(x[p % inputCount])
      c.append(0.5)
      try graph.constrain(u[p], residual: .linear(c), arguments)
    }
    let weights = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
    return BandedProgram(
      program: try graph.compile(objective: .linear(weights)),
      inputs: (0..<inputCount).map { _ in Double.random(in: -1...1, using: &rng) })
  }
}

/// `values` scaled so that their absolute values sum to `total`.
func normalized(_ values: [Double], to total: Double) -> [Double] {
  let sum = values.reduce(0) { $0 + abs($1) }
  return sum == 0 ? values : values.map { $0 * total / sum }
}
