/// The tracer's staging area: constraints and constants recorded by operations
/// go first into small raw buffers (no copy-on-write check, no growth test of
/// four arrays per variable) and reach the graph's arrays in blocks of
/// `stagingLimit` variables, one bulk copy per array (`flushStaged()`). The
/// staged block stays in cache, and recording a traced operation costs a few
/// stores instead of a `ConstraintGraph` append per array.
///
/// Indices are absolute from the start: a staged variable's index is the
/// graph's variable count plus its place in the block, a staged constant's
/// likewise, and argument offsets are offsets into the graph's argument pool as
/// it will be after the flush. Everything that reads or changes the graph
/// itself (`unknown`, `define`/`constrain`, naming, messages, `close`, the
/// objective and `compile`) flushes first (`flushedGraph()`).
extension Tracer {
  /// The most variables staged before they are copied to the graph (a block of
  /// about 200 KiB with its arguments and constants: it stays in cache).
  static let stagingLimit = 1 << 13

  /// Records `z = op(arguments)` and returns its index.
  ///
  /// - Precondition (caller's): the arguments are indices of this trace, the op
  ///   code accepts `arguments.count` arguments and the payload's constants are
  ///   finite (nothing is checked here).
  ///
  /// - Complexity: amortised O(arguments).
  @inline(__always)
  func stage(_ op: OpCode, payload: Int32, arguments: UnsafeBufferPointer<Int32>) -> Int32 {
    if stagedOpCodes.count == Tracer.stagingLimit { flushStaged() }
    stagedArguments.reserve(arguments.count)
    for a in arguments { stagedArguments.append(a) }
    if arguments.count > stagedMaxFanIn { stagedMaxFanIn = arguments.count }
    return closeStaged(op, payload: payload)
  }

  /// Records `z = op(a)` and returns its index.
  @inline(__always)
  func stage(_ op: OpCode, payload: Int32 = 0, _ a: Int32) -> Int32 {
    if stagedOpCodes.count == Tracer.stagingLimit { flushStaged() }
    stagedArguments.append(a)
    if stagedMaxFanIn < 1 { stagedMaxFanIn = 1 }
    return closeStaged(op, payload: payload)
  }

  /// Records `z = op(a, b)` and returns its index.
  @inline(__always)
  func stage(_ op: OpCode, payload: Int32 = 0, _ a: Int32, _ b: Int32) -> Int32 {
    if stagedOpCodes.count == Tracer.stagingLimit { flushStaged() }
    stagedArguments.append(a)
    stagedArguments.append(b)
    if stagedMaxFanIn < 2 { stagedMaxFanIn = 2 }
    return closeStaged(op, payload: payload)
  }

  /// Appends the staged variable whose arguments were just staged.
  @inline(__always)
  private func closeStaged(_ op: OpCode, payload: Int32) -> Int32 {
    let index = stagedVariableBase &+ stagedOpCodes.count
    stagedOpCodes.append(op)
    stagedPayloads.append(payload)
    let end = stagedArgumentBase &+ stagedArguments.count
    stagedArgumentEnds.append(Int32(truncatingIfNeeded: end))
    if op == .sin || op == .cos { stagedTrigonometricCount &+= 1 }
    return Int32(truncatingIfNeeded: index)
  }

  /// The index the next staged constant gets.
  @inline(__always)
  var nextConstantIndex: Int32 {
    Int32(truncatingIfNeeded: stagedConstantBase &+ stagedConstants.count)
  }

  /// Stages one constant and returns its index (a payload).
  @inline(__always)
  func stageConstant(_ c: Double) -> Int32 {
    let index = nextConstantIndex
    stagedConstants.append(c)
    return index
  }

  /// The number of variables recorded, staged ones included.
  var recordedVariableCount: Int { stagedVariableBase + stagedOpCodes.count }

  /// Copies the staged block to the graph and empties it.
  ///
  /// - Complexity: O(staged variables + arguments + constants).
  @inline(never)
  func flushStaged() {
    if stagedOpCodes.count > 0 || stagedConstants.count > 0 {
      stagedOpCodes.withBuffer(0..<stagedOpCodes.count) { opCodes in
        stagedPayloads.withBuffer(0..<stagedPayloads.count) { payloads in
          stagedArgumentEnds.withBuffer(0..<stagedArgumentEnds.count) { ends in
            stagedArguments.withBuffer(0..<stagedArguments.count) { arguments in
              stagedConstants.withBuffer(0..<stagedConstants.count) { constants in
                graph.appendStaged(
                  opCodes: opCodes, payloads: payloads, argumentEnds: ends, arguments: arguments,
                  constants: constants, maxFanIn: stagedMaxFanIn,
                  trigonometricCount: stagedTrigonometricCount)
              }
            }
          }
        }
      }
      stagedOpCodes.removeLast(stagedOpCodes.count)
      stagedPayloads.removeLast(stagedPayloads.count)
      stagedArgumentEnds.removeLast(stagedArgumentEnds.count)
      stagedArguments.removeLast(stagedArguments.count)
      stagedConstants.removeLast(stagedConstants.count)
      stagedMaxFanIn = 0
      stagedTrigonometricCount = 0
    }
    synchronizeStagingBases()
  }

  /// Reads the graph's sizes after the graph itself changed.
  func synchronizeStagingBases() {
    stagedVariableBase = graph.opCodes.count
    stagedArgumentBase = graph.argumentPool.count
    stagedConstantBase = graph.constants.count
  }

  /// The graph with everything staged copied to it; `body` may change it (the
  /// staging bases follow).
  @inline(never)
  func flushedGraph<R>(_ body: (inout ConstraintGraph) -> R) -> R {
    flushStaged()
    defer { synchronizeStagingBases() }
    return body(&graph)
  }
}
