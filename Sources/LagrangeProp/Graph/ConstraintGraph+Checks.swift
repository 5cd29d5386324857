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
  /// not declared yet), storing its constants in the table (`constantBlock`).
  mutating func encode(_ function: LocalFunction, variable i: Int, name: String?)
    throws(LagrangePropError) -> (OpCode, Int32)
  {
    func allFinite(_ values: [Double], _ extra: Double = 0) -> Bool {
      extra.isFinite && !values.contains(where: { !$0.isFinite })
    }
    switch function.kind {
    case .exp, .log, .sin, .cos, .tanh, .sigmoid, .square, .sqrt, .sum, .product, .quotient:
      return (function.kind.opCode, 0)
    case .power(let p):
      guard p.isFinite else { throw nonFiniteConstantError(function, variable: i, name: name) }
      return (.power, constantBlock(head: p, []))
    case .linear(let c):
      guard allFinite(c) else { throw nonFiniteConstantError(function, variable: i, name: name) }
      return (.linear, constantBlock(head: nil, c))
    case .affine(let c0, let c):
      guard allFinite(c, c0) else {
        throw nonFiniteConstantError(function, variable: i, name: name)
      }
      return (.affine, constantBlock(head: c0, c))
    case .custom(let f):
      customs.append(f)
      return (.custom, Int32(truncatingIfNeeded: customs.count - 1))
    }
  }

  /// The offset in `constants` of a block holding `head` (if any) and then `tail`:
  /// the last block appended when it holds the same bits (so a loop defining with
  /// one `LocalFunction`, or with equal literals, stores its constants once), else a
  /// block appended now. Sharing is safe: `constants` only grows.
  ///
  /// - Complexity: amortised O(`tail.count`).
  mutating func constantBlock(head: Double?, _ tail: [Double]) -> Int32 {
    let count = tail.count + (head == nil ? 0 : 1)
    let last = lastConstantBlock
    if last.count == count && last.start + count <= constants.count {
      let same = constants.withUnsafeBufferPointer { stored in
        var k = last.start
        if let head {
          guard stored[k].bitPattern == head.bitPattern else { return false }
          k += 1
        }
        for c in tail {
          guard stored[k].bitPattern == c.bitPattern else { return false }
          k += 1
        }
        return true
      }
      if same { return Int32(truncatingIfNeeded: last.start) }
    }
    let start = constants.count
    reserveAhead(&constants, adding: count)
    if let head { constants.append(head) }
    tail.withUnsafeBufferPointer { appendReserved(&constants, $0) }
    lastConstantBlock = (start, count)
    return Int32(truncatingIfNeeded: start)
  }
}
