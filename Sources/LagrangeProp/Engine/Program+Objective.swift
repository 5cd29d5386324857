extension Program {
  /// `f(z)` from values in program order.
  ///
  /// - Complexity: O(1) for a variable, O(support) for a linear objective.
  /// - Throws: `.nonFiniteObjective` if the value is NaN or infinite.
  func objectiveValue(_ values: [Double]) throws(LagrangePropError) -> Double {
    let f: Double
    switch objective {
    case .variable(let p): f = values[p]
    case .linear(_, let sparse):
      // Ascending positions: the same sum, in the same order, as over all of `w`
      // (the skipped terms are `0 · z_p`, exact zeros for finite values).
      var accumulator = LinearObjectiveAccumulator()
      values.withUnsafeBufferPointer { v in accumulator.add(sparse, values: v, below: v.count) }
      f = accumulator.total
    case .custom(let value, _): f = value(toDeclarationOrder(values))
    }
    return try finiteObjective(f)
  }

  /// `f`, or `.nonFiniteObjective` if it is NaN or infinite.
  func finiteObjective(_ f: Double) throws(LagrangePropError) -> Double {
    guard f.isFinite else { throw .nonFiniteObjective(detail: "the objective value is \(f)") }
    return f
  }

  /// The value-only forward pass of an acyclic program over `v` (inputs filled
  /// in), in stretches of 2048 positions; a linear objective's terms are added
  /// after each stretch, while its values are in cache (one pass over memory
  /// instead of two). With `seeding`, a linear objective's gradient `w` is
  /// written into it stretch by stretch too (the reverse pass's starting `λ`):
  /// the forward pass waits on its transcendental functions, so these stores
  /// cost next to nothing there, where a separate pass would stream `8n` bytes.
  /// With `tape` (`trigonometricCount` entries), the partials of `sin` and `cos`
  /// are recorded for the reverse pass (`Kernel.evaluateValuesTapingTrigonometry`).
  ///
  /// - Returns: `f` for a linear objective (not yet checked for finiteness) and
  ///   whether `seeding` now holds `w`; `nil` and `false` for the other objectives
  ///   (then `objectiveValue(_:)` and `writeObjectiveGradient(_:into:)`).
  /// - Complexity: O(n + edges).
  /// - Throws: as `Kernel.evaluateValues(range:values:)`.
  func valuePass(
    kernel: Kernel, values v: UnsafeMutableBufferPointer<Double>,
    seeding lambda: UnsafeMutableBufferPointer<Double>? = nil,
    tape: UnsafeMutableBufferPointer<Double>? = nil
  ) throws(LagrangePropError) -> (value: Double?, seeded: Bool) {
    var top = 0
    func values(_ range: Range<Int>) throws(LagrangePropError) {
      if let tape {
        top = try kernel.evaluateValuesTapingTrigonometry(
          range: range, values: v, tape: tape, tapeTop: top)
      } else {
        try kernel.evaluateValues(range: range, values: v)
      }
    }
    guard case .linear(_, let sparse) = objective else {
      try values(inputCount..<variableCount)
      return (nil, false)
    }
    var accumulator = LinearObjectiveAccumulator()
    var seed = SeedWriter()
    accumulator.add(sparse, values: UnsafeBufferPointer(v), below: inputCount)
    if let lambda { seed.write(sparse, into: lambda, from: 0, below: inputCount) }
    var low = inputCount
    while low < variableCount {
      let high = min(low + 2048, variableCount)
      try values(low..<high)
      accumulator.add(sparse, values: UnsafeBufferPointer(v), below: high)
      if let lambda { seed.write(sparse, into: lambda, from: low, below: high) }
      low = high
    }
    return (accumulator.total, lambda != nil)
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
    case .linear(let w, let sparse):
      return w ?? sparse.dense(count: variableCount)
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

  /// Whether the objective's gradient `g` spans more than `2^400`
  /// (`PowerOfTwoScaling.spansBands`; O(1) for a linear objective).
  func objectiveSeedSpansBands(_ g: [Double]) -> Bool {
    switch objective {
    case .variable: false
    case .linear(_, let sparse): sparse.seedSpansBands
    case .custom: g.withUnsafeBufferPointer { PowerOfTwoScaling.spansBands($0) }
    }
  }

  /// `PowerOfTwoScaling.exponent` of the objective's gradient `g` (written by
  /// `writeObjectiveGradient`): from the compiled weights in O(1) for a linear
  /// objective, 0 for a variable, a pass over `g` for a custom objective.
  func objectiveSeedExponent(_ g: [Double]) -> Int {
    switch objective {
    case .variable: 0
    case .linear(_, let sparse): sparse.seedExponent
    case .custom: g.withUnsafeBufferPointer { PowerOfTwoScaling.exponent(of: $0) }
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
    case .linear(let w, let sparse):
      if let w, 2 * sparse.positions.count > n {
        copy(w, into: &g)
      } else {
        fill(&g, count: n, with: 0)
        g.withUnsafeMutableBufferPointer { out in
          for (k, p) in sparse.positions.enumerated() { out[Int(p)] = sparse.weights[k] }
        }
      }
    case .custom:
      copy(try objectiveGradient(values), into: &g)
    }
  }
}

/// The sum `Σ w_p z_p` of a linear objective taken in stretches of ascending
/// positions, so that a forward pass can add each stretch's terms while its
/// values are still in cache: the same terms in the same order as one pass.
struct LinearObjectiveAccumulator {
  /// The sum so far.
  var total = 0.0
  /// The next non-zero weight to add.
  var next = 0

  /// Adds the terms of every non-zero weight at a position below `end`.
  ///
  /// - Complexity: O(terms added).
  @inline(__always)
  mutating func add(_ sparse: SparseWeights, values: UnsafeBufferPointer<Double>, below end: Int) {
    sparse.positions.withUnsafeBufferPointer { positions in
      sparse.weights.withUnsafeBufferPointer { weights in
        var k = next
        var sum = total
        while k < positions.count, Int(positions[k]) < end {
          sum += weights[k] * values[Int(positions[k])]
          k += 1
        }
        total = sum
        next = k
      }
    }
  }
}

/// Writes a linear objective's gradient `w` stretch by stretch: zeros, then the
/// non-zero weights of the stretch.
struct SeedWriter {
  /// The next non-zero weight to write.
  var next = 0

  /// Writes `w[from ..< end]` into `lambda`.
  ///
  /// - Complexity: O(end − from).
  @inline(__always)
  mutating func write(
    _ sparse: SparseWeights, into lambda: UnsafeMutableBufferPointer<Double>, from start: Int,
    below end: Int
  ) {
    guard start < end else { return }
    UnsafeMutableBufferPointer(rebasing: lambda[start..<end]).update(repeating: 0)
    sparse.positions.withUnsafeBufferPointer { positions in
      sparse.weights.withUnsafeBufferPointer { weights in
        var k = next
        while k < positions.count, Int(positions[k]) < end {
          lambda[Int(positions[k])] = weights[k]
          k += 1
        }
        next = k
      }
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
