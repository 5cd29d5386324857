/// The graph's unchecked append path, for front ends of this module (the tracer)
/// that build their arguments from handles they already know to be valid: no
/// `Variable` arrays, no `LocalFunction` values, no name strings.
extension ConstraintGraph {
  /// Appends an unnamed assignment `z = op(argumentPool[offset ..< offset + count])`,
  /// whose arguments the caller has already appended to `argumentPool`, and returns
  /// its declaration index.
  ///
  /// - Precondition (caller's): the arguments are indices of this graph, the op code
  ///   accepts `count` arguments and the payload's constants are finite.
  /// - Complexity: amortised O(1).
  @inline(__always)
  mutating func appendRecordedAssignment(_ op: OpCode, payload: Int32, offset: Int, count: Int)
    -> Int32
  {
    let index = appendVariable(
      name: nil, role: .assignment, op: op, payload: payload, offset: offset, count: count
    ).index
    return Int32(truncatingIfNeeded: index)
  }

  /// Appends `z = op(a)` (unnamed, unchecked) and returns its declaration index.
  @inline(__always)
  mutating func appendRecordedAssignment(_ op: OpCode, payload: Int32 = 0, _ a: Int32) -> Int32 {
    let offset = argumentPool.count
    reserveAhead(&argumentPool)
    argumentPool.append(a)
    return appendRecordedAssignment(op, payload: payload, offset: offset, count: 1)
  }

  /// Appends `z = op(a, b)` (unnamed, unchecked) and returns its declaration index.
  @inline(__always)
  mutating func appendRecordedAssignment(_ op: OpCode, payload: Int32 = 0, _ a: Int32, _ b: Int32)
    -> Int32
  {
    let offset = argumentPool.count
    reserveAhead(&argumentPool, adding: 2)
    argumentPool.append(a)
    argumentPool.append(b)
    return appendRecordedAssignment(op, payload: payload, offset: offset, count: 2)
  }

  /// Appends one constant to the table and returns its index (a payload).
  @inline(__always)
  mutating func appendConstant(_ c: Double) -> Int32 {
    reserveAhead(&constants)
    constants.append(c)
    return Int32(truncatingIfNeeded: constants.count - 1)
  }

  /// Gives the undefined variable `i` the constraint `op(argumentPool[offset ..< offset + count])`
  /// of the given role, the arguments already appended by the caller (unchecked, as
  /// `appendRecordedAssignment`).
  ///
  /// - Precondition (caller's): `checkUndefined(i)` passed.
  mutating func setRecordedConstraint(
    of i: Int, role: ConstraintRole, _ op: OpCode, payload: Int32, offset: Int, count: Int
  ) {
    if argumentOffset[i] != offset || i != roles.count - 1 { argumentsInDeclarationOrder = false }
    roles[i] = role
    opCodes[i] = op
    payloads[i] = payload
    argumentOffset[i] = offset
    argumentCount[i] = Int32(truncatingIfNeeded: count)
  }

  /// Frees the constraint storage, keeping the identity, the names and the roles
  /// (enough to name variables in messages); the graph cannot be compiled afterwards.
  mutating func releaseStorage() {
    opCodes = []
    payloads = []
    argumentOffset = []
    argumentCount = []
    argumentPool = []
    constants = []
    customs = []
  }
}
