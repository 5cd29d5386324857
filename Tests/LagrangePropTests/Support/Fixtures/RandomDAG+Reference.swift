// Points, objectives and an independent plain-Swift evaluator and reverse mode for `RandomDAG`.

import Foundation
import LagrangeProp
import SeededRandom

extension RandomDAG {
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
}
