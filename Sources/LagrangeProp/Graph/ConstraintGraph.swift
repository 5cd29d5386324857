/// A program written as equality constraints: inputs `x`, intermediates `z`,
/// one constraint owning each intermediate.
///
/// - `input(_:)` declares an input `x_j` (constraint `x_j − z_j = 0`);
/// - `define(_:_:_:)` declares `z_i = f_i(args)` (constraint `f_i(args) − z_i = 0`);
/// - `unknown(_:)` declares a variable before its constraint, so that cycles can
///   be written; `define(v, f, args)` or `constrain(v, residual: g, args)` then
///   gives it `z_v = f(args)` or `g(args) = 0` (and `args` may contain `v`).
///
/// Building is O(1) amortised per variable and edge; names are optional, so
/// large graphs need no string formatting (unnamed variables are shown as
/// `x#j` and `z#i` in errors). `compile(objective:)` checks the graph and
/// produces an immutable `Program`.
///
/// A graph is a value: copies share their handles until they diverge. The first
/// copy to declare a variable while shared takes a fresh identity, so each copy
/// then refuses the handles the other declares (`.unknownVariable`), while the
/// handles made before the copy stay valid in both.
///
/// ```swift
/// var graph = ConstraintGraph()
/// let x = graph.input("x")
/// let a = try graph.define("a", .exp, x)
/// let program = try graph.compile(objective: .variable(a))
/// ```
public struct ConstraintGraph: Sendable {
  /// The graph's identity, shared by copies until one of them declares a variable
  /// (then that copy forks a fresh identity), so that handles made by a copy after
  /// the copies diverged are refused by the other.
  var identity = GraphIdentity()
  /// Names given, by declaration index; shorter than the graph when the last
  /// variables are unnamed (an unnamed graph stores no name at all).
  var names: [String?] = []
  var roles: [ConstraintRole] = []
  var opCodes: [OpCode] = []
  var payloads: [Int32] = []
  /// Arguments of variable `i`: `argumentPool[argumentOffset[i] ..< argumentOffset[i] + argumentCount[i]]`.
  var argumentOffset: [Int] = []
  var argumentCount: [Int32] = []
  var argumentPool: [Int32] = []
  var constants: [Double] = []
  var customs: [CustomFunction] = []
  /// The inputs in declaration order.
  var inputIndices: [Int32] = []
  /// Whether the arguments of every variable lie in `argumentPool` in declaration
  /// order, back to back (no `unknown` was defined out of order), so that `compile`
  /// can use the pool as its CSR argument list without copying.
  var argumentsInDeclarationOrder = true

  /// An empty graph.
  public init() {}

  /// The identity stamped on this graph's handles.
  var id: UInt64 { identity.id }

  /// The number of variables declared so far.
  public var variableCount: Int { roles.count }
  /// The number of inputs declared so far.
  public var inputCount: Int { inputIndices.count }
  /// The inputs in declaration order.
  public var inputs: [Variable] { inputIndices.map { Variable(Int($0), graph: id) } }

  /// The name of a variable: the one given, or `x#j` (inputs) / `z#i`.
  ///
  /// - Throws: `LagrangePropError.unknownVariable` for a handle of another graph,
  ///   or of a copy of this graph made after the two diverged.
  public func name(of variable: Variable) throws(LagrangePropError) -> String {
    try check(variable)
    return name(ofIndex: variable.index)
  }

  /// Whether `variable` is a handle of this graph: made by it, or by a copy of it
  /// before the two diverged.
  public func contains(_ variable: Variable) -> Bool {
    identity.accepts(variable, count: roles.count)
  }

  @inline(__always)
  func check(_ variable: Variable) throws(LagrangePropError) {
    guard contains(variable) else { throw .unknownVariable(index: variable.index) }
  }

  func name(ofIndex i: Int) -> String {
    if i < names.count, let name = names[i] { return name }
    if i < roles.count, roles[i] == .input, let j = inputIndices.firstIndex(of: Int32(i)) {
      return "x#\(j)"
    }
    return "z#\(i)"
  }

  /// Gives variable `i` a name (padding the name table with `nil` up to it).
  mutating func setName(_ name: String, ofIndex i: Int) {
    if names.count <= i {
      reserveAhead(&names, adding: i + 1 - names.count)
      while names.count <= i { names.append(nil) }
    }
    names[i] = name
  }

  /// Declares an input `x_j`; inputs are numbered in declaration order.
  ///
  /// - Complexity: amortised O(1).
  public mutating func input(_ name: String? = nil) -> Variable {
    let v = appendVariable(name: name, role: .input)
    inputIndices.append(Int32(v.index))
    return v
  }

  /// Declares a variable to be defined or constrained later, so that cycles can be written.
  ///
  /// - Complexity: amortised O(1).
  public mutating func unknown(_ name: String? = nil) -> Variable {
    appendVariable(name: name, role: .undefined)
  }

  /// Declares `z = f(arguments)`.
  ///
  /// - Complexity: amortised O(arguments).
  /// - Throws: `LagrangePropError.unknownVariable` for a foreign handle;
  ///   `.wrongArity` if `function` does not take that many arguments;
  ///   `.invalidFunction` for a non-finite constant.
  @discardableResult
  public mutating func define(_ name: String, _ function: LocalFunction, _ arguments: Variable...)
    throws(LagrangePropError) -> Variable
  {
    try define(name, function, arguments)
  }

  /// Declares `z = f(arguments)` (array form).
  ///
  /// - Throws: as `define(_:_:_:)`.
  @discardableResult
  public mutating func define(_ name: String?, _ function: LocalFunction, _ arguments: [Variable])
    throws(LagrangePropError) -> Variable
  {
    let i = roles.count
    for a in arguments { try check(a) }
    try checkArity(function, count: arguments.count, variable: i, name: name)
    let (op, payload) = try encode(function, variable: i, name: name)
    let offset = argumentPool.count
    reserveAhead(&argumentPool, adding: arguments.count)
    for a in arguments { argumentPool.append(Int32(truncatingIfNeeded: a.index)) }
    return appendVariable(
      name: name, role: .assignment, op: op, payload: payload, offset: offset,
      count: arguments.count)
  }

  /// Declares an unnamed `z = f(arguments)` (no string is made: for large graphs).
  ///
  /// - Throws: as `define(_:_:_:)`.
  @discardableResult
  public mutating func define(_ function: LocalFunction, _ arguments: Variable...)
    throws(LagrangePropError) -> Variable
  {
    try define(nil, function, arguments)
  }

  /// Declares an unnamed `z = f(arguments)` (array form).
  ///
  /// - Throws: as `define(_:_:_:)`.
  @discardableResult
  public mutating func define(_ function: LocalFunction, _ arguments: [Variable])
    throws(LagrangePropError) -> Variable
  {
    try define(nil, function, arguments)
  }

  /// Gives a variable declared with `unknown` the assignment `v = f(arguments)`;
  /// `arguments` may contain `v` itself and variables declared later.
  ///
  /// - Throws: `.unknownVariable`, `.cannotDefineInput`, `.definedTwice`, `.wrongArity`,
  ///   `.invalidFunction`.
  public mutating func define(
    _ variable: Variable, _ function: LocalFunction, _ arguments: Variable...
  )
    throws(LagrangePropError)
  {
    try define(variable, function, arguments)
  }

  /// Array form of `define(_:_:_:)` for a declared variable.
  public mutating func define(
    _ variable: Variable, _ function: LocalFunction, _ arguments: [Variable]
  )
    throws(LagrangePropError)
  {
    try setConstraint(of: variable, role: .assignment, function: function, arguments: arguments)
  }

  /// Gives a variable declared with `unknown` the residual constraint `g(arguments) = 0`.
  ///
  /// The constraint *owns* `variable`: the program is square, one constraint per
  /// non-input. `arguments` usually contain `variable` (otherwise the cyclic block
  /// must determine it through other constraints, which `compile` checks).
  ///
  /// - Throws: `.unknownVariable`, `.cannotDefineInput`, `.definedTwice`, `.wrongArity`,
  ///   `.invalidFunction`.
  public mutating func constrain(
    _ variable: Variable, residual: LocalFunction, _ arguments: Variable...
  )
    throws(LagrangePropError)
  {
    try constrain(variable, residual: residual, arguments)
  }

  /// Array form of `constrain(_:residual:_:)`.
  public mutating func constrain(
    _ variable: Variable, residual: LocalFunction, _ arguments: [Variable]
  )
    throws(LagrangePropError)
  {
    try setConstraint(of: variable, role: .residual, function: residual, arguments: arguments)
  }

  // MARK: - Storage

  /// Appends a variable with its constraint (`op` over `argumentPool[offset ..< offset + count]`,
  /// already appended), or with none yet (`.input` op code, no arguments), forking
  /// the identity first if a copy of this graph shares it.
  @inline(__always)
  mutating func appendVariable(
    name: String?, role: ConstraintRole, op: OpCode = .input, payload: Int32 = 0,
    offset: Int? = nil, count: Int = 0
  ) -> Variable {
    let index = roles.count
    if !isKnownUniquelyReferenced(&identity) {
      identity = GraphIdentity(forkedFrom: identity, count: index)
    }
    if let name { setName(name, ofIndex: index) }
    if index == roles.capacity { growRows() }
    roles.append(role)
    opCodes.append(op)
    payloads.append(payload)
    argumentOffset.append(offset ?? argumentPool.count)
    argumentCount.append(Int32(truncatingIfNeeded: count))
    return Variable(index, graph: identity.id)
  }

  /// Grows the per-variable arrays together (see `reserveAhead`).
  @inline(never)
  mutating func growRows() {
    let needed = roles.count + 1
    growAhead(&roles, needed: needed)
    growAhead(&opCodes, needed: needed)
    growAhead(&payloads, needed: needed)
    growAhead(&argumentOffset, needed: needed)
    growAhead(&argumentCount, needed: needed)
  }

  private mutating func setConstraint(
    of variable: Variable, role: ConstraintRole, function: LocalFunction, arguments: [Variable]
  ) throws(LagrangePropError) {
    try check(variable)
    let i = variable.index
    try checkUndefined(i)
    for a in arguments { try check(a) }
    try checkArity(function, count: arguments.count, variable: i, name: nil)
    let (op, payload) = try encode(function, variable: i, name: nil)
    roles[i] = role
    opCodes[i] = op
    payloads[i] = payload
    if argumentOffset[i] != argumentPool.count || i != roles.count - 1 {
      argumentsInDeclarationOrder = false
    }
    argumentOffset[i] = argumentPool.count
    argumentCount[i] = Int32(arguments.count)
    reserveAhead(&argumentPool, adding: arguments.count)
    for a in arguments { argumentPool.append(Int32(truncatingIfNeeded: a.index)) }
  }

  /// Throws unless variable `i` was declared with `unknown` and has no constraint yet.
  func checkUndefined(_ i: Int) throws(LagrangePropError) {
    switch roles[i] {
    case .input: throw .cannotDefineInput(variable: name(ofIndex: i))
    case .assignment, .residual: throw .definedTwice(variable: name(ofIndex: i))
    case .undefined: break
    }
  }

  private func checkArity(_ function: LocalFunction, count: Int, variable i: Int, name: String?)
    throws(LagrangePropError)
  {
    guard function.accepts(argumentCount: count) else {
      throw .wrongArity(
        variable: name ?? self.name(ofIndex: i), function: function.name,
        expected: function.arityDescription, actual: count)
    }
  }

  /// The op code and payload of `function` for variable `i` (named `name` if it is
  /// not declared yet), appending its constants to the table.
  private mutating func encode(_ function: LocalFunction, variable i: Int, name: String?)
    throws(LagrangePropError) -> (OpCode, Int32)
  {
    func checkFinite(_ values: [Double], _ extra: Double = 0) throws(LagrangePropError) {
      if !extra.isFinite || values.contains(where: { !$0.isFinite }) {
        throw .invalidFunction(
          variable: name ?? self.name(ofIndex: i), function: function.name,
          reason: "constants must be finite")
      }
    }
    let start = Int32(truncatingIfNeeded: constants.count)
    switch function.kind {
    case .exp, .log, .sin, .cos, .tanh, .sigmoid, .square, .sqrt, .sum, .product:
      return (function.kind.opCode, 0)
    case .power(let p):
      try checkFinite([], p)
      reserveAhead(&constants)
      constants.append(p)
      return (.power, start)
    case .linear(let c):
      try checkFinite(c)
      reserveAhead(&constants, adding: c.count)
      constants.append(contentsOf: c)
      return (.linear, start)
    case .affine(let c0, let c):
      try checkFinite(c, c0)
      reserveAhead(&constants, adding: c.count + 1)
      constants.append(c0)
      constants.append(contentsOf: c)
      return (.affine, start)
    case .custom(let f):
      customs.append(f)
      return (.custom, Int32(truncatingIfNeeded: customs.count - 1))
    }
  }
}
