extension Program {
  /// Records `body` — ordinary Swift code on `Traced` values — as a constraint
  /// program, and compiles it with the returned value as the objective.
  ///
  /// ```swift
  /// let program = try Program.trace(inputs: ["x", "y"]) { t in
  ///   let x = t.inputs[0], y = t.inputs[1]
  ///   let a = exp(x), b = a * a, c = a + b + y
  ///   return tanh(c) + sin(c)
  /// }
  /// let g = try program.gradient(at: [0.5, -1.0])
  /// ```
  ///
  /// The program is the one `ConstraintGraph` calls would build: inputs in the
  /// order given, one constraint per nonlinear operation, affine operations folded
  /// into `.sum` / `.linear` / `.affine` constraints, unknowns with their `define` /
  /// `constrain` constraints. The same solvers, errors and results apply. An
  /// objective that is a pending linear combination (`tanh(c) + sin(c)`,
  /// `sum(v)`, `dot(w, xs)`) becomes an `Objective.linear` over its terms rather
  /// than a variable of its own — unless it was stored (e.g. by asking for its
  /// `variable`), or has a constant term.
  ///
  /// - Parameters:
  ///   - inputs: the inputs' names (in errors and `program.name(of:)`), in order.
  ///   - body: records the program with the `Tracer` it is given and returns the
  ///     objective. It runs once, synchronously.
  /// - Complexity: O(variables + edges) to record and compile, about the cost of
  ///   building the graph by hand.
  /// - Throws: the first misuse the tracer recorded (`.foreignTraced`,
  ///   `.notAnUnknown`, `.definedTwice`, `.nonFiniteConstant`, `.wrongLength`,
  ///   `.emptyTracedReduction`), else an error `body` threw, else the errors of
  ///   `ConstraintGraph.compile(objective:)` (`.neverDefined` for an unknown left
  ///   without constraint, `.structurallySingular`).
  public static func trace(inputs: [String], _ body: (Tracer) throws -> Traced) throws -> Program {
    try trace(inputNames: inputs.map { Optional($0) }, body)
  }

  /// As `trace(inputs:_:)`, with `inputCount` unnamed inputs (`x#0`, `x#1`, …).
  ///
  /// - Throws: `.wrongInputCount` if `inputCount` is negative; `.resultTooLarge`
  ///   if that many variables could not fit in physical memory; otherwise as
  ///   `trace(inputs:_:)`.
  public static func trace(inputCount: Int, _ body: (Tracer) throws -> Traced) throws -> Program {
    guard inputCount >= 0 else {
      throw LagrangePropError.wrongInputCount(expected: 0, actual: inputCount)
    }
    if let refusal = VariableBudget.refusal(
      inputCount, quantity: "trace(inputCount: \(inputCount))")
    {
      throw refusal
    }
    return try trace(inputNames: [String?](repeating: nil, count: inputCount), body)
  }

  static func trace(inputNames: [String?], _ body: (Tracer) throws -> Traced) throws -> Program {
    let tracer = Tracer(inputNames: inputNames, recycling: true)
    defer { tracer.close() }
    let objective: Traced
    do {
      objective = try body(tracer)
    } catch {
      throw tracer.firstError ?? error
    }
    guard tracer.accept(objective) else {
      throw tracer.firstError
        ?? LagrangePropError.invalidObjective(reason: "the traced objective is not a valid value")
    }
    if let error = tracer.firstError { throw error }
    // On its own line: storing the objective may add a variable, and the graph must
    // be read after that.
    let compiledObjective = tracer.objective(objective)
    tracer.flushStaged()
    // The graph reserved the sizes of the last trace: a smaller program keeps no more.
    tracer.graph.trimExcessCapacity()
    return try tracer.graph.compile(objective: compiledObjective)
  }
}

extension Tracer {
  /// The objective for `value`: a linear objective over its terms when it is a
  /// pending linear combination never stored (no variable is added for it), else
  /// the variable holding it. Terms over strictly ascending variables (a
  /// trajectory summed in order) give the objective by its non-zeros, without a
  /// dense weight vector.
  func objective(_ value: Traced) -> Objective {
    if !value.isVariable {
      let c = value.composite
      if compositeStored[c] < 0 && compositeConstant[c] == 0 {
        if let sparse = ascendingObjective(terms: compositeStart[c]..<compositeStart[c + 1]) {
          return sparse
        }
        var weights = [Double](repeating: 0, count: recordedVariableCount)
        for k in compositeStart[c]..<compositeStart[c + 1] {
          weights[Int(termIndices[k])] += termCoefficients[k]
        }
        return .linear(weights)
      }
    }
    return .variable(Variable(Int(store(value)), graph: graph.id))
  }

  /// The sparse linear objective of the terms in `terms` when their variables are
  /// strictly ascending (zero coefficients dropped), else `nil`.
  ///
  /// - Complexity: O(terms).
  func ascendingObjective(terms: Range<Int>) -> Objective? {
    termIndices.withBuffer(terms) { indices in
      termCoefficients.withBuffer(terms) { coefficients in
        var previous: Int32 = -1
        var nonzero = 0
        for k in indices.indices {
          let i = indices[k]
          guard i > previous else { return nil }
          previous = i
          nonzero &+= coefficients[k] != 0 ? 1 : 0
        }
        var weights = [Double]()
        let positions = [Int32](unsafeUninitializedCapacity: nonzero) { p, initialized in
          weights = [Double](unsafeUninitializedCapacity: nonzero) { w, count in
            var m = 0
            for k in indices.indices where coefficients[k] != 0 {
              p[m] = indices[k]
              w[m] = coefficients[k]
              m += 1
            }
            count = m
          }
          initialized = nonzero
        }
        return Objective(kind: .sparseLinear(positions: positions, weights: weights))
      }
    }
  }

}
