/// Linearizing at values computed outside the engine (`linearize(at:solution:)`).
extension Program {
  /// The forward state at a user-supplied solution: the values as given (after
  /// checking that they solve every constraint) and the partials evaluated there.
  ///
  /// Every constraint's residual is measured as in the forward solve
  /// (`relativeResidual`: against the size of its terms); an input's value in
  /// `solution` must equal `inputs` to the same relative tolerance.
  ///
  /// - Complexity: O(n + edges), one pass of the kernel.
  /// - Throws: `.wrongInputCount`, `.nonFiniteInput`, `.wrongLength` /
  ///   `.nonFiniteArgument` for `solution`, `.nonFinite` from a local function,
  ///   `.notASolution` naming the first variable (program order) whose constraint
  ///   is not met.
  func evaluateAtSolution(inputs: [Double], solution: [Double], options: SolveOptions)
    throws(LagrangePropError) -> ForwardState
  {
    var values = try checkedInputs(inputs)
    try checkVector(solution, "solution")
    let tolerance = options.tolerance
    for p in 0..<inputCount {
      let given = solution[Int(order[p])]
      let difference = abs(given - values[p])
      if difference > tolerance * abs(values[p]) {
        throw .notASolution(
          variable: name(position: p),
          residual: difference / max(abs(values[p]), .leastNormalMagnitude), tolerance: tolerance)
      }
    }
    for p in inputCount..<variableCount { values[p] = solution[Int(order[p])] }
    var partials = [Double](repeating: 0, count: arguments.count)
    try withKernel { (kernel) throws(LagrangePropError) in
      try values.withUnsafeMutableBufferPointer { (v) throws(LagrangePropError) in
        try partials.withUnsafeMutableBufferPointer { (dp) throws(LagrangePropError) in
          for p in inputCount..<variableCount {
            let g = try kernel.evaluate(p, values: v, partials: dp)
            let r = isResidual[p] ? g : g - v[p]
            let relative = relativeResidual(
              r, position: p, values: UnsafeBufferPointer(v), partials: UnsafeBufferPointer(dp))
            if relative > tolerance {
              throw .notASolution(
                variable: name(position: p), residual: relative, tolerance: tolerance)
            }
          }
        }
      }
    }
    return ForwardState(
      values: values, partials: partials,
      reusableBlockFactors: [BlockFactorization?](repeating: nil, count: blocks.count))
  }
}
