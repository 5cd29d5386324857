import Foundation
import LagrangeProp

/// The blog's example chained `K` times, the test bed of `cheap-gradient`.
///
/// Inputs `x₀`, `y`. Step `k = 1…K` maps `x_{k−1}` to
///
///     a = exp(0.5·x_{k−1}),  b = a²,  c = a + b + y,  x_k = tanh(c) + sin(c),
///
/// written with six variables: `h = 0.5·x` (a `linear` constraint carrying the
/// half from the previous step), `a = exp(h)`, `b = square(a)`, `c = sum(a, b, y)`,
/// `d = tanh(c)`, `e = sin(c)`, and `h' = 0.5·d + 0.5·e`. The objective is the
/// mean of the trajectory, `f = (1/K) Σ_k x_k` (a linear objective given by its
/// terms on the `h`s), so every step's adjoint is of order `1/K` and none underflows. At the point
/// `(x₀, y) = (0.5, −3)` the map is a contraction (Lyapunov exponent ≈ −1.3 per
/// step): values stay in `(−2, 2)` and the gradient is finite for every `K`.
struct BlogChain {
  /// The number of steps `K`.
  var steps: Int
  /// The compiled program: `2 + 1 + 6K` variables, `9K + 1` edges.
  var program: Program
  /// The point `(x₀, y)`.
  static let point: [Double] = [0.5, -3.0]

  /// Builds the chain of `steps` steps.
  ///
  /// - Precondition: `steps ≥ 1`.
  init(steps: Int) throws {
    precondition(steps >= 1, "a chain has at least one step")
    self.steps = steps
    let (graph, objective) = try BlogChain.graph(steps: steps)
    program = try graph.compile(objective: objective)
  }

  /// The chain's graph, built by `define` without names, and its objective.
  ///
  /// - Precondition: `steps ≥ 1`.
  static func graph(steps: Int) throws -> (graph: ConstraintGraph, objective: Objective) {
    var graph = ConstraintGraph()
    let x0 = graph.input("x0")
    let y = graph.input("y")
    var h = try graph.define(nil, .linear([0.5]), [x0])
    var halves: [Variable] = []
    halves.reserveCapacity(steps)
    let half = LocalFunction.linear([0.5, 0.5])
    for _ in 0..<steps {
      let a = try graph.define(nil, .exp, [h])
      let b = try graph.define(nil, .square, [a])
      let c = try graph.define(nil, .sum, [a, b, y])
      let d = try graph.define(nil, .tanh, [c])
      let e = try graph.define(nil, .sin, [c])
      h = try graph.define(nil, half, [d, e])
      halves.append(h)
    }
    // f = (1/K) Σ x_k = (2/K) Σ h_k, given by its K terms (no weight per variable).
    let weights = [Double](repeating: 2 / Double(steps), count: steps)
    return (graph, .linear(halves, weights: weights))
  }

  /// The same function recorded by `Program.trace` as ordinary Swift:
  /// `a = exp(0.5·x)`, `c = a + a·a + y`, `x = tanh(c) + sin(c)`, objective the mean
  /// of the `x_k`. The tracer folds `0.5·(d + e)` into one `.linear` constraint and
  /// `a + b + y` into one `.sum`, and makes the mean a linear objective over the
  /// `2K` values `d`, `e`: `6K + 2` variables, one fewer than the hand-built chain
  /// (whose first `.linear` reads `x₀` alone; the traced one never stores `x_K`).
  ///
  /// - Precondition: `steps ≥ 1`.
  static func traced(steps: Int) throws -> Program {
    precondition(steps >= 1, "a chain has at least one step")
    return try Program.trace(inputs: ["x0", "y"]) { t in
      var x = t.inputs[0]
      let y = t.inputs[1]
      var trajectory: [Traced] = []
      trajectory.reserveCapacity(steps)
      for _ in 0..<steps {
        let a = exp(0.5 * x)
        let c = a + a * a + y
        x = tanh(c) + sin(c)
        trajectory.append(x)
      }
      return dot([Double](repeating: 1 / Double(steps), count: steps), trajectory)
    }
  }

  /// The objective and its gradient `(∂f/∂x₀, ∂f/∂y)` by a hand-written forward
  /// and reverse pass in plain Swift (a tape of `a`, `tanh c`, `cos c` per step):
  /// an independent reference and the baseline the engine's sweep is compared with.
  ///
  /// - Complexity: O(K) time, 24 bytes of tape per step.
  static func handWrittenGradient(steps: Int, x0: Double, y: Double) -> (
    value: Double, gradient: [Double]
  ) {
    var tape = [Double](repeating: 0, count: 3 * steps)
    var x = x0
    var total = 0.0
    tape.withUnsafeMutableBufferPointer { t in
      for k in 0..<steps {
        let a = Foundation.exp(0.5 * x)
        let c = a + a * a + y
        let d = Foundation.tanh(c)
        t[3 * k] = a
        t[3 * k + 1] = d
        t[3 * k + 2] = Foundation.cos(c)
        x = d + Foundation.sin(c)
        total += x
      }
    }
    let weight = 1 / Double(steps)
    var xBar = weight  // ∂f/∂x_K
    var yBar = 0.0
    tape.withUnsafeBufferPointer { t in
      var k = steps - 1
      while k >= 0 {
        let a = t[3 * k]
        let d = t[3 * k + 1]
        let cBar = xBar * (1 - d * d + t[3 * k + 2])
        yBar += cBar
        let hBar = cBar * (1 + 2 * a) * a  // ∂a/∂h = a, with h = 0.5·x_{k−1}
        xBar = 0.5 * hBar + (k > 0 ? weight : 0)
        k -= 1
      }
    }
    return (total * weight, [xBar, yBar])
  }
}
