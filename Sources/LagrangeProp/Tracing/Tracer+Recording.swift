import Foundation

/// How the tracer checks operands, records misuse and stores values in its graph
/// (pending affine values: `Tracer+PendingValues.swift`).
extension Tracer {
  /// A closed tracer that owns the poisoned results of reductions over no values
  /// (`sum([])`), which have no tracer of their own; their `id` is the function's
  /// index in `reductionNames`.
  nonisolated(unsafe) static let empty: Tracer = {
    let tracer = Tracer(inputNames: [])
    tracer.isOpen = false
    return tracer
  }()

  static let reductionNames = ["sum", "product", "dot"]

  /// The poisoned result of a reduction (`sum`, `product`, `dot`) over no values.
  static func emptyReduction(_ function: String) -> Traced {
    let code = reductionNames.firstIndex(of: function) ?? 0
    return Traced(variable: Int32(code), tracer: Tracer.empty)
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
      let code = Int(value.id)
      let name =
        code >= 0 && code < Tracer.reductionNames.count ? Tracer.reductionNames[code] : "sum"
      record(.emptyTracedReduction(function: name))
    } else {
      record(.foreignTraced(variable: value.tracer.describe(value)))
    }
  }

  /// The result of an operation that refused `value`: a poisoned value of this
  /// tracer — or, when this tracer has returned and `value` is one of its own,
  /// `value` itself, so that a value computed from a stale one stays stale and
  /// keeps the name it had in its trace (`exp(stale) * y` names the variable of
  /// `stale`, not an invalid value).
  @inline(never)
  func refusal(_ value: Traced) -> Traced {
    isOpen || value.tracer !== self ? Traced(poisonedBy: self) : value
  }

  /// The tracer a reduction over `values` records in: the latest open tracer among
  /// theirs (the one whose body is running), else the first value's.
  ///
  /// - Precondition: `values` is not empty.
  /// - Complexity: O(values.count).
  static func operating(on values: [Traced]) -> Tracer {
    var chosen = values[0].tracer
    for value in values.dropFirst() where value.tracer !== chosen {
      let t = value.tracer
      if t.isOpen && (!chosen.isOpen || t.serial > chosen.serial) { chosen = t }
    }
    return chosen
  }

  /// A fresh `serial`.
  static func nextSerial() -> UInt64 {
    serialLock.lock()
    defer { serialLock.unlock() }
    serialCounter &+= 1
    return serialCounter
  }

  private static let serialLock = NSLock()
  nonisolated(unsafe) private static var serialCounter: UInt64 = 0

  /// Whether two operands belong to one open tracer and neither is poisoned (the
  /// fast path of every binary operator: no reference is copied).
  @inline(__always)
  static func bothValid(_ a: Traced, _ b: Traced) -> Bool {
    a.tracer === b.tracer && a.tracer.isOpen && !a.isPoisoned && !b.isPoisoned
  }

  /// The poisoned result of a binary operation whose operands `bothValid` refused,
  /// after recording the misuse (out of line).
  @inline(never)
  static func refused(_ a: Traced, _ b: Traced) -> Traced {
    let t = common(a, b).tracer
    if t.isOpen { return Traced(poisonedBy: t) }
    // Both stale: the result stays stale, under the name of a valid operand.
    return a.isPoisoned ? b : a
  }

  /// The common tracer of two operands and whether both may be used. With values
  /// of two traces, the operation belongs to the open one — of two open ones, the
  /// later, whose body is running (a trace inside another's body) — which records
  /// the other's value; the outer trace is not blamed for its inner trace's misuse.
  @inline(__always)
  static func common(_ a: Traced, _ b: Traced) -> (tracer: Tracer, valid: Bool) {
    if a.tracer === b.tracer {
      let t = a.tracer
      return (t, t.isOpen && !a.isPoisoned && !b.isPoisoned)
    }
    let aOpen = a.tracer.isOpen
    let bOpen = b.tracer.isOpen
    if aOpen && (!bOpen || a.tracer.serial > b.tracer.serial) {
      _ = a.tracer.accept(b)
      return (a.tracer, false)
    }
    if bOpen { _ = b.tracer.accept(a) }
    return (bOpen ? b.tracer : a.tracer, false)
  }

  /// A name for `value` in messages: the variable's name, or the variables of a
  /// pending affine value.
  func describe(_ value: Traced) -> String { describe(id: value.id) }

  /// `describe` of the value of this tracer with number `id` (see `Traced.id`).
  func describe(id: Int32) -> String {
    if id == -1 { return "(invalid value)" }
    if id >= 0 { return graph.name(ofIndex: Int(id)) }
    let c = Int(-id - 2)
    if c < compositeStored.count && compositeStored[c] >= 0 {
      return graph.name(ofIndex: Int(compositeStored[c]))
    }
    guard c + 1 < compositeStart.count else { return "pending affine value" }
    let terms = compositeStart[c]..<compositeStart[c + 1]
    let shown = terms.prefix(3).map { "'\(graph.name(ofIndex: Int(termIndices[$0])))'" }
    let more = terms.count > 3 ? ", …" : ""
    return "affine expression in \(shown.joined(separator: ", "))\(more)"
  }

  // MARK: - Storing values

  /// The declaration index of the variable holding `value`: a variable itself, or a
  /// pending value stored now (one `.sum` / `.linear` / `.affine` constraint) or earlier.
  ///
  /// - Precondition: `accept(value)`.
  @inline(__always)
  func store(_ value: Traced) -> Int32 { store(id: value.id) }

  /// `store` of the value numbered `id` (not poisoned).
  @inline(__always)
  func store(id: Int32) -> Int32 {
    if id >= 0 { return id }
    let c = Int(-id - 2)
    let stored = compositeStored[c]
    if stored >= 0 { return stored }
    let i = withAffine(id: id) { op, payload, arguments in
      stage(op, payload: payload, arguments: arguments)
    }
    compositeStored[c] = i
    // Read as its variable from now on: the terms of the newest pending value,
    // last in the buffers, are dropped, and the space goes to the next one.
    let start = compositeStart[c]
    if c + 2 == compositeStart.count && compositeStart[c + 1] == termIndices.count {
      termIndices.removeLast(termIndices.count - start)
      termCoefficients.removeLast(termCoefficients.count - start)
      compositeStart[c + 1] = start
    }
    return i
  }

  /// Calls `body` with the encoding of the affine function `value` — `.sum` when
  /// every coefficient is 1 and there is no constant, `.linear` without a constant,
  /// `.affine` otherwise; its constants appended to the graph — and its arguments.
  @inline(__always)
  func withAffine<R>(
    id: Int32, _ body: (OpCode, Int32, UnsafeBufferPointer<Int32>) -> R
  ) -> R {
    let id = resolved(id)
    if id >= 0 {
      var i = id
      return withUnsafePointer(to: &i) { body(.sum, 0, UnsafeBufferPointer(start: $0, count: 1)) }
    }
    let c = Int(-id - 2)
    let terms = compositeStart[c]..<compositeStart[c + 1]
    let constant = compositeConstant[c]
    var unit = constant == 0
    for k in terms where termCoefficients[k] != 1 {
      unit = false
      break
    }
    var op = OpCode.sum
    var payload: Int32 = 0
    if !unit {
      payload = nextConstantIndex
      stagedConstants.reserve(terms.count + 1)
      if constant != 0 { stagedConstants.append(constant) }
      for k in terms { stagedConstants.append(termCoefficients[k]) }
      op = constant != 0 ? .affine : .linear
    }
    return termIndices.withBuffer(terms) { body(op, payload, $0) }
  }

  /// Records `variable = value` (`.assignment`) or `value = 0` (`.residual`) for an unknown.
  func setConstraint(of variable: Traced, role: ConstraintRole, _ value: Traced) {
    guard accept(variable) else { return }
    guard accept(value) else { return }
    guard variable.isVariable, unknownIndices.contains(variable.id) else {
      record(.notAnUnknown(variable: describe(variable)))
      return
    }
    let i = Int(variable.id)
    do {
      try graph.checkUndefined(i)
    } catch {
      record(error)
      return
    }
    // The unknown's slot in the graph is filled in place when it is the last
    // variable there: nothing may be staged after it.
    flushStaged()
    withAffine(id: value.id) { op, payload, arguments in
      graph.setRecordedConstraint(
        of: i, role: role, op, payload: payload, arguments: arguments)
    }
    flushStaged()  // the constants `withAffine` staged; the argument pool grew
    // The unknown now holds the value: later uses of it read the unknown.
    if role == .assignment && !value.isVariable && compositeStored[value.composite] < 0 {
      compositeStored[value.composite] = variable.id
    }
  }

  // MARK: - Recording operations

  /// `op(value)`: one constraint on the variable holding `value`.
  @inline(__always)
  func unary(_ op: OpCode, payload: Int32 = 0, _ value: Traced) -> Traced {
    let u = store(value)
    return Traced(variable: stage(op, payload: payload, u), tracer: self)
  }

  /// `c·z_i` (the variable itself when `c = 1`); a non-finite `c` is recorded as
  /// `.nonFiniteConstant` naming `operand`.
  @inline(__always)
  func scaled(_ i: Int32, by c: Double, operation: String, operand: Int32) -> Traced {
    if c == 1 { return Traced(variable: i, tracer: self) }
    let start = termIndices.count
    reserveTerms(1)
    termIndices.append(i)
    termCoefficients.append(c)
    if !c.isFinite { madeNonFiniteTerm = true }
    return finishComposite(start: start, constant: 0, operation: operation, operand: operand)
  }

  /// `a + s·b` (`s = ±1`), folded into one pending affine value.
  func add(_ a: Int32, _ b: Int32, scale s: Double, operation: String) -> Traced {
    // Resolved once: a stored pending value is read as its variable from here on.
    let a = limited(resolved(a))
    let b = limited(resolved(b))
    let start = termIndices.count
    reserveTerms(termCount(id: a) + termCount(id: b))
    var constant = appendTerms(id: a, times: 1)
    constant += appendTerms(id: b, times: s, mergingFrom: start)
    return finishComposite(start: start, constant: constant, operation: operation, operand: a)
  }

  /// `c·a + d` (one pending value); the user's constant `given` is recorded as
  /// `.nonFiniteConstant` if it is not finite.
  func affine(_ a: Traced, times c: Double, plus d: Double, operation: String, given: Double)
    -> Traced
  {
    guard given.isFinite else {
      record(.nonFiniteConstant(variable: describe(a), operation: operation, value: given))
      return Traced(poisonedBy: self)
    }
    if c == 1 && d == 0 { return a }
    let a = foldable(limited(a.id), times: c)
    let start = termIndices.count
    reserveTerms(termCount(id: a))
    let constant = appendTerms(id: a, times: c) + d
    return finishComposite(start: start, constant: constant, operation: operation, operand: a)
  }

  /// `a·b`: one `.product` (or `.square`) constraint on the variables, scalar
  /// factors of `c·z` operands kept pending while their product is a foldable
  /// scalar (`isFoldableScalar`).
  func multiply(_ a: Int32, _ b: Int32) -> Traced {
    let (u, w, c) = operands(a, b, scalar: *)
    let node = u == w ? stage(.square, u) : stage(.product, u, w)
    return scaled(node, by: c, operation: "*", operand: a)
  }

  /// `a/b`: one `.quotient` constraint on the variables, the scalars of `c·z`
  /// operands kept pending as their quotient while that is foldable.
  func divide(_ a: Int32, _ b: Int32) -> Traced {
    let (u, w, c) = operands(a, b, scalar: /)
    return scaled(stage(.quotient, u, w), by: c, operation: "/", operand: a)
  }

  /// The variables a product or quotient of `a` and `b` reads, and the scalar
  /// `combine(c_a, c_b)` kept pending outside it: the scalars of `c·z` operands
  /// while that is foldable (`isFoldableScalar`), else the operands stored and 1
  /// (a scalar this far from 1 would move the stored value and its partials that
  /// far from those of the program as written).
  @inline(__always)
  private func operands(_ a: Int32, _ b: Int32, scalar combine: (Double, Double) -> Double)
    -> (Int32, Int32, Double)
  {
    let (u, ca) = scaledVariable(id: a) ?? (store(id: a), 1)
    let (w, cb) = scaledVariable(id: b) ?? (store(id: b), 1)
    let c = combine(ca, cb)
    return Tracer.isFoldableScalar(c) ? (u, w, c) : (store(id: a), store(id: b), 1)
  }

  /// `c/a` as one `.quotient` of a variable holding `c` (`.affine(c, [0])` of `a`,
  /// whose partial 0 carries nothing) by `a`: for a constant far from 1, whose
  /// product with `a⁻¹`'s partial `−1/a²` could underflow or overflow where the
  /// quotient's partial `−(c/a)/a` does not (`1e-250 / x` at `x = 1`, `1e300 / x`
  /// at `x = 1e200`).
  func constant(_ c: Double, over a: Int32) -> Traced {
    let u = store(id: a)
    let holder = stageConstant(c)
    _ = stageConstant(0)
    let numerator = stage(.affine, payload: holder, u)
    return Traced(variable: stage(.quotient, numerator, u), tracer: self)
  }

  /// Whether a scalar may be kept pending outside a product or a reciprocal: its
  /// magnitude within `[2⁻⁸, 2⁸]`. Folding `c` out moves the stored variable (and
  /// its partials) by the factor `c` from the program as written — `(c·x)·y`
  /// stores `x·y`, `1/(c·y)` stores `1/y` with the partial `−1/y²` — so that a
  /// far scalar could make an intermediate overflow, or underflow to a silent
  /// zero, where the written program does not (`(x·1e200)/(y·1e-200)` at
  /// `x = 1e-100, y = 1e200` had `∂/∂y = 0`, not `−1e-100`). Within `2^±8` that can happen
  /// only within `2⁸` of the range's ends, where the written program is as close.
  @inline(__always)
  static func isFoldableScalar(_ c: Double) -> Bool {
    let m = c.magnitude
    return m >= 0x1p-8 && m <= 0x1p8
  }

  /// `1/a`: one `.power(-1)` constraint (the scalar of a `c·z` operand kept
  /// pending when its reciprocal is foldable, `isFoldableScalar`).
  func reciprocal(_ a: Int32) -> Traced {
    var c = 1.0
    let u: Int32
    if let (i, ci) = scaledVariable(id: a), Tracer.isFoldableScalar(1 / ci) {
      c = 1 / ci
      u = i
    } else {
      u = store(id: a)
    }
    let exponent = stageConstant(-1)
    let node = stage(.power, payload: exponent, u)
    return scaled(node, by: c, operation: "/", operand: a)
  }

  /// Ends the trace: values made by it are refused from now on, the graph's
  /// storage is released and the pending values' buffers go to the next trace
  /// (`RecycledStorage`, with the graph's sizes); the names stay, for messages
  /// about stale values, and where pending values were stored, for
  /// `Traced.variable`. The tracer itself is freed with the last `Traced` that
  /// refers to it.
  func close() {
    flushStaged()
    isOpen = false
    inputs = []  // they hold the tracer: keeping them would keep it alive forever
    let pool = RecycledStorage.shared
    // The staging blocks go to the next trace too: grown afresh, each would take
    // several `realloc`s per trace (4 % of a 1 000-step trace's instructions).
    stagedOpCodes.recycle(into: pool, slot: 4)
    stagedPayloads.recycle(into: pool, slot: 5)
    stagedArgumentEnds.recycle(into: pool, slot: 6)
    stagedArguments.recycle(into: pool, slot: 7)
    stagedConstants.recycle(into: pool, slot: 8)
    pool.noteGraphShape(
      GraphShape(
        variables: graph.opCodes.count, arguments: graph.argumentPool.count,
        constants: graph.constants.count))
    graph.releaseStorage()
    unknownIndices = []
    termIndices.recycle(into: pool, slot: 0)
    termCoefficients.recycle(into: pool, slot: 1)
    compositeStart.recycle(into: pool, slot: 2)
    compositeConstant.recycle(into: pool, slot: 3)
  }
}
