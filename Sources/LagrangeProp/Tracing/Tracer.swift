/// Records ordinary Swift code on `Traced` values into a `ConstraintGraph`: the
/// argument of the body of `Program.trace`.
///
/// ```swift
/// let program = try Program.trace(inputs: ["x", "y"]) { t in
///   let x = t.inputs[0], y = t.inputs[1]
///   let a = exp(x), b = a * a, c = a + b + y
///   return tanh(c) + sin(c)
/// }
/// ```
///
/// Cycles are written by declaring unknowns first and giving each its
/// constraint afterwards: `define(v, value)` records `v = value` and
/// `constrain(v, residual: r)` records `r = 0` owned by `v`; the expressions may
/// contain `v` and other unknowns.
///
/// Operators cannot throw, so every misuse — a value of another trace or of a
/// finished one, `define` of something that is not an unknown, a non-finite
/// constant — is recorded (the first one wins), the offending operation yields a
/// poisoned value, and `Program.trace` throws the recorded error when the body
/// returns.
///
/// A tracer is only valid inside its trace body, on the thread running it (it is
/// not `Sendable`); its state is a plain class whose accesses are not checked for
/// exclusivity at run time — the recording methods never overlap.
public final class Tracer {
  /// The graph being recorded.
  @exclusivity(unchecked) var graph = ConstraintGraph()
  /// Whether the trace body is still running.
  @exclusivity(unchecked) var isOpen = true
  /// The order in which tracers were made: of two traces running at once, the
  /// later one is the inner one, whose body is running (see `Tracer.common`).
  let serial = Tracer.nextSerial()
  /// The first misuse recorded.
  @exclusivity(unchecked) var firstError: LagrangePropError?
  /// The declaration indices of the variables made by `unknown`.
  @exclusivity(unchecked) var unknownIndices = Set<Int32>()
  /// Pending affine values: value `c` is `compositeConstant[c] + Σ_k termCoefficients[k]·z[termIndices[k]]`
  /// over `k ∈ compositeStart[c] ..< compositeStart[c + 1]`, stored in variable
  /// `compositeStored[c]` once something needs it as a variable (`-1` before).
  @exclusivity(unchecked) var termIndices = AppendBuffer<Int32>()
  @exclusivity(unchecked) var termCoefficients = AppendBuffer<Double>()
  @exclusivity(unchecked) var compositeStart = AppendBuffer<Int>()
  @exclusivity(unchecked) var compositeConstant = AppendBuffer<Double>()
  @exclusivity(unchecked) var compositeStored = AppendBuffer<Int32>()
  /// Whether a term appended since the last pending value was closed has a
  /// non-finite coefficient (then `finishComposite` discards the value).
  @exclusivity(unchecked) var madeNonFiniteTerm = false

  /// The staging area (`Tracer+Staging.swift`): variables, their arguments and
  /// constants recorded since the graph last caught up, and the graph's sizes then.
  @exclusivity(unchecked) var stagedOpCodes = AppendBuffer<OpCode>()
  @exclusivity(unchecked) var stagedPayloads = AppendBuffer<Int32>()
  @exclusivity(unchecked) var stagedArgumentEnds = AppendBuffer<Int32>()
  @exclusivity(unchecked) var stagedArguments = AppendBuffer<Int32>()
  @exclusivity(unchecked) var stagedConstants = AppendBuffer<Double>()
  @exclusivity(unchecked) var stagedMaxFanIn = 0
  @exclusivity(unchecked) var stagedTrigonometricCount = 0
  @exclusivity(unchecked) var stagedVariableBase = 0
  @exclusivity(unchecked) var stagedArgumentBase = 0
  @exclusivity(unchecked) var stagedConstantBase = 0

  /// `+` and scaling store an operand with more terms than this first, so that a
  /// chain `s = s + x` costs O(terms) per step instead of copying a growing list.
  static let foldLimit = 64

  /// The inputs, in the order of `Program.trace(inputs:)` (empty once the trace
  /// has returned).
  public internal(set) var inputs: [Traced] = []

  /// A tracer with `names.count` inputs, named when `names` are given; with
  /// `recycling`, its buffers start on the storage the last closed tracer left
  /// (see `RecycledStorage`).
  init(inputNames names: [String?], recycling: Bool = false) {
    if recycling {
      let pool = RecycledStorage.shared
      termIndices = AppendBuffer(recycledFrom: pool, slot: 0)
      termCoefficients = AppendBuffer(recycledFrom: pool, slot: 1)
      compositeStart = AppendBuffer(recycledFrom: pool, slot: 2)
      compositeConstant = AppendBuffer(recycledFrom: pool, slot: 3)
      stagedOpCodes = AppendBuffer(recycledFrom: pool, slot: 4)
      stagedPayloads = AppendBuffer(recycledFrom: pool, slot: 5)
      stagedArgumentEnds = AppendBuffer(recycledFrom: pool, slot: 6)
      stagedArguments = AppendBuffer(recycledFrom: pool, slot: 7)
      stagedConstants = AppendBuffer(recycledFrom: pool, slot: 8)
      if let shape = pool.lastGraphShape { graph.reserveCapacity(shape) }
    }
    compositeStart.append(0)
    inputs.reserveCapacity(names.count)
    for name in names {
      let v = graph.input(name)
      inputs.append(Traced(variable: Int32(truncatingIfNeeded: v.index), tracer: self))
    }
    synchronizeStagingBases()
  }

  /// The number of variables recorded so far (inputs, unknowns and stored values).
  public var variableCount: Int { recordedVariableCount }

  /// Declares a variable to be given its constraint later with `define` or
  /// `constrain`, so that cycles can be written.
  ///
  /// - Parameter name: the variable's name in errors and in `program.name(of:)`
  ///   (`z#i` when `nil`).
  /// - Complexity: amortised O(1).
  public func unknown(_ name: String? = nil) -> Traced {
    guard isOpen else { return Traced(poisonedBy: self) }
    let v = flushedGraph { $0.unknown(name) }
    let i = Int32(truncatingIfNeeded: v.index)
    unknownIndices.insert(i)
    return Traced(variable: i, tracer: self)
  }

  /// Declares `count` unknowns, named `name[0]`, `name[1]`, … when `name` is given.
  ///
  /// - Returns: the unknowns, or an empty array when `count ≤ 0`. A count whose
  ///   variables could not fit in physical memory records `.resultTooLarge`
  ///   (thrown by `trace`) and returns an empty array.
  /// - Complexity: O(count).
  public func unknowns(_ count: Int, name: String? = nil) -> [Traced] {
    guard count > 0 else { return [] }
    if let refusal = VariableBudget.refusal(count, quantity: "unknowns(\(count))") {
      record(refusal)
      return []
    }
    return (0..<count).map { k in unknown(name.map { "\($0)[\(k)]" }) }
  }

  /// Gives the unknown `variable` the assignment `variable = value`; `value` may
  /// contain `variable` and other unknowns (that is how cycles are written).
  ///
  /// A pending affine `value` becomes the variable's own constraint (no extra
  /// variable); any other value is copied (`variable = 1·value`).
  ///
  /// Misuse (recorded, thrown by `Program.trace`): `.notAnUnknown` if `variable`
  /// is not a variable made by `unknown` (an input, a computed value);
  /// `.definedTwice` if it already has a constraint; `.foreignTraced` for a value
  /// of another trace.
  ///
  /// - Complexity: O(terms of `value`).
  public func define(_ variable: Traced, _ value: Traced) {
    setConstraint(of: variable, role: .assignment, value)
  }

  /// Gives the unknown `variable` the residual constraint `residual = 0`; the
  /// constraint *owns* `variable` (usually `residual` contains it).
  ///
  /// Misuse (recorded, thrown by `Program.trace`): as `define(_:_:)`.
  ///
  /// - Complexity: O(terms of `residual`).
  public func constrain(_ variable: Traced, residual: Traced) {
    setConstraint(of: variable, role: .residual, residual)
  }

  /// Names the variable holding `value` (storing a pending affine value first), so
  /// that errors and `program.name(of:)` show `name`; returns the stored value.
  ///
  /// - Complexity: O(1) (plus storing a pending value).
  @discardableResult
  public func name(_ value: Traced, _ name: String) -> Traced {
    guard accept(value) else { return refusal(value) }
    let i = store(value)
    graph.setName(name, ofIndex: Int(i))
    return Traced(variable: i, tracer: self)
  }
}
