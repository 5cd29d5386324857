/// How the tracer checks operands, records misuse and stores values in its graph.
extension Tracer {
  /// A closed tracer that owns the poisoned results of reductions over no values
  /// (`sum([])`), which have no tracer of their own.
  nonisolated(unsafe) static let empty: Tracer = {
    let tracer = Tracer(inputNames: [])
    tracer.isOpen = false
    return tracer
  }()

  /// A fresh serial for a composite value.
  @inline(__always)
  func drawSerial() -> UInt64 {
    lastSerial &+= 1
    return lastSerial
  }

  /// Records `error` unless an earlier misuse was recorded.
  func record(_ error: LagrangePropError) {
    if isOpen && firstError == nil { firstError = error }
  }

  /// Whether `value` may be used by this (open) tracer; a value of another trace
  /// is recorded as `.foreignTraced` (or, for a reduction over no values,
  /// `.emptyTracedReduction`). Poisoned values are refused silently: their misuse
  /// is already recorded.
  @inline(__always)
  func accept(_ value: Traced) -> Bool {
    if value.tracer === self { return isOpen && !value.isPoisoned }
    refuseForeign(value)
    return false
  }

  private func refuseForeign(_ value: Traced) {
    if value.tracer === Tracer.empty {
      record(.emptyTracedReduction(function: Tracer.reductionName(value.serial)))
    } else {
      record(.foreignTraced(variable: value.tracer.describe(value)))
    }
  }

  /// The poisoned result of a reduction (`sum`, `product`, `dot`) over no values.
  static func emptyReduction(_ function: String) -> Traced {
    var value = Traced(poisonedBy: Tracer.empty)
    value.serial = reductionNames.firstIndex(of: function).map { UInt64($0) } ?? 0
    return value
  }

  private static let reductionNames = ["sum", "product", "dot"]

  private static func reductionName(_ code: UInt64) -> String {
    code < reductionNames.count ? reductionNames[Int(code)] : "reduction"
  }

  /// The common tracer of two operands, or `nil` (misuse recorded) with the tracer
  /// that should own the poisoned result.
  @inline(__always)
  static func common(_ a: Traced, _ b: Traced) -> (tracer: Tracer, valid: Bool) {
    if a.tracer === b.tracer {
      let t = a.tracer
      return (t, t.isOpen && !a.isPoisoned && !b.isPoisoned)
    }
    // Values of two traces: each open tracer records the other's value.
    let aOpen = a.tracer.isOpen
    if aOpen { _ = a.tracer.accept(b) }
    if b.tracer.isOpen { _ = b.tracer.accept(a) }
    return (aOpen ? a.tracer : b.tracer, false)
  }

  /// A name for `value` in messages: the variable's name, or the variables of a
  /// pending affine value.
  func describe(_ value: Traced) -> String {
    if value.isPoisoned { return "(invalid value)" }
    if value.isPlain { return graph.name(ofIndex: Int(value.indices[0])) }
    let shown = (0..<min(Int(value.count), 3)).map { "'\(graph.name(ofIndex: Int(value.indices[$0])))'" }
    let more = value.count > 3 ? ", …" : ""
    return "affine expression in \(shown.joined(separator: ", "))\(more)"
  }

  // MARK: - Storing values

  /// The declaration index of the variable holding `value` (a plain variable, or a
  /// composite value stored now or earlier).
  ///
  /// - Precondition: `accept(value)`.
  @inline(__always)
  func store(_ value: Traced) -> Int32 {
    if value.isPlain { return value.indices[0] }
    let slot = Int(value.serial & UInt64(Tracer.storeCacheSize - 1))
    if storedSerials[slot] == value.serial { return storedIndices[slot] }
    let (op, payload, offset, count) = appendTerms(of: value)
    let i = graph.appendRecordedAssignment(op, payload: payload, offset: offset, count: count)
    remember(value, at: i)
    return i
  }

  /// The stored variable of a composite value, if it was stored (and not evicted).
  func storedIndex(of value: Traced) -> Int32? {
    if value.isPlain { return value.indices[0] }
    let slot = Int(value.serial & UInt64(Tracer.storeCacheSize - 1))
    return storedSerials[slot] == value.serial ? storedIndices[slot] : nil
  }

  /// Remembers that the composite `value` is held by variable `i`.
  @inline(__always)
  func remember(_ value: Traced, at i: Int32) {
    guard value.serial != 0 else { return }
    let slot = Int(value.serial & UInt64(Tracer.storeCacheSize - 1))
    storedSerials[slot] = value.serial
    storedIndices[slot] = i
  }

  /// Appends the arguments (and constants) of the affine function of `value` and
  /// returns its encoding: `.sum` when every coefficient is 1 and there is no
  /// constant, `.linear` without a constant, `.affine` otherwise.
  @inline(__always)
  func appendTerms(of value: Traced) -> (OpCode, Int32, Int, Int) {
    let n = Int(value.count)
    let offset = graph.argumentPool.count
    var unit = value.constant == 0
    for k in 0..<n {
      graph.argumentPool.append(value.indices[k])
      if value.coefficients[k] != 1 { unit = false }
    }
    if unit { return (.sum, 0, offset, n) }
    let start = Int32(truncatingIfNeeded: graph.constants.count)
    if value.constant != 0 { graph.constants.append(value.constant) }
    for k in 0..<n { graph.constants.append(value.coefficients[k]) }
    return (value.constant != 0 ? .affine : .linear, start, offset, n)
  }

  /// Records `variable = value` (`.assignment`) or `value = 0` (`.residual`) for an unknown.
  func setConstraint(of variable: Traced, role: ConstraintRole, _ value: Traced) {
    guard accept(variable) else { return }
    guard accept(value) else { return }
    guard variable.isPlain, unknownIndices.contains(variable.indices[0]) else {
      record(.notAnUnknown(variable: describe(variable)))
      return
    }
    let i = Int(variable.indices[0])
    do {
      try graph.checkUndefined(i)
    } catch {
      record(error)
      return
    }
    let (op, payload, offset, count) = appendTerms(of: value)
    graph.setRecordedConstraint(
      of: i, role: role, op, payload: payload, offset: offset, count: count)
    if role == .assignment { remember(value, at: Int32(truncatingIfNeeded: i)) }
  }

  // MARK: - Recording operations

  /// `op(value)`: one constraint on the variable holding `value`.
  @inline(__always)
  func unary(_ op: OpCode, payload: Int32 = 0, _ value: Traced) -> Traced {
    let u = store(value)
    return Traced(variable: graph.appendRecordedAssignment(op, payload: payload, u), tracer: self)
  }

  /// `c·z_i` (the variable itself when `c = 1`); a non-finite `c` is recorded as
  /// `.nonFiniteConstant` naming `operand`.
  @inline(__always)
  func scaled(_ i: Int32, by c: Double, operation: String, operand: Traced) -> Traced {
    var value = Traced(variable: i, tracer: self)
    if c != 1 {
      guard c.isFinite else {
        record(.nonFiniteConstant(variable: describe(operand), operation: operation, value: c))
        return Traced(poisonedBy: self)
      }
      value.coefficients[0] = c
      value.serial = drawSerial()
    }
    return value
  }

  /// A composite value with a fresh serial, or a poisoned one if a coefficient or
  /// the constant is not finite (recorded as `.nonFiniteConstant` naming `operand`).
  @inline(__always)
  func composite(
    _ indices: SIMD8<Int32>, _ coefficients: SIMD8<Double>, constant: Double, count: Int32,
    operation: String, operand: Traced
  ) -> Traced {
    var bad: Double?
    for k in 0..<Int(count) where bad == nil && !coefficients[k].isFinite { bad = coefficients[k] }
    if bad == nil && !constant.isFinite { bad = constant }
    if let bad {
      record(.nonFiniteConstant(variable: describe(operand), operation: operation, value: bad))
      return Traced(poisonedBy: self)
    }
    return Traced(
      tracer: self, indices: indices, coefficients: coefficients, constant: constant, count: count)
  }

  /// `a + s·b` as one pending value if the terms fit, else `nil`.
  @inline(__always)
  static func merged(_ a: Traced, _ b: Traced, scale s: Double) -> (
    SIMD8<Int32>, SIMD8<Double>, Int32
  )? {
    var indices = a.indices
    var coefficients = a.coefficients
    var n = Int(a.count)
    for k in 0..<Int(b.count) {
      let i = b.indices[k]
      var found = false
      for j in 0..<n where indices[j] == i {
        coefficients[j] += s * b.coefficients[k]
        found = true
        break
      }
      if !found {
        guard n < Int(Traced.capacity) else { return nil }
        indices[n] = i
        coefficients[n] = s * b.coefficients[k]
        n += 1
      }
    }
    return (indices, coefficients, Int32(n))
  }

  /// `a + s·b` (`s = ±1`), folded into one pending affine value; when the terms do
  /// not fit, the larger operand is stored first.
  func add(_ a: Traced, _ b: Traced, scale s: Double, operation: String) -> Traced {
    var a = a
    var b = b
    while true {
      if let (indices, coefficients, n) = Tracer.merged(a, b, scale: s) {
        return composite(
          indices, coefficients, constant: a.constant + s * b.constant, count: n,
          operation: operation, operand: a)
      }
      if a.count >= b.count && !a.isPlain {
        a = Traced(variable: store(a), tracer: self)
      } else {
        b = Traced(variable: store(b), tracer: self)
      }
    }
  }

  /// `a·c + d` for constants `c`, `d`.
  /// `c·a + d` for finite constants `c`, `d` (one pending value); the user's
  /// constant `given` is recorded as `.nonFiniteConstant` if it is not finite.
  func affine(_ a: Traced, times c: Double, plus d: Double, operation: String, given: Double)
    -> Traced
  {
    guard given.isFinite else {
      record(.nonFiniteConstant(variable: describe(a), operation: operation, value: given))
      return Traced(poisonedBy: self)
    }
    if c == 1 && d == 0 { return a }
    return composite(
      a.indices, a.coefficients * c, constant: a.constant * c + d, count: a.count,
      operation: operation, operand: a)
  }

  /// `a·b`: one `.product` (or `.square`) constraint on the variables, scalar
  /// factors of `c·z` operands kept pending.
  func multiply(_ a: Traced, _ b: Traced) -> Traced {
    var c = 1.0
    let u: Int32
    if a.isScaledVariable {
      c *= a.coefficients[0]
      u = a.indices[0]
    } else {
      u = store(a)
    }
    let w: Int32
    if b.isScaledVariable {
      c *= b.coefficients[0]
      w = b.indices[0]
    } else {
      w = store(b)
    }
    let node =
      u == w
      ? graph.appendRecordedAssignment(.square, u)
      : graph.appendRecordedAssignment(.product, u, w)
    return scaled(node, by: c, operation: "*", operand: a)
  }

  /// `1/a`: one `.power(-1)` constraint (the scalar of a `c·z` operand kept pending).
  func reciprocal(_ a: Traced) -> Traced {
    var c = 1.0
    let u: Int32
    if a.isScaledVariable {
      c = 1 / a.coefficients[0]
      u = a.indices[0]
    } else {
      u = store(a)
    }
    let node = graph.appendRecordedAssignment(.power, payload: graph.appendConstant(-1), u)
    return scaled(node, by: c, operation: "/", operand: a)
  }
}
