// Seeded random DAGs over every local function: the generator's result and the graph it builds.

import Foundation
import LagrangeProp
import SeededRandom

/// A seeded random DAG over every local function, with a plain-Swift evaluator
/// and reverse mode that share no code with the engine.
///
/// Nodes are generated in a *logical* topological order (inputs first). Each
/// non-input applies one function to 1…`maxFanIn` earlier nodes, half of them
/// among the 8 most recent (for depth), half uniformly. Interval bounds (inputs
/// in `[−1, 1]`) keep every value within `±magnitudeLimit`, the arguments of
/// `exp`/`square`/integer powers small, and those of `log`, `sqrt` and
/// non-integer or negative powers at least `0.3` — through helper nodes
/// `exp(tanh(u))` or `square(u) + 1` when no suitable node exists. The first
/// 15 non-inputs cycle through every function kind, so a DAG with at least 15
/// intermediates uses them all.
///
/// With `shuffledDeclaration`, every node (inputs included) is declared in a
/// random order — non-inputs by `unknown(name)` — and defined in another, so
/// that program order ≠ declaration order; otherwise nodes are declared in
/// logical order without names (`z#i`), the way large graphs are built.
struct RandomDAG {
  /// A local function of a random node.
  enum Op: Equatable {
    case exp, log, sin, cos, tanh, sigmoid, square, sqrt, sum, product
    case power(Double)
    case linear([Double])
    case affine(Double, [Double])
    /// `u·tanh(v) + 0.1·u²`, arity 2, with its exact gradient.
    case customWithGradient
    /// `log Σ_k exp(u_k)`, any arity, partials by the engine's finite differences.
    case customFiniteDifference

    /// A name for the kind (parameters left out).
    var kind: String {
      switch self {
      case .exp: "exp"
      case .log: "log"
      case .sin: "sin"
      case .cos: "cos"
      case .tanh: "tanh"
      case .sigmoid: "sigmoid"
      case .square: "square"
      case .sqrt: "sqrt"
      case .sum: "sum"
      case .product: "product"
      case .power: "power"
      case .linear: "linear"
      case .affine: "affine"
      case .customWithGradient: "customWithGradient"
      case .customFiniteDifference: "customFiniteDifference"
      }
    }

    static let allKinds = [
      "exp", "log", "sin", "cos", "tanh", "sigmoid", "square", "sqrt", "sum", "product", "power",
      "linear", "affine", "customWithGradient", "customFiniteDifference",
    ]
  }

  /// A node in logical order: `op == nil` for inputs; `arguments` are logical indices.
  struct Node {
    let op: Op?
    let arguments: [Int]
  }

  /// `u·tanh(v) + 0.1·u²` and its gradient `(tanh v + 0.2u, u·(1 − tanh²v))`.
  static let customWithGradient = LocalFunction.custom(
    name: "mix", arity: 2, value: { mixValue($0) }, gradient: { mixGradient($0) })
  /// `log Σ exp(u_k)`, without a gradient (the engine takes finite differences).
  static let customFiniteDifference = LocalFunction.custom(name: "logSumExp") { logSumExp($0) }

  static func mixValue(_ u: [Double]) -> Double { u[0] * Foundation.tanh(u[1]) + 0.1 * u[0] * u[0] }
  static func mixGradient(_ u: [Double]) -> [Double] {
    let t = Foundation.tanh(u[1])
    return [t + 0.2 * u[0], u[0] * (1 - t * t)]
  }
  static func logSumExp(_ u: [Double]) -> Double {
    let top = u.max()!
    return top + Foundation.log(u.reduce(0) { $0 + Foundation.exp($1 - top) })
  }
  /// The exact gradient of `logSumExp`: the softmax.
  static func logSumExpGradient(_ u: [Double]) -> [Double] {
    let top = u.max()!
    let w = u.map { Foundation.exp($0 - top) }
    let total = w.reduce(0, +)
    return w.map { $0 / total }
  }

  let inputCount: Int
  /// All nodes in logical (topological) order, inputs first.
  private(set) var nodes: [Node] = []
  /// The graph, and the handle of each logical node.
  private(set) var graph = ConstraintGraph()
  private(set) var variables: [Variable] = []
  /// Logical index of each declaration index.
  private(set) var logicalIndex: [Int] = []

  /// The number of variables.
  var count: Int { nodes.count }
  /// The function kinds used.
  var kindsUsed: Set<String> { Set(nodes.compactMap { $0.op?.kind }) }
  /// Whether some node takes its partials by finite differences (then the
  /// engine's partials there are accurate to about `1e-10`, not to round-off).
  var usesFiniteDifferenceCustom: Bool { nodes.contains { $0.op == .customFiniteDifference } }
  /// The largest number of arguments of a node.
  var maxArguments: Int { nodes.map(\.arguments.count).max() ?? 0 }
  /// The last node: a sink of the DAG.
  var sink: Variable { variables[nodes.count - 1] }

  /// Generates and builds a DAG of `inputCount` inputs and about
  /// `intermediateCount` intermediates (helpers may add a few).
  init(
    seed: UInt64, inputCount: Int, intermediateCount: Int, maxFanIn: Int = 4,
    shuffledDeclaration: Bool = false, magnitudeLimit: Double = 8
  ) throws {
    precondition(inputCount >= 1 && intermediateCount >= 1 && maxFanIn >= 2)
    self.inputCount = inputCount
    var generator = Generator(
      rng: SplitMix64(seed: seed), limit: magnitudeLimit, maxFanIn: maxFanIn)
    for _ in 0..<inputCount { generator.add(Node(op: nil, arguments: []), Interval(-1, 1)) }
    let kinds = Op.allKinds
    var k = 0
    while generator.nodes.count < inputCount + intermediateCount {
      let kind = k < kinds.count ? kinds[k] : kinds.randomElement(using: &generator.rng)!
      generator.addNode(ofKind: kind)
      k += 1
    }
    nodes = generator.nodes
    var rng = generator.rng
    try build(shuffled: shuffledDeclaration, using: &rng)
  }

  private mutating func build(shuffled: Bool, using rng: inout SplitMix64) throws {
    let n = nodes.count
    var handles = [Variable?](repeating: nil, count: n)
    if !shuffled {
      for (k, node) in nodes.enumerated() {
        if let op = node.op {
          handles[k] = try graph.define(nil, Self.function(op), node.arguments.map { handles[$0]! })
        } else {
          handles[k] = graph.input()
        }
      }
    } else {
      for k in (0..<n).shuffled(using: &rng) {
        handles[k] = nodes[k].op == nil ? graph.input("x\(k)") : graph.unknown("v\(k)")
      }
      for k in (0..<n).shuffled(using: &rng) {
        guard let op = nodes[k].op else { continue }
        try graph.define(handles[k]!, Self.function(op), nodes[k].arguments.map { handles[$0]! })
      }
    }
    variables = handles.map { $0! }
    logicalIndex = [Int](repeating: 0, count: n)
    for (k, v) in variables.enumerated() { logicalIndex[v.index] = k }
  }

  static func function(_ op: Op) -> LocalFunction {
    switch op {
    case .exp: .exp
    case .log: .log
    case .sin: .sin
    case .cos: .cos
    case .tanh: .tanh
    case .sigmoid: .sigmoid
    case .square: .square
    case .sqrt: .sqrt
    case .sum: .sum
    case .product: .product
    case .power(let p): .power(p)
    case .linear(let c): .linear(c)
    case .affine(let c0, let c): .affine(constant: c0, coefficients: c)
    case .customWithGradient: customWithGradient
    case .customFiniteDifference: customFiniteDifference
    }
  }
}
