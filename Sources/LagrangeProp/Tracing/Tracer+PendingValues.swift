/// Pending affine values: `c₀ + Σ_k c_k·z_k` kept in the tracer's buffers until a
/// nonlinear operation, a `define`/`constrain` or the objective needs them stored.
extension Tracer {
  /// The variable a pending value was stored in, or `id` itself (a variable, a
  /// pending value never stored, a poisoned value): once stored, a pending value
  /// is read as its variable — its terms may be gone (see `store(id:)`).
  @inline(__always)
  func resolved(_ id: Int32) -> Int32 {
    if id >= -1 { return id }
    let stored = compositeStored[Int(-id - 2)]
    return stored >= 0 ? stored : id
  }

  /// The number of terms of `value` (1 for a variable).
  @inline(__always)
  func termCount(_ value: Traced) -> Int { termCount(id: value.id) }

  /// `termCount` of the value numbered `id` (a variable or a pending value).
  @inline(__always)
  func termCount(id: Int32) -> Int {
    let id = resolved(id)
    if id >= 0 { return 1 }
    let c = Int(-id - 2)
    return compositeStart[c + 1] - compositeStart[c]
  }

  /// `(i, c)` when `value` is `c·z_i` (a variable, or one term without constant).
  @inline(__always)
  func scaledVariable(_ value: Traced) -> (index: Int32, coefficient: Double)? {
    scaledVariable(id: value.id)
  }

  /// `scaledVariable` of the value numbered `id`.
  @inline(__always)
  func scaledVariable(id: Int32) -> (index: Int32, coefficient: Double)? {
    let id = resolved(id)
    if id >= 0 { return (id, 1) }
    let c = Int(-id - 2)
    let start = compositeStart[c]
    guard compositeStart[c + 1] == start + 1 && compositeConstant[c] == 0 else { return nil }
    return (termIndices[start], termCoefficients[start])
  }

  /// Appends the terms of `value` times `s` to the pending value being built and
  /// returns its constant times `s`. With `merging`, a variable already among the
  /// terms from `from` on gets its coefficient increased instead.
  @inline(__always)
  func appendTerms(of value: Traced, times s: Double, mergingFrom from: Int? = nil) -> Double {
    appendTerms(id: value.id, times: s, mergingFrom: from)
  }

  /// `appendTerms` of the value numbered `id`.
  @inline(__always)
  func appendTerms(id: Int32, times s: Double, mergingFrom from: Int? = nil) -> Double {
    let id = resolved(id)
    if id >= 0 {
      appendTerm(id, s, mergingFrom: from)
      return 0
    }
    let c = Int(-id - 2)
    for k in compositeStart[c]..<compositeStart[c + 1] {
      appendTerm(termIndices[k], s * termCoefficients[k], mergingFrom: from)
    }
    return s * compositeConstant[c]
  }

  /// Appends one term (capacity reserved by the caller with `reserveTerms`).
  @inline(__always)
  private func appendTerm(_ i: Int32, _ coefficient: Double, mergingFrom from: Int?) {
    if let from {
      for k in from..<termIndices.count where termIndices[k] == i {
        let merged = termCoefficients[k] + coefficient
        termCoefficients[k] = merged
        if !merged.isFinite { madeNonFiniteTerm = true }
        return
      }
    }
    if !coefficient.isFinite { madeNonFiniteTerm = true }
    termIndices.append(i)
    termCoefficients.append(coefficient)
  }

  /// Reserves room for `count` more terms (see `reserveAhead`).
  @inline(__always)
  func reserveTerms(_ count: Int) {
    termIndices.reserve(count)
    termCoefficients.reserve(count)
  }

  /// Closes the pending value whose terms start at `start`, or discards it and
  /// returns a poisoned value if a coefficient or the constant is not finite
  /// (recorded as `.nonFiniteConstant` naming `operand`).
  @inline(__always)
  func finishComposite(start: Int, constant: Double, operation: String, operand: Traced)
    -> Traced
  {
    finishComposite(start: start, constant: constant, operation: operation, operand: operand.id)
  }

  /// `finishComposite` naming the value numbered `operand` in a misuse.
  @inline(__always)
  func finishComposite(start: Int, constant: Double, operation: String, operand: Int32)
    -> Traced
  {
    if madeNonFiniteTerm || !constant.isFinite {
      madeNonFiniteTerm = false
      return discardComposite(
        start: start, constant: constant, operation: operation, operand: operand)
    }
    return closeComposite(constant: constant)
  }

  /// The poisoned result of a pending value with a non-finite coefficient or
  /// constant, its terms dropped and the misuse recorded (out of line).
  @inline(never)
  private func discardComposite(start: Int, constant: Double, operation: String, operand: Int32)
    -> Traced
  {
    var bad: Double?
    for k in start..<termCoefficients.count where !termCoefficients[k].isFinite {
      bad = termCoefficients[k]
      break
    }
    if bad == nil && !constant.isFinite { bad = constant }
    if let bad {
      termIndices.removeLast(termIndices.count - start)
      termCoefficients.removeLast(termCoefficients.count - start)
      record(
        .nonFiniteConstant(variable: describe(id: operand), operation: operation, value: bad))
      return Traced(poisonedBy: self)
    }
    return closeComposite(constant: constant)
  }

  /// Closes the pending value whose terms end the term buffers, with `constant`.
  @inline(__always)
  private func closeComposite(constant: Double) -> Traced {
    let c = compositeConstant.count
    compositeConstant.append(constant)
    compositeStored.append(-1)
    compositeStart.append(termIndices.count)
    return Traced(composite: Int32(truncatingIfNeeded: c), tracer: self)
  }

  /// The value numbered `id`, or the variable it is stored in when one of its
  /// coefficients or its constant times `s` would leave the normal range
  /// (overflow, or underflow to a subnormal number or zero, of non-zero factors):
  /// `(x·1e-200)·1e-200` folded to `1e-400·x` = `0·x`; stored, it is computed as
  /// written. Call before starting the pending value the terms go into.
  ///
  /// - Complexity: O(terms of the value).
  @inline(__always)
  func foldable(_ id: Int32, times s: Double) -> Int32 {
    let id = resolved(id)
    guard id < -1, s != 1, s != -1 else { return id }
    func keepsScale(_ a: Double) -> Bool { (a * s).isNormal || a == 0 || s == 0 }
    let c = Int(-id - 2)
    for k in compositeStart[c]..<compositeStart[c + 1] where !keepsScale(termCoefficients[k]) {
      return store(id: id)
    }
    return keepsScale(compositeConstant[c]) ? id : store(id: id)
  }

  /// `value` itself, or the variable it is stored in when it has more than
  /// `foldLimit` terms.
  @inline(__always)
  func limited(_ id: Int32) -> Int32 {
    termCount(id: id) > Tracer.foldLimit ? store(id: id) : id
  }
}
