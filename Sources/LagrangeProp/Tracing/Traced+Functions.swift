/// Elementary functions and reductions of traced values. Each elementary function
/// records one constraint with the matching `LocalFunction` (exact partials), in
/// O(1) amortised time (plus O(terms) to store a pending argument); misuse is
/// recorded by the tracer and thrown by `Program.trace`.

/// `eˣ` (`.exp`).
public func exp(_ x: Traced) -> Traced { x.tracer.elementary(.exp, x) }
/// `ln x` (`.log`; the forward pass throws naming the variable if `x ≤ 0`).
public func log(_ x: Traced) -> Traced { x.tracer.elementary(.log, x) }
/// `sin x` (`.sin`).
public func sin(_ x: Traced) -> Traced { x.tracer.elementary(.sin, x) }
/// `cos x` (`.cos`).
public func cos(_ x: Traced) -> Traced { x.tracer.elementary(.cos, x) }
/// `tanh x` (`.tanh`).
public func tanh(_ x: Traced) -> Traced { x.tracer.elementary(.tanh, x) }
/// The logistic function `1 / (1 + e⁻ˣ)` (`.sigmoid`).
public func sigmoid(_ x: Traced) -> Traced { x.tracer.elementary(.sigmoid, x) }
/// `√x` (`.sqrt`).
public func sqrt(_ x: Traced) -> Traced { x.tracer.elementary(.sqrt, x) }

/// `x²` (`.square`; the scalar of `c·z` is kept pending as `c²` for `|c²|` in `[2⁻⁸, 2⁸]`).
public func square(_ x: Traced) -> Traced {
  let t = x.tracer
  guard t.accept(x) else { return t.refusal(x) }
  return t.multiply(x.id, x.id)
}

/// `xᵖ` (`.power(p)`; `p = 1` is `x` itself, `p = 2` is `square(x)`). A non-finite
/// `p` is a recorded misuse (`.nonFiniteConstant`).
public func pow(_ x: Traced, _ p: Double) -> Traced {
  let t = x.tracer
  guard t.accept(x) else { return t.refusal(x) }
  guard p.isFinite else {
    t.record(.nonFiniteConstant(variable: t.describe(x), operation: "pow", value: p))
    return Traced(poisonedBy: t)
  }
  if p == 1 { return x }
  if p == 2 { return t.multiply(x.id, x.id) }
  let exponent = t.stageConstant(p)
  return t.unary(.power, payload: exponent, x)
}

/// `Σ_k xs[k]`: one pending affine value over every term of every element (pending
/// elements are flattened, not stored), stored as one `.sum` / `.linear` /
/// `.affine` constraint when needed. An empty array is a misuse, recorded by the
/// trace the result meets (`.emptyTracedReduction`).
///
/// - Complexity: O(total terms).
public func sum(_ xs: [Traced]) -> Traced {
  guard !xs.isEmpty else { return Tracer.emptyReduction("sum") }
  return Tracer.operating(on: xs).combination(xs, weights: nil, operation: "sum")
}

/// `Σ_k w[k]·xs[k]`, as `sum`; `w` and `xs` must have the same length (else
/// `.wrongLength`) and finite weights (else `.nonFiniteConstant` naming `xs[k]`).
///
/// - Complexity: O(total terms).
public func dot(_ w: [Double], _ xs: [Traced]) -> Traced {
  guard !xs.isEmpty else { return Tracer.emptyReduction("dot") }
  let t = Tracer.operating(on: xs)
  guard w.count == xs.count else {
    for x in xs { guard t.accept(x) else { return t.refusal(x) } }
    t.record(.wrongLength(argument: "dot weights", expected: xs.count, actual: w.count))
    return Traced(poisonedBy: t)
  }
  return t.combination(xs, weights: w, operation: "dot")
}

/// `Π_k xs[k]`: one `.product` constraint (scalars of `c·z` elements kept pending
/// while their product stays within `[2⁻⁸, 2⁸]` in magnitude).
///
/// - Complexity: O(xs.count).
public func product(_ xs: [Traced]) -> Traced {
  guard !xs.isEmpty else { return Tracer.emptyReduction("product") }
  return Tracer.operating(on: xs).product(xs)
}

extension Tracer {
  /// `op(x)` after checking `x`.
  @inline(__always)
  func elementary(_ op: OpCode, _ x: Traced) -> Traced {
    guard accept(x) else { return refusal(x) }
    return unary(op, x)
  }

  /// `Σ_k w_k·xs[k]` (`w_k = 1` without weights): one pending value with every
  /// term (no merging of repeated variables: the engine sums repeated arguments).
  func combination(_ xs: [Traced], weights: [Double]?, operation: String) -> Traced {
    var total = 0
    for (k, x) in xs.enumerated() {
      guard accept(x) else { return refusal(x) }
      if let w = weights?[k], !w.isFinite {
        record(.nonFiniteConstant(variable: describe(x), operation: operation, value: w))
        return Traced(poisonedBy: self)
      }
      total &+= termCount(x)
    }
    if xs.count == 1 && weights == nil { return xs[0] }
    // Elements whose coefficients a weight would take out of range are stored first.
    let ids = weights.map { w in xs.indices.map { foldable(xs[$0].id, times: w[$0]) } }
    let start = termIndices.count
    reserveTerms(total)
    var constant = 0.0
    for (k, x) in xs.enumerated() {
      constant += appendTerms(id: ids?[k] ?? x.id, times: weights?[k] ?? 1)
    }
    return finishComposite(start: start, constant: constant, operation: operation, operand: xs[0])
  }

  /// `Π_k xs[k]`.
  func product(_ xs: [Traced]) -> Traced {
    for x in xs { guard accept(x) else { return refusal(x) } }
    if xs.count == 1 { return xs[0] }
    if xs.count == 2 { return multiply(xs[0].id, xs[1].id) }
    var c = 1.0
    var arguments: [Int32] = []
    arguments.reserveCapacity(xs.count)
    for x in xs {
      if let (i, ci) = scaledVariable(x), Tracer.isFoldableScalar(c * ci) {
        c *= ci
        arguments.append(i)
      } else {
        // Not a scaled variable, or its scalar would take the product's too far from 1.
        arguments.append(store(x))
      }
    }
    let i = arguments.withUnsafeBufferPointer { stage(.product, payload: 0, arguments: $0) }
    return scaled(i, by: c, operation: "product", operand: xs[0].id)
  }
}
