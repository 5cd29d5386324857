/// The checks and encodings behind `define` and `constrain`: handles, arities,
/// constants, the argument-list limit, and the op code and payload of a
/// `LocalFunction`. Errors are built out of line, so that the hot path never
/// copies the graph to name a variable.
extension ConstraintGraph {
  /// Throws unless variable `i` was declared with `unknown` and has no constraint yet.
  func checkUndefined(_ i: Int) throws(LagrangePropError) {
    if undefined.contains(Int32(truncatingIfNeeded: i)) { return }
    if opCodes[i] == .input { throw .cannotDefineInput(variable: name(ofIndex: i)) }
    throw .definedTwice(variable: name(ofIndex: i))
  }

  func checkArity(_ function: LocalFunction, count: Int, variable i: Int, name: String?)
    throws(LagrangePropError)
  {
    guard function.accepts(argumentCount: count) else {
      throw arityError(function, count: count, variable: i, name: name)
    }
  }

  /// `.wrongArity` for variable `i` (out of line: the hot path never copies the graph for it).
  @inline(never)
  func arityError(_ function: LocalFunction, count: Int, variable i: Int, name: String?)
    -> LagrangePropError
  {
    .wrongArity(
      variable: name ?? self.name(ofIndex: i), function: function.name,
      expected: function.arityDescription, actual: count)
  }

  /// `.invalidFunction` for a non-finite constant of variable `i` (out of line).
  @inline(never)
  func nonFiniteConstantError(_ function: LocalFunction, variable i: Int, name: String?)
    -> LagrangePropError
  {
    .invalidFunction(
      variable: name ?? self.name(ofIndex: i), function: function.name,
      reason: "constants must be finite")
  }

  /// Throws `.resultTooLarge` unless `count` more arguments keep every argument
  /// list offset within `Int32`.
  @inline(__always)
  func checkEdgeRoom(_ count: Int) throws(LagrangePropError) {
    let total = argumentPool.count + latePool.count + count
    if total > Int(Int32.max) { throw Self.edgeLimitError(total: total) }
  }

  /// `.resultTooLarge` for argument lists of `total` entries (more than `Int32.max`).
  @inline(never)
  static func edgeLimitError(total: Int) -> LagrangePropError {
    .resultTooLarge(
      quantity: "the constraints' argument lists (\(total) entries, at most \(Int32.max))",
      bytes: total &* MemoryLayout<Int32>.stride,
      limit: Int(Int32.max) * MemoryLayout<Int32>.stride)
  }

  /// Appends the indices of `arguments` to `argumentPool` (checked handles).
  @inline(__always)
  mutating func appendArguments(_ arguments: UnsafeBufferPointer<Variable>) {
    let count = arguments.count
    reserveAhead(&argumentPool, adding: count)
    if count <= 8 {
      for a in arguments { argumentPool.append(Int32(truncatingIfNeeded: a.index)) }
      return
    }
    withUnsafeTemporaryAllocation(of: Int32.self, capacity: count) { buffer in
      for k in 0..<count { buffer[k] = Int32(truncatingIfNeeded: arguments[k].index) }
      argumentPool.append(contentsOf: UnsafeBufferPointer(buffer))
    }
  }

  /// The op code and payload of `function` for variable `i` (named `name` if it is
  /// not declared yet), appending its constants to the table.
  mutating func encode(_ function: LocalFunction, variable i: Int, name: String?)
    throws(LagrangePropError) -> (OpCode, Int32)
  {
    func allFinite(_ values: [Double], _ extra: Double = 0) -> Bool {
      extra.isFinite && !values.contains(where: { !$0.isFinite })
    }
    let start = Int32(truncatingIfNeeded: constants.count)
    switch function.kind {
    case .exp, .log, .sin, .cos, .tanh, .sigmoid, .square, .sqrt, .sum, .product:
      return (function.kind.opCode, 0)
    case .power(let p):
      guard p.isFinite else { throw nonFiniteConstantError(function, variable: i, name: name) }
      reserveAhead(&constants)
      constants.append(p)
      return (.power, start)
    case .linear(let c):
      guard allFinite(c) else { throw nonFiniteConstantError(function, variable: i, name: name) }
      reserveAhead(&constants, adding: c.count)
      c.withUnsafeBufferPointer { appendReserved(&constants, $0) }
      return (.linear, start)
    case .affine(let c0, let c):
      guard allFinite(c, c0) else {
        throw nonFiniteConstantError(function, variable: i, name: name)
      }
      reserveAhead(&constants, adding: c.count + 1)
      constants.append(c0)
      c.withUnsafeBufferPointer { appendReserved(&constants, $0) }
      return (.affine, start)
    case .custom(let f):
      customs.append(f)
      return (.custom, Int32(truncatingIfNeeded: customs.count - 1))
    }
  }
}
