/// A compiled constraint program: immutable, `Sendable`, struct-of-arrays.
///
/// Variables are stored in *program order*: inputs first, then the strongly
/// connected components in topological order (declaration order whenever that
/// is already topological). Arguments are CSR lists of program positions
/// (`Int32`), one op code per variable, constants in one table. Public vectors
/// are always indexed in *declaration order* (`Variable.index`); the two orders
/// coincide when inputs are declared first and every variable after its
/// arguments.
///
/// ```swift
/// let program = try graph.compile(objective: .variable(f))
/// let g = try program.gradient(at: [0.5, -1.0])     // g.gradient = ∂f/∂x
/// ```
///
/// Concurrent calls on one `Program` are safe: every call has its own state (the
/// plain `evaluate(at:)` and `gradient(at:)` reuse one spare workspace the program
/// keeps, when no other call is using it).
public struct Program: Sendable {
  /// The identity of the graph compiled (handles of other graphs, and of copies
  /// of it made after they diverged, are refused).
  let graphIdentity: GraphIdentity
  /// The identity stamped on handles this program makes.
  var graphID: UInt64 { graphIdentity.id }
  /// The number of variables `n` (inputs and intermediates).
  public let variableCount: Int
  /// The number of inputs `d`.
  public let inputCount: Int

  // Mapping between declaration order and program order.
  let order: [Int32]
  let position: [Int32]
  let isIdentityOrder: Bool

  // Names and inputs in declaration order.
  /// Names by declaration index; shorter than `variableCount` when the last variables are unnamed.
  let names: [String?]
  let inputDeclarationIndices: [Int32]

  // Struct-of-arrays in program order.
  let opCodes: [OpCode]
  let payloads: [Int32]
  let isResidual: [Bool]
  let argumentStart: [Int32]
  let arguments: [Int32]
  let constants: [Double]
  let customs: [CustomFunction]

  /// Cyclic blocks in program order, and whether each is affine in its own
  /// variables (its reduced Jacobian then never changes, so Newton's last
  /// factorization can be reused for the linearization).
  let blocks: [BlockLayout]
  package let blockIsAffine: [Bool]
  /// Per cyclic block, whether every partial of its constraints is independent of
  /// the block's own variables (sums and linear maps of them): re-evaluating the
  /// block after a step then needs only values.
  let blockHasConstantPartials: [Bool]
  /// Per cyclic block, a structural bound on the bandwidth of its reduced Jacobian.
  package let blockReducedBandwidth: [Bandwidth]
  /// The in-block edges, transposed (for assembling reduced Jacobians by pushing).
  let blockConsumers: BlockConsumers

  let objective: CompiledObjective
  /// The largest number of arguments of any constraint.
  let maxFanIn: Int
  /// The number of `sin` and `cos` constraints: the length of the two-pass
  /// sweep's tape of their partials.
  let trigonometricCount: Int
  /// Sparse patterns and fill screens of large cyclic blocks, built on first use.
  let sparseStructure = SparseStructureCache()
  /// The workspace of the calls made without one (`evaluate(at:)`, `gradient(at:)`).
  let spareWorkspace = SpareWorkspace()

  /// The number of constraint edges (arguments over all constraints).
  public var edgeCount: Int { arguments.count }
  /// Whether the dependency graph has no cycles (then `D` is upper triangular
  /// in program order and the sweep is exact backpropagation).
  public var isAcyclic: Bool { blocks.isEmpty }
  /// The number of intermediates `n − d`: the order of the non-input block of `D`.
  public var intermediateCount: Int { variableCount - inputCount }

  /// The cyclic blocks (strongly connected components with a cycle, and lone
  /// residual constraints), each as its variables in declaration order.
  public var cyclicBlocks: [[Variable]] {
    blocks.map { b in (b.start..<b.end).map { variable(position: $0) }.sorted() }
  }

  /// For each cyclic block, the number of feedback variables: the order of the
  /// dense system the block-triangular solver factors for it.
  package var cyclicBlockFeedbackSizes: [Int] { blocks.map(\.feedbackCount) }

  /// The inputs, in declaration order.
  public var inputs: [Variable] {
    inputDeclarationIndices.map { Variable(Int($0), graph: graphID) }
  }

  /// The variables in program order (inputs first, then topological order of
  /// the components).
  package var programOrder: [Variable] { (0..<variableCount).map { variable(position: $0) } }

  /// The name of a variable (`x#j` / `z#i` when it was declared without one).
  ///
  /// - Throws: `LagrangePropError.unknownVariable` for a handle of another graph.
  public func name(of variable: Variable) throws(LagrangePropError) -> String {
    try check(variable)
    return name(declarationIndex: variable.index)
  }

  /// Whether `variable` is a handle of the graph this program was compiled from.
  public func contains(_ variable: Variable) -> Bool {
    graphIdentity.accepts(variable, count: variableCount)
  }

  func check(_ variable: Variable) throws(LagrangePropError) {
    guard contains(variable) else { throw .unknownVariable(index: variable.index) }
  }

  /// The handle of the variable at program position `p`.
  func variable(position p: Int) -> Variable { Variable(Int(order[p]), graph: graphID) }

  /// The variable with the given name, if exactly one has it.
  ///
  /// - Complexity: O(n).
  public func variable(named name: String) -> Variable? {
    var found: Variable?
    for (i, candidate) in names.enumerated() where candidate == name {
      if found != nil { return nil }
      found = Variable(i, graph: graphID)
    }
    return found
  }

  func name(declarationIndex i: Int) -> String {
    if i < names.count, let name = names[i] { return name }
    let p = Int(position[i])
    return p < inputCount ? "x#\(p)" : "z#\(i)"
  }

  func name(position p: Int) -> String { name(declarationIndex: Int(order[p])) }

  @inline(__always)
  func argumentRange(_ p: Int) -> Range<Int> { Int(argumentStart[p])..<Int(argumentStart[p + 1]) }

  // MARK: - Order conversions

  /// A declaration-order vector from a program-order one.
  func toDeclarationOrder(_ v: [Double]) -> [Double] {
    if isIdentityOrder { return v }
    var out = [Double](repeating: 0, count: v.count)
    for p in 0..<v.count { out[Int(order[p])] = v[p] }
    return out
  }

  /// A program-order vector from a declaration-order one.
  func toProgramOrder(_ v: [Double]) -> [Double] {
    if isIdentityOrder { return v }
    var out = [Double](repeating: 0, count: v.count)
    for p in 0..<v.count { out[p] = v[Int(order[p])] }
    return out
  }
}

/// The objective in program order.
enum CompiledObjective: Sendable {
  case variable(Int)
  /// The weights `w` (program order; `nil` when the objective was given by its
  /// non-zeros only: `objectiveGradient` then builds it), and its non-zeros on their own
  /// so that `f` and `∇f` cost O(support), not O(n).
  case linear([Double]?, sparse: SparseWeights)
  case custom(
    value: @Sendable ([Double]) -> Double, gradient: @Sendable ([Double]) -> [Double])
}

/// The non-zero weights of a linear objective: ascending positions and their
/// weights, side by side (a compact read, whatever the spacing of the positions).
struct SparseWeights: Sendable {
  let positions: [Int32]
  let weights: [Double]
  /// `PowerOfTwoScaling.exponent` of the weights: non-zero when a gradient's
  /// seed (the weights themselves) must be scaled to be solved exactly.
  let seedExponent: Int
  /// Whether the weights span more than `2^400` (`PowerOfTwoScaling.spansBands`):
  /// the adjoints are then solved band by band.
  let seedSpansBands: Bool

  /// The non-zeros of `w`.
  init(_ w: [Double]) {
    self.init(w, nonzeroCount: w.reduce(0) { $0 + ($1 != 0 ? 1 : 0) })
  }

  /// Non-zeros given directly: strictly ascending `positions` and their weights.
  init(positions: [Int32], weights: [Double]) {
    self.positions = positions
    self.weights = weights
    seedExponent = weights.withUnsafeBufferPointer { PowerOfTwoScaling.exponent(of: $0) }
    seedSpansBands = weights.withUnsafeBufferPointer { PowerOfTwoScaling.spansBands($0) }
  }

  /// The dense weight vector of `count` entries.
  func dense(count: Int) -> [Double] {
    var w = [Double](repeating: 0, count: count)
    for (k, p) in positions.enumerated() { w[Int(p)] = weights[k] }
    return w
  }

  /// The non-zeros of `w`, of which there are `nonzeroCount` (one pass, no growth).
  init(_ w: [Double], nonzeroCount count: Int) {
    var weights = [Double](repeating: 0, count: count)
    positions = [Int32](unsafeUninitializedCapacity: count) { p, initialized in
      weights.withUnsafeMutableBufferPointer { out in
        w.withUnsafeBufferPointer { w in
          var k = 0
          for i in w.indices where w[i] != 0 && k < count {
            p[k] = Int32(truncatingIfNeeded: i)
            out[k] = w[i]
            k += 1
          }
          initialized = k
        }
      }
    }
    self.weights = weights
    seedExponent = weights.withUnsafeBufferPointer { PowerOfTwoScaling.exponent(of: $0) }
    seedSpansBands = weights.withUnsafeBufferPointer { PowerOfTwoScaling.spansBands($0) }
  }
}
