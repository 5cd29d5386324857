extension Program {
  /// `gradient(at:solver: .sweep)` of an acyclic program in two passes over
  /// memory instead of four: a value-only forward pass (as `evaluate`, but keeping
  /// the partials of `sin` and `cos` from one `sincos` call on a small tape), then
  /// the reverse sweep recomputing each other local partial from the values
  /// (`Kernel.pushAdjoints`) instead of storing all of them and reading them back.
  /// The result is the same, bit for bit, as `linearize(at:solver: .sweep).gradient()`.
  ///
  /// On any failure the ordinary path is rerun, so that the error is the one it
  /// reports (the first non-finite value or partial in program order).
  ///
  /// - Complexity: O(n + edges); no allocation proportional to the program when
  ///   `workspace`'s buffers are free.
  /// - Throws: as `gradient(at:solver:options:)`.
  func sweepGradient(
    at inputs: [Double], options: SolveOptions, reason: String, workspace: Workspace
  ) throws(LagrangePropError) -> GradientResult {
    let n = variableCount
    let d = inputCount
    do throws(LagrangePropError) {
      if let guess = options.initialGuess, guess.count != n {
        throw LagrangePropError.wrongLength(
          argument: "initialGuess", expected: n, actual: guess.count)
      }
      var values = try checkedInputs(inputs, into: takeBuffer(&workspace.values, count: n))
      defer { workspace.values = values }
      var lambda = takeBuffer(&workspace.multipliers, count: n)
      defer { workspace.multipliers = lambda }
      var tape = takeBuffer(&workspace.tape, count: trigonometricCount)
      defer { workspace.tape = tape }
      let (f, seeded) = try withKernel { (kernel) throws(LagrangePropError) in
        try values.withUnsafeMutableBufferPointer { (v) throws(LagrangePropError) in
          try lambda.withUnsafeMutableBufferPointer { (l) throws(LagrangePropError) in
            try tape.withUnsafeMutableBufferPointer { (t) throws(LagrangePropError) in
              try valuePass(kernel: kernel, values: v, seeding: l, tape: t)
            }
          }
        }
      }
      if !seeded { try writeObjectiveGradient(values, into: &lambda) }
      if objectiveSeedSpansBands(lambda) {
        // Solved band by band on the linearized path (`Linearization.adjointsInProgramOrder`).
        return try linearize(at: inputs, solver: .sweep, options: options, workspace: Workspace())
          .gradient()
      }
      // A seed beyond 2^±400 is swept scaled by a power of two, as on every path
      // (`Linearization.adjointsInProgramOrder`).
      let e = objectiveSeedExponent(lambda)
      lambda.withUnsafeMutableBufferPointer { PowerOfTwoScaling.scale($0, by: -e) }
      try withKernel { (kernel) throws(LagrangePropError) in
        try values.withUnsafeMutableBufferPointer { (v) throws(LagrangePropError) in
          try lambda.withUnsafeMutableBufferPointer { (l) throws(LagrangePropError) in
            try tape.withUnsafeBufferPointer { (t) throws(LagrangePropError) in
              try kernel.pushAdjoints(
                range: d..<n, values: v, lambda: l, tape: t, tapeTop: trigonometricCount)
            }
          }
        }
      }
      // As on every path, an overflow is named where the reverse pass met it first:
      // `pushAdjoints` checked the intermediates' multipliers, the inputs' remain
      // (all of them when the seed was scaled: scaling back can overflow any).
      lambda.withUnsafeMutableBufferPointer { PowerOfTwoScaling.scale($0, by: e) }
      let gradient = Array(lambda[0..<d])
      try requireFinite(
        e == 0 ? gradient : lambda, quantity: "adjoint", firstPosition: 0, reverse: true,
        solver: .sweep)
      let adjoints: [Double]
      if isIdentityOrder {
        adjoints = lambda
      } else {
        var out = takeBuffer(&workspace.declarationMultipliers, count: n)
        out.withUnsafeMutableBufferPointer { o in
          for p in 0..<n { o[Int(order[p])] = lambda[p] }
        }
        workspace.declarationMultipliers = out
        adjoints = out
      }
      let value: Double
      if let f { value = try finiteObjective(f) } else { value = try objectiveValue(values) }
      return GradientResult(
        value: value, gradient: gradient, adjoints: adjoints,
        solver: .sweep, solverReason: reason, reciprocalCondition: nil, krylovResidual: nil)
    } catch {
      // The cold path: the ordinary passes report the error they would have.
      _ = try linearize(at: inputs, solver: .sweep, options: options, workspace: Workspace())
        .gradient()
      throw error
    }
  }
}
