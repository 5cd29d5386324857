import LagrangeProp
import SeededRandom

/// A random acyclic constraint program, the test bed of `triangular-vs-lu`.
///
/// `n` variables: `d = min(8, max(1, n/8))` inputs, then `n − d` intermediates,
/// each reading arguments drawn uniformly from all earlier variables. Constraint
/// kinds rotate: `linear` over `fanIn` arguments (random signs, coefficients
/// summing to 0.9 in absolute value), `product` of `fanIn` arguments, and a unary
/// `tanh` / `sin` / `cos` of one argument. Values stay in `[-1, 1]` and the
/// adjoints stay of order one, so every path is compared at full precision.
/// The objective is a random linear form over all variables (no adjoint is zero,
/// so the sweep skips nothing).
struct RandomDAG {
  /// The compiled program.
  var program: Program
  /// A point `x` (inputs in `[-1, 1]`).
  var inputs: [Double]

  /// The number of inputs of a DAG of `n` variables.
  static func inputCount(variables n: Int) -> Int { min(8, max(1, n / 8)) }

  /// Builds the program.
  ///
  /// - Precondition: `n ≥ 2`, `fanIn ≥ 1`.
  init(variables n: Int, fanIn: Int, seed: UInt64) throws {
    precondition(n >= 2 && fanIn >= 1, "RandomDAG needs n ≥ 2 and fan-in ≥ 1")
    var rng = SplitMix64(seed: seed ^ UInt64(n) &* 0x9E37_79B9)
    var graph = ConstraintGraph()
    let d = Self.inputCount(variables: n)
    var variables: [Variable] = []
    variables.reserveCapacity(n)
    for _ in 0..<d { variables.append(graph.input()) }
    let unary: [LocalFunction] = [.tanh, .sin, .cos]
    for i in d..<n {
      let kind = (i - d) % 3
      let count = kind == 2 ? 1 : min(fanIn, i)
      var arguments: [Variable] = []
      while arguments.count < count {
        let candidate = variables[Int.random(in: 0..<i, using: &rng)]
        if !arguments.contains(candidate) || arguments.count >= i { arguments.append(candidate) }
      }
      let function: LocalFunction
      switch kind {
      case 0:
        var c = (0..<count).map { _ in Double.random(in: 0.2...1, using: &rng) }
        let total = c.reduce(0, +)
        for k in c.indices { c[k] *= (Bool.random(using: &rng) ? 0.9 : -0.9) / total }
        function = .linear(c)
      case 1:
        function = .product
      default:
        function = unary[(i - d) / 3 % unary.count]
      }
      variables.append(try graph.define(nil, function, arguments))
    }
    let weights = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
    program = try graph.compile(objective: .linear(weights))
    inputs = (0..<d).map { _ in Double.random(in: -1...1, using: &rng) }
  }
}
