extension Program {
  /// `f(z)` from values in program order.
  ///
  /// - Throws: `.nonFiniteObjective` if the value is NaN or infinite.
  func objectiveValue(_ values: [Double]) throws(LagrangePropError) -> Double {
    let f: Double
    switch objective {
    case .variable(let p): f = values[p]
    case .linear(let w):
      var total = 0.0
      for p in 0..<variableCount { total += w[p] * values[p] }
      f = total
    case .custom(let value, _): f = value(toDeclarationOrder(values))
    }
    guard f.isFinite else { throw .nonFiniteObjective(detail: "the objective value is \(f)") }
    return f
  }

  /// `∇f(z)` in program order.
  ///
  /// - Throws: `.nonFiniteObjective` if an entry is not finite; `.wrongLength` if a
  ///   custom gradient has the wrong length.
  func objectiveGradient(_ values: [Double]) throws(LagrangePropError) -> [Double] {
    switch objective {
    case .variable(let p):
      var g = [Double](repeating: 0, count: variableCount)
      g[p] = 1
      return g
    case .linear(let w):
      return w
    case .custom(_, let gradient):
      let g = gradient(toDeclarationOrder(values))
      guard g.count == variableCount else {
        throw .wrongLength(argument: "objective gradient", expected: variableCount, actual: g.count)
      }
      if let i = g.firstIndex(where: { !$0.isFinite }) {
        throw .nonFiniteObjective(detail: "∂f/∂'\(name(declarationIndex: i))' is \(g[i])")
      }
      return toProgramOrder(g)
    }
  }
}
