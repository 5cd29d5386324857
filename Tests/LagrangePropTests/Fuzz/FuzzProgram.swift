// Builds the random program a `FuzzRecipe` describes: a random DAG over every
// local function, then well-posed cyclic blocks of every kind, then acyclic
// consumers, with a variable, linear or custom objective.

import Foundation
import LagrangeProp
import SeededRandom

/// A random program, its point and a tangent seed, built from a `FuzzRecipe`.
///
/// The construction is planned first (one entry per variable, arguments by plan
/// index, so cycles can refer forward) and then declared: in plan order, or —
/// with `recipe.shuffled` — every variable declared in a random order and every
/// constraint given in another, so that declaration order ≠ program order.
struct FuzzProgram {
  /// What the plan says a variable is.
  enum Role {
    case input
    case assignment(LocalFunction, [Int])
    case residual(LocalFunction, [Int])
  }

  let recipe: FuzzRecipe
  let program: Program
  /// The inputs (declaration order of the inputs), in `[−0.9, 0.9]`.
  let point: [Double]
  /// A tangent seed over all variables (declaration order), entries in `[−1, 1]`.
  let tangentSeed: [Double]
  /// The local functions used (by name, `power(…)` as `power`).
  let functions: Set<String>

  /// `damp(u) = 0.6·sin(u₀) + u₁`, with its gradient.
  static let damp = LocalFunction.custom(
    name: "damp", arity: 2, value: { 0.6 * Foundation.sin($0[0]) + $0[1] },
    gradient: { [0.6 * Foundation.cos($0[0]), 1] })
  /// `soft(u) = 0.45·tanh(u₀) + 0.3·σ(u₁) + u₂`, without a gradient.
  static let soft = LocalFunction.custom(name: "soft", arity: 3) { u in
    0.45 * Foundation.tanh(u[0]) + 0.3 / (1 + Foundation.exp(-u[1])) + u[2]
  }

  /// - Throws: a `LagrangePropError` if the graph is refused (a bug: every plan is valid).
  init(_ recipe: FuzzRecipe) throws {
    self.recipe = recipe
    var plan = FuzzPlanner(rng: SplitMix64(seed: recipe.seed))
    try plan.acyclicPart(inputs: recipe.inputCount, intermediates: recipe.acyclicCount)
    for block in recipe.blocks { plan.cyclicBlock(block) }
    for _ in 0..<recipe.suffixCount { plan.suffixNode() }

    // Declare, then constrain.
    var graph = ConstraintGraph()
    let n = plan.roles.count
    var handles = [Variable?](repeating: nil, count: n)
    let declarationOrder = recipe.shuffled ? Array(0..<n).shuffled(using: &plan.rng) : Array(0..<n)
    for p in declarationOrder {
      if case .input = plan.roles[p] {
        handles[p] = graph.input("x\(p)")
      } else {
        handles[p] = graph.unknown("z\(p)")
      }
    }
    let definitionOrder = recipe.shuffled ? Array(0..<n).shuffled(using: &plan.rng) : Array(0..<n)
    for p in definitionOrder {
      switch plan.roles[p] {
      case .input: continue
      case .assignment(let f, let arguments):
        try graph.define(handles[p]!, f, arguments.map { handles[$0]! })
      case .residual(let f, let arguments):
        try graph.constrain(handles[p]!, residual: f, arguments.map { handles[$0]! })
      }
    }

    functions = Set(
      plan.roles.compactMap { role -> String? in
        switch role {
        case .input: nil
        case .assignment(let f, _), .residual(let f, _):
          f.name.hasPrefix("power(") ? "power" : f.name
        }
      })
    let variables = handles.map { $0! }
    let weights = randomVector(n, using: &plan.rng)
    let objective: Objective
    switch recipe.objective {
    case .lastVariable: objective = .variable(variables[n - 1])
    case .linear: objective = .linear(weights)
    case .custom:
      objective = .custom(
        value: { z in zip(weights, z).reduce(0) { $0 + $1.0 * Foundation.sin($1.1) } },
        gradient: { z in zip(weights, z).map { $0 * Foundation.cos($1) } })
    }
    program = try graph.compile(objective: objective)
    point = randomVector(graph.inputCount, in: -0.9...0.9, using: &plan.rng)
    tangentSeed = randomVector(n, using: &plan.rng)
  }
}

/// Plans the variables of a `FuzzProgram`: roles and arguments by plan index.
struct FuzzPlanner {
  var rng: SplitMix64
  var roles: [FuzzProgram.Role] = []
  /// Variables whose values are known to stay within about ±50 (all of them, by
  /// construction), from which later nodes pick their arguments.
  var pool: [Int] = []

  /// Appends a variable and returns its plan index.
  @discardableResult
  mutating func add(_ role: FuzzProgram.Role, pooled: Bool = true) -> Int {
    roles.append(role)
    if pooled { pool.append(roles.count - 1) }
    return roles.count - 1
  }

  mutating func pick() -> Int { pool.randomElement(using: &rng)! }

  /// A coefficient of either sign, magnitude in `[0.1, 1]`.
  mutating func signed() -> Double {
    let magnitude = Double.random(in: 0.1...1, using: &rng)
    return Bool.random(using: &rng) ? magnitude : -magnitude
  }

  /// The inputs and a random DAG over every local function (values within ±8).
  mutating func acyclicPart(inputs: Int, intermediates: Int) throws {
    // `RandomDAG` draws the nodes (bounded by interval arithmetic); its logical
    // indices are our plan indices.
    let dag = try RandomDAG(
      seed: rng.next(), inputCount: inputs, intermediateCount: intermediates, maxFanIn: 4)
    for node in dag.nodes {
      if let op = node.op {
        add(.assignment(RandomDAG.function(op), node.arguments))
      } else {
        add(.input)
      }
    }
  }

  /// `e = tanh(u)` for a random earlier `u`: an exogenous term in `(−1, 1)`.
  mutating func exogenous() -> Int { add(.assignment(.tanh, [pick()])) }

  /// The cyclic partners of unknown `i` of `k`: always `(i + 1) mod k` (so the
  /// block is one strongly connected component), and each other with probability ½.
  mutating func partners(of i: Int, _ k: Int) -> [Int] {
    var out = [(i + 1) % k]
    for j in 0..<k where j != out[0] && Bool.random(using: &rng) { out.append(j) }
    return out
  }

  /// `count` weights of random sign whose absolute values sum to `total`.
  mutating func weights(_ count: Int, summingTo total: Double) -> [Double] {
    let raw = (0..<count).map { _ in Double.random(in: 0.05...1, using: &rng) }
    let sum = raw.reduce(0, +)
    return raw.map { (Bool.random(using: &rng) ? 1 : -1) * total * $0 / sum }
  }

  /// One cyclic block of `block.size` unknowns, well posed by construction (see
  /// `FuzzRecipe.BlockKind`).
  mutating func cyclicBlock(_ block: FuzzRecipe.Block) {
    let k = block.size
    let e = (0..<k).map { _ in exogenous() }
    // Reserve the unknowns: their roles are filled in once every helper exists.
    let first = roles.count
    for _ in 0..<k { add(.input, pooled: false) }
    let v = Array(first..<(first + k))
    var own = [FuzzProgram.Role?](repeating: nil, count: k)
    var gamma = Double.random(in: 0.3...0.95, using: &rng)
    if block.kind == .nearlySingularMarkov {
      gamma = 1 - Foundation.pow(10, -Double.random(in: 2...10, using: &rng))
    }
    switch block.kind {
    case .markovAffine, .markovLinear, .nearlySingularMarkov:
      for i in 0..<k {
        let js = partners(of: i, k)
        let p = weights(js.count, summingTo: gamma).map(abs)
        if block.kind != .markovLinear {
          own[i] = .assignment(
            .affine(constant: Double.random(in: -1...1, using: &rng), coefficients: p + [1]),
            js.map { v[$0] } + [e[i]])
        } else {
          own[i] = .assignment(.linear(p + [1]), js.map { v[$0] } + [e[i]])
        }
      }
    case .markovProducts:
      let s = add(.assignment(.sigmoid, [pick()]))
      for i in 0..<k {
        let js = partners(of: i, k)
        var terms = [e[i]]
        for j in js {
          let p = add(
            .assignment(
              .linear([gamma / Double(js.count) * Double.random(in: 0.2...1, using: &rng)]), [s]))
          terms.append(add(.assignment(.product, [p, v[j]])))
        }
        own[i] = .assignment(.sum, terms)
      }
    case .nonlinear:
      let phis: [LocalFunction] = [.tanh, .sin, .sigmoid, .cos]
      let w = v.map { add(.assignment(phis.randomElement(using: &rng)!, [$0])) }
      for i in 0..<k {
        let js = partners(of: i, k)
        own[i] = .assignment(
          .affine(
            constant: Double.random(in: -1...1, using: &rng),
            coefficients: weights(js.count, summingTo: 0.9) + [1]),
          js.map { w[$0] } + [e[i]])
      }
    case .residualLinear, .residualCubic:
      for i in 0..<k {
        let js = k == 1 ? [] : partners(of: i, k).filter { $0 != i }
        let a = weights(js.count, summingTo: 0.9)
        if block.kind == .residualLinear {
          own[i] = .residual(
            .affine(
              constant: Double.random(in: -1...1, using: &rng),
              coefficients: [1] + a.map { -$0 } + [-1]),
            [v[i]] + js.map { v[$0] } + [e[i]])
        } else {
          let cube = add(.assignment(.power(3), [v[i]]))
          own[i] = .residual(
            .affine(constant: 0, coefficients: [1, 1] + a.map { -$0 } + [-1]),
            [v[i], cube] + js.map { v[$0] } + [e[i]])
        }
      }
    case .customWithGradient:
      for i in 0..<k { own[i] = .assignment(FuzzProgram.damp, [v[(i + 1) % k], e[i]]) }
    case .customFiniteDifference:
      for i in 0..<k { own[i] = .assignment(FuzzProgram.soft, [v[(i + 1) % k], v[i], e[i]]) }
    case .logSqrt:
      for i in 0..<k {
        let j = (i + 1) % k
        let square = add(.assignment(.square, [v[j]]))
        let shifted = add(.assignment(.affine(constant: 1, coefficients: [1]), [square]))
        let l = add(.assignment(.log, [shifted]))
        let r = add(.assignment(.sqrt, [shifted]))
        own[i] = .assignment(.affine(constant: 0, coefficients: [0.4, 0.2, 1]), [l, r, e[i]])
      }
    }
    for i in 0..<k {
      roles[v[i]] = own[i]!
      pool.append(v[i])
    }
  }

  /// An acyclic consumer of earlier variables, through bounded functions.
  mutating func suffixNode() {
    let a = pick()
    let b = pick()
    switch Int.random(in: 0..<7, using: &rng) {
    case 0: add(.assignment(.tanh, [a]))
    case 1: add(.assignment(.sin, [a]))
    case 2: add(.assignment(.sum, [a, b]))
    case 3: add(.assignment(.linear([signed(), signed()]), [a, b]))
    case 4:
      let ta = add(.assignment(.tanh, [a]))
      let sb = add(.assignment(.sigmoid, [b]))
      add(.assignment(.product, [ta, sb]))
    case 5:
      // tanh(a) / (2 + sin b): a denominator in [1, 3].
      let ta = add(.assignment(.tanh, [a]))
      let sb = add(.assignment(.sin, [b]))
      let denominator = add(.assignment(.affine(constant: 2, coefficients: [1]), [sb]))
      add(.assignment(.quotient, [ta, denominator]))
    default: add(.assignment(.cos, [a]))
    }
  }
}
