// How `RandomDAG` draws its nodes: interval bounds that keep every value finite and in range.

import Foundation
import LagrangeProp
import SeededRandom

extension RandomDAG {
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

  /// Draws nodes in logical order, keeping every value within bounds (see `RandomDAG`).
  struct Generator {
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
