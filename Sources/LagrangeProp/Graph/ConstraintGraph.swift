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
/// ```swift
/// var graph = ConstraintGraph()
/// let x = graph.input("x")
/// let a = try graph.define("a", .exp, x)
/// let program = try graph.compile(objective: .variable(a))
/// ```
public struct ConstraintGraph: Sendable {
  /// A random identity shared by copies of this graph, so that handles of
  /// another graph are recognised and refused.
  let id = UInt64.random(in: 1...UInt64.max)
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

  /// An empty graph.
  public init() {}

  /// The number of variables declared so far.
  public var variableCount: Int { roles.count }
  /// The number of inputs declared so far.
  public var inputCount: Int { inputIndices.count }
  /// The inputs in declaration order.
  public var inputs: [Variable] { inputIndices.map { Variable(Int($0), graph: id) } }

  /// The name of a variable: the one given, or `x#j` (inputs) / `z#i`.
  ///
  /// - Throws: `LagrangePropError.unknownVariable` for a handle of another graph.
  public func name(of variable: Variable) throws(LagrangePropError) -> String {
    try check(variable)
    return name(ofIndex: variable.index)
  }

  /// Whether `variable` is a handle of this graph.
  public func contains(_ variable: Variable) -> Bool {
    variable.graphID == id && variable.index >= 0 && variable.index < roles.count
  }

  func check(_ variable: Variable) throws(LagrangePropError) {
    guard contains(variable) else { throw .unknownVariable(index: variable.index) }
  }

  func name(ofIndex i: Int) -> String {
    if let name = names[i] { return name }
    if roles[i] == .input, let j = inputIndices.firstIndex(of: Int32(i)) { return "x#\(j)" }
    return "z#\(i)"
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
    let v = appendVariable(name: name, role: .undefined)
    do {
      try setConstraint(of: v, role: .assignment, function: function, arguments: arguments)
    } catch {
      removeLastVariable()
      throw error
    }
    return v
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

  private mutating func appendVariable(name: String?, role: ConstraintRole) -> Variable {
    let index = roles.count
    names.append(name)
    roles.append(role)
    opCodes.append(.input)
    payloads.append(0)
    argumentOffset.append(argumentPool.count)
    argumentCount.append(0)
    return Variable(index, graph: id)
  }

  private mutating func removeLastVariable() {
    names.removeLast()
    roles.removeLast()
    opCodes.removeLast()
    payloads.removeLast()
    argumentOffset.removeLast()
    argumentCount.removeLast()
  }

  private mutating func setConstraint(
    of variable: Variable, role: ConstraintRole, function: LocalFunction, arguments: [Variable]
  ) throws(LagrangePropError) {
    try check(variable)
    let i = variable.index
    switch roles[i] {
    case .input: throw .cannotDefineInput(variable: name(ofIndex: i))
    case .assignment, .residual: throw .definedTwice(variable: name(ofIndex: i))
    case .undefined: break
    }
    for a in arguments { try check(a) }
    guard function.accepts(argumentCount: arguments.count) else {
      throw .wrongArity(
        variable: name(ofIndex: i), function: function.name, expected: function.arityDescription,
        actual: arguments.count)
    }
    let (op, payload) = try encode(function, variable: i)
    roles[i] = role
    opCodes[i] = op
    payloads[i] = payload
    argumentOffset[i] = argumentPool.count
    argumentCount[i] = Int32(arguments.count)
    for a in arguments { argumentPool.append(Int32(a.index)) }
  }

  private mutating func encode(_ function: LocalFunction, variable i: Int) throws(LagrangePropError)
    -> (OpCode, Int32)
  {
    func checkFinite(_ values: [Double]) throws(LagrangePropError) {
      if values.contains(where: { !$0.isFinite }) {
        throw .invalidFunction(
          variable: name(ofIndex: i), function: function.name, reason: "constants must be finite")
      }
    }
    let start = Int32(constants.count)
    switch function.kind {
    case .exp, .log, .sin, .cos, .tanh, .sigmoid, .square, .sqrt, .sum, .product:
      return (function.kind.opCode, 0)
    case .power(let p):
      try checkFinite([p])
      constants.append(p)
      return (.power, start)
    case .linear(let c):
      try checkFinite(c)
      constants.append(contentsOf: c)
      return (.linear, start)
    case .affine(let c0, let c):
      try checkFinite([c0] + c)
      constants.append(c0)
      constants.append(contentsOf: c)
      return (.affine, start)
    case .custom(let f):
      customs.append(f)
      return (.custom, Int32(customs.count - 1))
    }
  }
}
