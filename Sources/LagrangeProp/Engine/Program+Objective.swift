extension Program {
  /// `f(z)` from values in program order.
  ///
  /// - Complexity: O(1) for a variable, O(support) for a linear objective.
  /// - Throws: `.nonFiniteObjective` if the value is NaN or infinite.
  func objectiveValue(_ values: [Double]) throws(LagrangePropError) -> Double {
    let f: Double
    switch objective {
    case .variable(let p): f = values[p]
    case .linear(let w, let support):
      // Ascending positions: the same sum, in the same order, as over all of `w`
      // (the skipped terms are `0 · z_p`, exact zeros for finite values).
      var total = 0.0
      for p in support { total += w[Int(p)] * values[Int(p)] }
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
    case .linear(let w, _):
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

  /// `∇f(z)` in program order, written over `g` (resized to `n` when needed): the
  /// buffer-reusing form of `objectiveGradient(_:)`.
  ///
  /// - Complexity: O(n) (a zero fill and the non-zeros).
  /// - Throws: as `objectiveGradient(_:)`.
  func writeObjectiveGradient(_ values: [Double], into g: inout [Double])
    throws(LagrangePropError)
  {
    let n = variableCount
    switch objective {
    case .variable(let p):
      fill(&g, count: n, with: 0)
      g[p] = 1
    case .linear(let w, let support):
      if 2 * support.count > n {
        copy(w, into: &g)
      } else {
        fill(&g, count: n, with: 0)
        g.withUnsafeMutableBufferPointer { out in
          for p in support { out[Int(p)] = w[Int(p)] }
        }
      }
    case .custom:
      copy(try objectiveGradient(values), into: &g)
    }
  }
}

/// Sets `buffer` to `count` copies of `value`, reusing its storage when it is
/// uniquely referenced and of the right length.
func fill(_ buffer: inout [Double], count: Int, with value: Double) {
  if buffer.count != count {
    buffer = [Double](repeating: value, count: count)
    return
  }
  buffer.withUnsafeMutableBufferPointer { $0.update(repeating: value) }
}

/// Copies `source` into `buffer`, reusing its storage when it is uniquely
/// referenced and of the right length.
func copy(_ source: [Double], into buffer: inout [Double]) {
  if buffer.count != source.count {
    buffer = source
    return
  }
  buffer.withUnsafeMutableBufferPointer { out in
    source.withUnsafeBufferPointer { _ = out.update(fromContentsOf: $0) }
  }
}
