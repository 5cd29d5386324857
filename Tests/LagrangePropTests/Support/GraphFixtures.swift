// Graphs shared by the equivalence suites: the blog's example with its closed
// forms, seeded random DAGs over every local function with an independent
// plain-Swift evaluator, and a long chain with a hand-written chain rule.

import Foundation
import LagrangeProp

// MARK: - The blog example

/// The blog's example: inputs `x`, `y`; `a = exp(x)`, `b = a²`, `c = a + b + y`,
/// `d = tanh(c)`, `e = sin(c)`, `f = d + e` — with closed forms for its values,
/// its implicit Jacobian `dz/dx` and its constraint Jacobian `D`.
///
/// `inOrder()` declares it in topological order (declaration order = program
/// order); `scrambled()` declares it with `unknown()` + `define` in the order
/// `e, y, c, f, x, a, d, b`, so program order ≠ declaration order and the
/// input vector is `[y, x]`.
struct BlogExample {
  var graph: ConstraintGraph
  let x, y, a, b, c, d, e, f: Variable

  /// The seven variables, by name, in the order `x y a b c d e f` (not declaration order).
  var all: [(String, Variable)] {
    [("x", x), ("y", y), ("a", a), ("b", b), ("c", c), ("d", d), ("e", e), ("f", f)]
  }

  /// The example declared in topological order, as in the README.
  static func inOrder() throws -> BlogExample {
    var graph = ConstraintGraph()
    let x = graph.input("x"), y = graph.input("y")
    let a = try graph.define("a", .exp, x)
    let b = try graph.define("b", .square, a)
    let c = try graph.define("c", .sum, a, b, y)
    let d = try graph.define("d", .tanh, c)
    let e = try graph.define("e", .sin, c)
    let f = try graph.define("f", .sum, d, e)
    return BlogExample(graph: graph, x: x, y: y, a: a, b: b, c: c, d: d, e: e, f: f)
  }

  /// The example declared out of topological order (`e, y, c, f, x, a, d, b`)
  /// and defined in yet another order.
  static func scrambled() throws -> BlogExample {
    var graph = ConstraintGraph()
    let e = graph.unknown("e")
    let y = graph.input("y")
    let c = graph.unknown("c")
    let f = graph.unknown("f")
    let x = graph.input("x")
    let a = graph.unknown("a")
    let d = graph.unknown("d")
    let b = graph.unknown("b")
    try graph.define(f, .sum, d, e)
    try graph.define(c, .sum, a, b, y)
    try graph.define(e, .sin, c)
    try graph.define(a, .exp, x)
    try graph.define(d, .tanh, c)
    try graph.define(b, .square, a)
    return BlogExample(graph: graph, x: x, y: y, a: a, b: b, c: c, d: d, e: e, f: f)
  }

  /// The input vector (declaration order of the inputs) for `x` and `y`.
  func inputs(x xv: Double, y yv: Double) -> [Double] {
    x.index < y.index ? [xv, yv] : [yv, xv]
  }

  /// The position of `x` (and `y`) in the input vector.
  var xColumn: Int { x.index < y.index ? 0 : 1 }
  var yColumn: Int { 1 - xColumn }

  /// Closed-form values of all variables (declaration order).
  func values(x xv: Double, y yv: Double) -> [Double] {
    let av = Foundation.exp(xv)
    let bv = av * av
    let cv = av + bv + yv
    let dv = Foundation.tanh(cv)
    let ev = Foundation.sin(cv)
    var z = [Double](repeating: 0, count: 8)
    for (v, value) in [(x, xv), (y, yv), (a, av), (b, bv), (c, cv), (d, dv), (e, ev), (f, dv + ev)]
    {
      z[v.index] = value
    }
    return z
  }

  /// Closed-form `dz/dx` (`8 × 2`, rows in declaration order, columns in input order):
  /// `a' = a`, `b' = 2a²`, `c' = a + 2a²` (and `1` in `y`), `d' = (1 − d²)c'`,
  /// `e' = cos(c)·c'`, `f' = d' + e'`.
  func implicitJacobian(x xv: Double, y yv: Double) -> Matrix {
    let av = Foundation.exp(xv)
    let cv = av + av * av + yv
    let dd = 1 - Foundation.tanh(cv) * Foundation.tanh(cv)
    let de = Foundation.cos(cv)
    var z = Matrix(validRows: 8, columns: 2)
    for (column, dc, dx, dy, da, db) in [
      (xColumn, av + 2 * av * av, 1.0, 0.0, av, 2 * av * av), (yColumn, 1.0, 0.0, 1.0, 0.0, 0.0),
    ] {
      z[x.index, column] = dx
      z[y.index, column] = dy
      z[a.index, column] = da
      z[b.index, column] = db
      z[c.index, column] = dc
      z[d.index, column] = dd * dc
      z[e.index, column] = de * dc
      z[f.index, column] = (dd + de) * dc
    }
    return z
  }

  /// Closed-form constraint Jacobian `D[p, i] = ∂c_i/∂z_p` (declaration order):
  /// `−1` on the diagonal, `∂a/∂x = eˣ`, `∂b/∂a = 2a`, `∂c/∂{a,b,y} = 1`,
  /// `∂d/∂c = 1 − tanh²c`, `∂e/∂c = cos c`, `∂f/∂{d,e} = 1`.
  func constraintJacobian(x xv: Double, y yv: Double) -> Matrix {
    let av = Foundation.exp(xv)
    let cv = av + av * av + yv
    var m = Matrix(validRows: 8, columns: 8)
    for (_, v) in all { m[v.index, v.index] = -1 }
    m[x.index, a.index] = av
    m[a.index, b.index] = 2 * av
    m[a.index, c.index] = 1
    m[b.index, c.index] = 1
    m[y.index, c.index] = 1
    m[c.index, d.index] = 1 - Foundation.tanh(cv) * Foundation.tanh(cv)
    m[c.index, e.index] = Foundation.cos(cv)
    m[d.index, f.index] = 1
    m[e.index, f.index] = 1
    return m
  }
}

// MARK: - Random DAGs

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

  // MARK: Points and objectives

  /// Random inputs in `[−0.9, 0.9]` (inside the range the bounds assume), in the
  /// declaration order of the inputs.
  func randomInputs<G: RandomNumberGenerator>(using rng: inout G) -> [Double] {
    randomVector(inputCount, in: -0.9...0.9, using: &rng)
  }

  /// Random weights in `[−1, 1]`, one per variable (declaration order).
  func randomWeights<G: RandomNumberGenerator>(using rng: inout G) -> [Double] {
    randomVector(count, in: -1...1, using: &rng)
  }

  // MARK: Independent reference

  /// The logical indices of the inputs, in the inputs' declaration order.
  var inputLogicalIndices: [Int] { graph.inputs.map { logicalIndex[$0.index] } }

  /// All values (declaration order) by a plain loop over the logical order.
  func referenceValues(inputs: [Double]) -> [Double] {
    let logical = referenceLogicalValues(inputs: inputs)
    return (0..<count).map { logical[logicalIndex[$0]] }
  }

  private func referenceLogicalValues(inputs: [Double]) -> [Double] {
    var u = [Double](repeating: 0, count: count)
    for (j, k) in inputLogicalIndices.enumerated() { u[k] = inputs[j] }
    for (k, node) in nodes.enumerated() {
      guard let op = node.op else { continue }
      let a = node.arguments.map { u[$0] }
      u[k] = Self.value(op, a)
    }
    return u
  }

  static func value(_ op: Op, _ a: [Double]) -> Double {
    switch op {
    case .exp: Foundation.exp(a[0])
    case .log: Foundation.log(a[0])
    case .sin: Foundation.sin(a[0])
    case .cos: Foundation.cos(a[0])
    case .tanh: Foundation.tanh(a[0])
    case .sigmoid: 1 / (1 + Foundation.exp(-a[0]))
    case .square: a[0] * a[0]
    case .sqrt: a[0].squareRoot()
    case .sum: a.reduce(0, +)
    case .product: a.reduce(1, *)
    case .power(let p): Foundation.pow(a[0], p)
    case .linear(let c): zip(c, a).reduce(0) { $0 + $1.0 * $1.1 }
    case .affine(let c0, let c): zip(c, a).reduce(c0) { $0 + $1.0 * $1.1 }
    case .customWithGradient: mixValue(a)
    case .customFiniteDifference: logSumExp(a)
    }
  }

  /// Exact local partials (the finite-difference custom function by its softmax).
  static func partials(_ op: Op, _ a: [Double]) -> [Double] {
    switch op {
    case .exp: [Foundation.exp(a[0])]
    case .log: [1 / a[0]]
    case .sin: [Foundation.cos(a[0])]
    case .cos: [-Foundation.sin(a[0])]
    case .tanh: [1 - Foundation.tanh(a[0]) * Foundation.tanh(a[0])]
    case .sigmoid:
      [Foundation.exp(-a[0]) / ((1 + Foundation.exp(-a[0])) * (1 + Foundation.exp(-a[0])))]
    case .square: [2 * a[0]]
    case .sqrt: [0.5 / a[0].squareRoot()]
    case .sum: a.map { _ in 1 }
    case .product:
      a.indices.map { k in a.indices.reduce(1.0) { $1 == k ? $0 : $0 * a[$1] } }
    case .power(let p): [p * Foundation.pow(a[0], p - 1)]
    case .linear(let c): c
    case .affine(_, let c): c
    case .customWithGradient: mixGradient(a)
    case .customFiniteDifference: logSumExpGradient(a)
    }
  }

  /// Reverse mode by a plain loop: `∂(w·z)/∂x` and the total derivatives
  /// `∂(w·z)/∂z_i` (declaration order) for weights `w` in declaration order.
  func referenceGradient(inputs: [Double], weights: [Double]) -> (
    gradient: [Double], adjoints: [Double]
  ) {
    let u = referenceLogicalValues(inputs: inputs)
    var bar = (0..<count).map { weights[variables[$0].index] }
    for k in stride(from: count - 1, through: 0, by: -1) {
      guard let op = nodes[k].op else { continue }
      let args = nodes[k].arguments
      let d = Self.partials(op, args.map { u[$0] })
      for (l, q) in args.enumerated() { bar[q] += d[l] * bar[k] }
    }
    let adjoints = (0..<count).map { bar[logicalIndex[$0]] }
    return (inputLogicalIndices.map { bar[$0] }, adjoints)
  }

  // MARK: Generation

  /// A conservative enclosure of a node's values for inputs in `[−1, 1]`.
  struct Interval {
    var lo: Double
    var hi: Double
    init(_ lo: Double, _ hi: Double) {
      self.lo = lo
      self.hi = hi
    }
    var magnitude: Double { Swift.max(abs(lo), abs(hi)) }
    static func + (l: Interval, r: Interval) -> Interval { Interval(l.lo + r.lo, l.hi + r.hi) }
    static func * (l: Interval, r: Interval) -> Interval {
      let p = [l.lo * r.lo, l.lo * r.hi, l.hi * r.lo, l.hi * r.hi]
      return Interval(p.min()!, p.max()!)
    }
    func scaled(_ c: Double) -> Interval {
      c >= 0 ? Interval(c * lo, c * hi) : Interval(c * hi, c * lo)
    }
  }

  private struct Generator {
    var rng: SplitMix64
    let limit: Double
    let maxFanIn: Int
    var nodes: [Node] = []
    var intervals: [Interval] = []

    init(rng: SplitMix64, limit: Double, maxFanIn: Int) {
      self.rng = rng
      self.limit = limit
      self.maxFanIn = maxFanIn
    }

    @discardableResult
    mutating func add(_ node: Node, _ interval: Interval) -> Int {
      nodes.append(node)
      intervals.append(interval)
      return nodes.count - 1
    }

    /// A random earlier node: among the 8 most recent half of the time, else uniform.
    mutating func pick() -> Int {
      let n = nodes.count
      if Bool.random(using: &rng) { return Int.random(in: Swift.max(0, n - 8)..<n, using: &rng) }
      return Int.random(in: 0..<n, using: &rng)
    }

    /// A node whose interval satisfies `accept`, trying a few random picks first.
    mutating func pick(where accept: (Interval) -> Bool) -> Int? {
      for _ in 0..<8 {
        let k = pick()
        if accept(intervals[k]) { return k }
      }
      return nil
    }

    /// A node with `|value| ≤ bound` (bound ≥ 1), else a new `tanh` helper.
    mutating func bounded(_ bound: Double) -> Int {
      if let k = pick(where: { $0.magnitude <= bound }) { return k }
      let u = pick()
      return add(Node(op: .tanh, arguments: [u]), Interval(-1, 1))
    }

    /// A node with `0.3 ≤ value ≤ limit`, else a new helper: `exp(tanh(u))` or `square(u) + 1`.
    mutating func positive() -> Int {
      let limit = self.limit
      if let k = pick(where: { $0.lo >= 0.3 && $0.hi <= limit }) { return k }
      let t = bounded(1)
      if Bool.random(using: &rng) {
        return add(Node(op: .exp, arguments: [t]), Interval(Foundation.exp(-1), Foundation.exp(1)))
      }
      let s = add(Node(op: .square, arguments: [t]), Interval(0, 1))
      return add(Node(op: .affine(1, [1]), arguments: [s]), Interval(1, 2))
    }

    mutating func coefficient() -> Double {
      let c = Double.random(in: 0.2...1, using: &rng)
      return Bool.random(using: &rng) ? c : -c
    }

    /// 1…maxFanIn distinct-or-not arguments, dropped from the end until `combine`
    /// stays within the limit (one argument always does).
    mutating func arguments(_ combine: ([Interval]) -> Interval) -> [Int] {
      var args = (0..<Int.random(in: 1...maxFanIn, using: &rng)).map { _ in pick() }
      while args.count > 1 && combine(args.map { intervals[$0] }).magnitude > limit {
        args.removeLast()
      }
      return args
    }

    mutating func addNode(ofKind kind: String) {
      switch kind {
      case "exp":
        let u = bounded(2)
        let i = intervals[u]
        add(Node(op: .exp, arguments: [u]), Interval(Foundation.exp(i.lo), Foundation.exp(i.hi)))
      case "log":
        let u = positive()
        let i = intervals[u]
        add(Node(op: .log, arguments: [u]), Interval(Foundation.log(i.lo), Foundation.log(i.hi)))
      case "sqrt":
        let u = positive()
        let i = intervals[u]
        add(Node(op: .sqrt, arguments: [u]), Interval(i.lo.squareRoot(), i.hi.squareRoot()))
      case "sin", "cos":
        add(Node(op: kind == "sin" ? .sin : .cos, arguments: [pick()]), Interval(-1, 1))
      case "tanh":
        add(Node(op: .tanh, arguments: [pick()]), Interval(-1, 1))
      case "sigmoid":
        add(Node(op: .sigmoid, arguments: [pick()]), Interval(0, 1))
      case "square":
        let u = bounded(2.5)
        let m = intervals[u].magnitude
        add(Node(op: .square, arguments: [u]), Interval(0, m * m))
      case "power":
        let p = [2.0, 3, 0.5, 1.5, -1, -0.5].randomElement(using: &rng)!
        if p == 2 || p == 3 {
          let u = bounded(1.8)
          let m = intervals[u].magnitude
          add(
            Node(op: .power(p), arguments: [u]),
            Interval(p == 2 ? 0 : -m * m * m, Foundation.pow(m, p)))
        } else {
          let u = positive()
          let i = intervals[u]
          let ends = [Foundation.pow(i.lo, p), Foundation.pow(i.hi, p)]
          add(Node(op: .power(p), arguments: [u]), Interval(ends.min()!, ends.max()!))
        }
      case "sum":
        let args = arguments { $0.reduce(Interval(0, 0), +) }
        add(Node(op: .sum, arguments: args), args.map { intervals[$0] }.reduce(Interval(0, 0), +))
      case "linear", "affine":
        let c0 = kind == "affine" ? Double.random(in: -1...1, using: &rng) : 0
        var c: [Double] = (0..<maxFanIn).map { _ in coefficient() }
        let args = arguments { ivs in
          zip(c, ivs).reduce(Interval(c0, c0)) { $0 + $1.1.scaled($1.0) }
        }
        c = Array(c.prefix(args.count))
        let interval = zip(c, args).reduce(Interval(c0, c0)) { $0 + intervals[$1.1].scaled($1.0) }
        add(Node(op: kind == "affine" ? .affine(c0, c) : .linear(c), arguments: args), interval)
      case "product":
        let count = Int.random(in: 1...maxFanIn, using: &rng)
        var args = (0..<count).map { _ in bounded(2.5) }
        while args.count > 1
          && args.map({ intervals[$0] }).reduce(Interval(1, 1), *).magnitude > limit
        {
          args.removeLast()
        }
        add(
          Node(op: .product, arguments: args), args.map { intervals[$0] }.reduce(Interval(1, 1), *))
      case "customWithGradient":
        let u = bounded(3)
        let v = pick()
        let m = intervals[u].magnitude
        add(Node(op: .customWithGradient, arguments: [u, v]), Interval(-m, m + 0.1 * m * m))
      case "customFiniteDifference":
        let args = arguments { ivs in
          Interval(ivs.map(\.lo).max()!, ivs.map(\.hi).max()! + Foundation.log(Double(ivs.count)))
        }
        let ivs = args.map { intervals[$0] }
        add(
          Node(op: .customFiniteDifference, arguments: args),
          Interval(ivs.map(\.lo).max()!, ivs.map(\.hi).max()! + Foundation.log(Double(ivs.count))))
      default:
        preconditionFailure("unknown kind \(kind)")
      }
    }
  }
}

// MARK: - A long chain

/// A long chain: explicit Euler for `dz/dt = c·sin z`, `z₀ = x`, with step `h`:
/// per step `s_k = sin z_k`, `p_k = s_k·c` (`.product`), `z_{k+1} = z_k + h·p_k`
/// (`.linear([1, h])`), so `n = 2 + 3·steps` variables declared in order `x, c,
/// (s_0, p_0, z_1), …`. Its derivatives stay of order one at any length
/// (`dz_K/dz_0 = Π(1 + h·c·cos z_k)`), and a plain loop with the chain rule
/// gives them independently of the engine.
struct SineEulerChain {
  let steps: Int
  let h: Double
  var graph: ConstraintGraph
  let x: Variable
  let c: Variable
  /// The last state `z_K`.
  let last: Variable

  var count: Int { 2 + 3 * steps }

  init(steps: Int, h: Double) throws {
    self.steps = steps
    self.h = h
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let c = graph.input("c")
    var z = x
    let step = LocalFunction.linear([1, h])
    for _ in 0..<steps {
      let s = try graph.define(.sin, z)
      let p = try graph.define(.product, s, c)
      z = try graph.define(step, z, p)
    }
    self.graph = graph
    self.x = x
    self.c = c
    self.last = z
  }

  /// Declaration index of `s_k`, `p_k`, `z_{k+1}`.
  func sIndex(_ k: Int) -> Int { 2 + 3 * k }
  func pIndex(_ k: Int) -> Int { 3 + 3 * k }
  func zIndex(_ k: Int) -> Int { k == 0 ? x.index : 1 + 3 * k }

  /// All values (declaration order) by a plain loop.
  func referenceValues(x xv: Double, c cv: Double) -> [Double] {
    var v = [Double](repeating: 0, count: count)
    v[0] = xv
    v[1] = cv
    var z = xv
    for k in 0..<steps {
      let s = Foundation.sin(z)
      let p = s * cv
      z = z + h * p
      v[sIndex(k)] = s
      v[pIndex(k)] = p
      v[zIndex(k + 1)] = z
    }
    return v
  }

  /// Forward mode by a plain loop: the derivatives of every variable with
  /// respect to `x` (`wrtX`) or `c`, by the chain rule
  /// `ṡ = cos z·ż`, `ṗ = c·ṡ + s·ċ`, `ż' = ż + h·ṗ`.
  func referenceTangents(x xv: Double, c cv: Double, wrtX: Bool) -> [Double] {
    let v = referenceValues(x: xv, c: cv)
    var t = [Double](repeating: 0, count: count)
    t[0] = wrtX ? 1 : 0
    t[1] = wrtX ? 0 : 1
    for k in 0..<steps {
      let dz = t[zIndex(k)]
      let ds = Foundation.cos(v[zIndex(k)]) * dz
      let dp = cv * ds + v[sIndex(k)] * t[1]
      t[sIndex(k)] = ds
      t[pIndex(k)] = dp
      t[zIndex(k + 1)] = dz + h * dp
    }
    return t
  }

  /// Reverse mode by a plain loop for the objective `Σ w_i z_i`: the total
  /// derivatives of every variable (declaration order); entries 0 and 1 are `∂f/∂x`, `∂f/∂c`.
  func referenceAdjoints(x xv: Double, c cv: Double, weights w: [Double]) -> [Double] {
    let v = referenceValues(x: xv, c: cv)
    var bar = w
    for k in stride(from: steps - 1, through: 0, by: -1) {
      let next = bar[zIndex(k + 1)]
      bar[pIndex(k)] += h * next
      bar[sIndex(k)] += cv * bar[pIndex(k)]
      bar[1] += v[sIndex(k)] * bar[pIndex(k)]
      bar[zIndex(k)] += next + Foundation.cos(v[zIndex(k)]) * bar[sIndex(k)]
    }
    return bar
  }
}
