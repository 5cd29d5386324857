/// The graph's storage appends, shared by `define` and by front ends of this
/// module (the tracer) that build their arguments from indices they already
/// know to be valid: no `Variable` arrays, no `LocalFunction` values, no names.
extension ConstraintGraph {
  /// Appends a variable whose constraint's arguments (none for `.input`: an input
  /// or an unknown) were just appended to `argumentPool`, forking the identity
  /// first if a copy of this graph shares it.
  ///
  /// - Complexity: amortised O(1).
  @inline(__always)
  mutating func appendVariable(name: String?, op: OpCode, payload: Int32) -> Variable {
    let index = opCodes.count
    if !isKnownUniquelyReferenced(&identity) {
      identity = GraphIdentity(forkedFrom: identity, count: index)
    }
    if let name { setName(name, ofIndex: index) }
    if index == opCodes.capacity || index == payloads.capacity
      || index + 1 == argumentStart.capacity
    {
      growRows()
    }
    opCodes.append(op)
    payloads.append(payload)
    argumentStart.append(Int32(truncatingIfNeeded: argumentPool.count))
    return Variable(index, graph: identity.id)
  }

  /// Grows the per-variable arrays together (see `reserveAhead`).
  @inline(never)
  mutating func growRows() {
    let needed = opCodes.count + 1
    growAhead(&opCodes, needed: needed)
    growAhead(&payloads, needed: needed)
    growAhead(&argumentStart, needed: needed + 1)
  }

  /// Keeps the running figures `compile` reads (the largest fan-in, the number of
  /// trigonometric constraints) up to date for a new constraint.
  @inline(__always)
  mutating func noteConstraint(_ op: OpCode, argumentCount count: Int) {
    if count > maxFanIn { maxFanIn = count }
    if op == .sin || op == .cos { trigonometricCount += 1 }
  }

  /// Appends `count` to the argument total, noting an overflow of `Int32` offsets
  /// for `compile` to report (recorded appends cannot throw).
  @inline(__always)
  mutating func noteEdges(adding count: Int) {
    if argumentPool.count + latePool.count + count > Int(Int32.max) { tooManyEdges = true }
  }

  /// Gives the undefined variable `i` the constraint `op(arguments)` of the given
  /// role (unchecked, as `appendRecordedAssignment`): in place in the CSR when `i`
  /// is the last variable declared, else as a late constraint.
  ///
  /// - Precondition (caller's): `checkUndefined(i)` passed.
  /// - Complexity: amortised O(arguments).
  mutating func setRecordedConstraint(
    of i: Int, role: ConstraintRole, _ op: OpCode, payload: Int32,
    arguments: UnsafeBufferPointer<Int32>
  ) {
    let i32 = Int32(truncatingIfNeeded: i)
    undefined.remove(i32)
    opCodes[i] = op
    payloads[i] = payload
    noteEdges(adding: arguments.count)
    noteConstraint(op, argumentCount: arguments.count)
    if role == .residual {
      residualIndices.append(i32)
      isInDeclarationOrder = false
    }
    if i == opCodes.count - 1 {
      // Its CSR slot is the last one, still empty: fill it.
      reserveAhead(&argumentPool, adding: arguments.count)
      appendReserved(&argumentPool, arguments)
      argumentStart[i + 1] = Int32(truncatingIfNeeded: argumentPool.count)
      if arguments.contains(where: { $0 >= i32 }) { isInDeclarationOrder = false }
    } else {
      lateVariables.append(i32)
      latePool.append(contentsOf: arguments)
      lateStart.append(latePool.count)
      isInDeclarationOrder = false
    }
  }

  /// Reserves room for the sizes of `shape` (a hint from a previous trace).
  mutating func reserveCapacity(_ shape: GraphShape) {
    reserveAdvised(&opCodes, capacity: shape.variables)
    reserveAdvised(&payloads, capacity: shape.variables)
    reserveAdvised(&argumentStart, capacity: shape.variables + 1)
    reserveAdvised(&argumentPool, capacity: shape.arguments)
    reserveAdvised(&constants, capacity: shape.constants)
  }

  /// Copies each array whose capacity is more than twice its size (plus 1 024) into
  /// one of its size: after a `reserveCapacity(_:)` hint that overshot, the
  /// compiled program then keeps at most about twice what it uses.
  ///
  /// - Complexity: O(size of the arrays copied).
  mutating func trimExcessCapacity() {
    func trim<Element>(_ array: inout [Element]) {
      if array.capacity > 2 * array.count + 1024 {
        array = array.withUnsafeBufferPointer { Array($0) }
      }
    }
    trim(&opCodes)
    trim(&payloads)
    trim(&argumentStart)
    trim(&argumentPool)
    trim(&constants)
  }

  /// Frees the constraint storage, keeping the identity, the names, the op codes
  /// and the inputs (enough to name variables in messages); the graph cannot be
  /// compiled afterwards.
  mutating func releaseStorage() {
    payloads = []
    argumentStart = []
    argumentPool = []
    constants = []
    customs = []
    residualIndices = []
    lateVariables = []
    lateStart = []
    latePool = []
  }
}

extension ConstraintGraph {
  /// Appends a block of unnamed assignments recorded elsewhere (the tracer's
  /// staging area, `Tracer+Staging.swift`): their op codes, payloads, the end of
  /// each one's arguments as offsets into `argumentPool` after the append, the
  /// arguments, and constants for the table; one bulk copy per array.
  ///
  /// - Precondition (caller's): as `appendRecordedAssignment`, for every entry;
  ///   `argumentEnds` ascend from `argumentPool.count` to
  ///   `argumentPool.count + arguments.count`.
  /// - Complexity: amortised O(entries).
  mutating func appendStaged(
    opCodes staged: UnsafeBufferPointer<OpCode>,
    payloads stagedPayloads: UnsafeBufferPointer<Int32>,
    argumentEnds: UnsafeBufferPointer<Int32>, arguments: UnsafeBufferPointer<Int32>,
    constants stagedConstants: UnsafeBufferPointer<Double>, maxFanIn fanIn: Int,
    trigonometricCount trigonometric: Int
  ) {
    if !staged.isEmpty && !isKnownUniquelyReferenced(&identity) {
      identity = GraphIdentity(forkedFrom: identity, count: opCodes.count)
    }
    noteEdges(adding: arguments.count)
    reserveAhead(&opCodes, adding: staged.count)
    reserveAhead(&payloads, adding: staged.count)
    reserveAhead(&argumentStart, adding: staged.count)
    reserveAhead(&argumentPool, adding: arguments.count)
    reserveAhead(&constants, adding: stagedConstants.count)
    opCodes.append(contentsOf: staged)
    payloads.append(contentsOf: stagedPayloads)
    argumentStart.append(contentsOf: argumentEnds)
    argumentPool.append(contentsOf: arguments)
    constants.append(contentsOf: stagedConstants)
    if fanIn > maxFanIn { maxFanIn = fanIn }
    trigonometricCount += trigonometric
  }
}
