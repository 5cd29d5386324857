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
  /// The op code of each variable's constraint: `.input` for inputs and for
  /// unknowns not yet given a constraint (see `undefined`).
  var opCodes: [OpCode] = []
  var payloads: [Int32] = []
  /// The arguments of variable `i`, as CSR offsets into `argumentPool`:
  /// `argumentPool[argumentStart[i] ..< argumentStart[i + 1]]` (`n + 1` entries) —
  /// except for the variables of `lateVariables`, whose slot is empty. In the
  /// common case these are the compiled program's own `argumentStart` and
  /// `arguments`, shared without a copy.
  var argumentStart: [Int32] = [0]
  var argumentPool: [Int32] = []
  var constants: [Double] = []
  /// Where the last block of constants that `define` appended starts, and its
  /// length: the next constraint with the same constants shares it
  /// (`constantBlock(head:_:)`).
  var lastConstantBlock: (start: Int, count: Int) = (0, 0)
  var customs: [CustomFunction] = []
  /// The inputs in declaration order.
  var inputIndices: [Int32] = []
  /// The unknowns not yet given a constraint.
  var undefined = Set<Int32>()
  /// The variables owned by residual constraints.
  var residualIndices: [Int32] = []
  /// Constraints given to unknowns after later variables were declared: variable
  /// `lateVariables[k]` reads `latePool[lateStart[k] ..< lateStart[k + 1]]`.
  var lateVariables: [Int32] = []
  var lateStart: [Int] = [0]
  var latePool: [Int32] = []
  /// The largest number of arguments of any constraint.
  var maxFanIn = 0
  /// The number of `sin` and `cos` constraints.
  var trigonometricCount = 0
  /// Whether declaration order is already a program order (checked as the graph
  /// is built, in O(1) per variable): inputs declared first, every other variable
  /// an assignment of earlier variables, its arguments in place in the CSR. Then
  /// `compile` shares the graph's arrays and skips the structural analysis.
  var isInDeclarationOrder = true
  /// Whether some constraint pushed the argument list past `Int32.max` entries
  /// (a recorded append cannot throw: `compile` throws `.resultTooLarge`).
  var tooManyEdges = false

  /// An empty graph.
  public init() {}

  /// The identity stamped on this graph's handles.
  var id: UInt64 { identity.id }

  /// The number of variables declared so far.
  public var variableCount: Int { opCodes.count }
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
    identity.accepts(variable, count: opCodes.count)
  }

  @inline(__always)
  func check(_ variable: Variable) throws(LagrangePropError) {
    guard contains(variable) else { throw .unknownVariable(index: variable.index) }
  }

  func name(ofIndex i: Int) -> String {
    if i >= 0 && i < names.count, let name = names[i] { return name }
    if let j = inputNumber(ofIndex: i) { return "x#\(j)" }
    return "z#\(i)"
  }

  /// `j` if variable `i` is the input `x_j`.
  func inputNumber(ofIndex i: Int) -> Int? {
    let i32 = Int32(truncatingIfNeeded: i)
    if i >= 0 && i < inputIndices.count && inputIndices[i] == i32 { return i }
    guard i >= 0 && i < opCodes.count && opCodes[i] == .input && !undefined.contains(i32) else {
      return nil
    }
    return inputIndices.firstIndex(of: i32)
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
    if opCodes.count != inputIndices.count { isInDeclarationOrder = false }
    let v = appendVariable(name: name, op: .input, payload: 0)
    inputIndices.append(Int32(truncatingIfNeeded: v.index))
    return v
  }

  /// Declares a variable to be defined or constrained later, so that cycles can be written.
  ///
  /// - Complexity: amortised O(1).
  public mutating func unknown(_ name: String? = nil) -> Variable {
    let v = appendVariable(name: name, op: .input, payload: 0)
    undefined.insert(Int32(truncatingIfNeeded: v.index))
    return v
  }

  /// Declares `z = f(arguments)`.
  ///
  /// - Complexity: amortised O(arguments).
  /// - Throws: `LagrangePropError.unknownVariable` for a foreign handle;
  ///   `.wrongArity` if `function` does not take that many arguments;
  ///   `.invalidFunction` for a non-finite constant; `.resultTooLarge` if the
  ///   graph's argument lists would pass 2³¹ − 1 entries.
  @inlinable @discardableResult
  public mutating func define(_ name: String, _ function: LocalFunction, _ arguments: Variable...)
    throws(LagrangePropError) -> Variable
  {
    try define(name, function, arguments)
  }

  /// Declares `z = f(arguments)` (array form).
  ///
  /// Inlinable so that a caller's array literal (`[a, b]`) need not be allocated:
  /// the graph reads the arguments through a buffer pointer.
  ///
  /// - Throws: as `define(_:_:_:)`.
  @inlinable @inline(__always) @discardableResult
  public mutating func define(_ name: String?, _ function: LocalFunction, _ arguments: [Variable])
    throws(LagrangePropError) -> Variable
  {
    // Short lists are passed by value: the caller's literal can then be optimised away.
    switch arguments.count {
    case 1: return try define(name: name, function, arguments[0])
    case 2: return try define(name: name, function, arguments[0], arguments[1])
    case 3: return try define(name: name, function, arguments[0], arguments[1], arguments[2])
    default:
      return try arguments.withUnsafeBufferPointer {
        (buffer) throws(LagrangePropError) -> Variable in
        try define(name: name, function, arguments: buffer)
      }
    }
  }

  /// `define(_:_:_:)` of one argument.
  @usableFromInline
  mutating func define(name: String?, _ function: LocalFunction, _ a: Variable)
    throws(LagrangePropError) -> Variable
  {
    try withUnsafePointer(to: a) { (p) throws(LagrangePropError) -> Variable in
      try define(name: name, function, arguments: UnsafeBufferPointer(start: p, count: 1))
    }
  }

  /// `define(_:_:_:)` of two arguments.
  @usableFromInline
  mutating func define(name: String?, _ function: LocalFunction, _ a: Variable, _ b: Variable)
    throws(LagrangePropError) -> Variable
  {
    try withUnsafePointer(to: (a, b)) { (p) throws(LagrangePropError) -> Variable in
      let first = UnsafeRawPointer(p).assumingMemoryBound(to: Variable.self)
      return try define(
        name: name, function, arguments: UnsafeBufferPointer(start: first, count: 2))
    }
  }

  /// `define(_:_:_:)` of three arguments.
  @usableFromInline
  mutating func define(
    name: String?, _ function: LocalFunction, _ a: Variable, _ b: Variable, _ c: Variable
  ) throws(LagrangePropError) -> Variable {
    try withUnsafePointer(to: (a, b, c)) { (p) throws(LagrangePropError) -> Variable in
      let first = UnsafeRawPointer(p).assumingMemoryBound(to: Variable.self)
      return try define(
        name: name, function, arguments: UnsafeBufferPointer(start: first, count: 3))
    }
  }

  /// `define(_:_:_:)` over the arguments in `arguments`.
  @usableFromInline
  mutating func define(
    name: String?, _ function: LocalFunction, arguments: UnsafeBufferPointer<Variable>
  ) throws(LagrangePropError) -> Variable {
    let i = opCodes.count
    let count = arguments.count
    // A handle of this graph's own identity is one comparison; others (ancestors'
    // handles, foreign ones) take the full check.
    let id = identity.id
    for a in arguments where a.graphID != id || UInt(bitPattern: a.index) >= UInt(i) {
      guard identity.accepts(a, count: i) else { throw .unknownVariable(index: a.index) }
    }
    // The built-ins without constants are encoded here, without a call; the others
    // (constants, custom functions) by `encode`.
    let op: OpCode
    switch function.kind {
    case .exp: op = .exp
    case .log: op = .log
    case .sin: op = .sin
    case .cos: op = .cos
    case .tanh: op = .tanh
    case .sigmoid: op = .sigmoid
    case .square: op = .square
    case .sqrt: op = .sqrt
    case .sum: op = .sum
    case .product: op = .product
    case .quotient: op = .quotient
    default:
      return try defineEncoding(name: name, function, arguments: arguments)
    }
    let arityHolds =
      op == .sum || op == .product ? count >= 1 : count == (op == .quotient ? 2 : 1)
    guard arityHolds else { throw arityError(function, count: count, variable: i, name: name) }
    try checkEdgeRoom(count)
    appendArguments(arguments)
    noteConstraint(op, argumentCount: count)
    return appendVariable(name: name, op: op, payload: 0)
  }

  /// `define` of a function with constants or a custom function (checked handles).
  @inline(never)
  mutating func defineEncoding(
    name: String?, _ function: LocalFunction, arguments: UnsafeBufferPointer<Variable>
  ) throws(LagrangePropError) -> Variable {
    let i = opCodes.count
    let count = arguments.count
    guard function.accepts(argumentCount: count) else {
      throw arityError(function, count: count, variable: i, name: name)
    }
    try checkEdgeRoom(count)
    let (op, payload) = try encode(function, variable: i, name: name)
    appendArguments(arguments)
    noteConstraint(op, argumentCount: count)
    return appendVariable(name: name, op: op, payload: payload)
  }

  /// Declares an unnamed `z = f(arguments)` (no string is made: for large graphs).
  ///
  /// - Throws: as `define(_:_:_:)`.
  @inlinable @discardableResult
  public mutating func define(_ function: LocalFunction, _ arguments: Variable...)
    throws(LagrangePropError) -> Variable
  {
    try define(nil, function, arguments)
  }

  /// Declares an unnamed `z = f(arguments)` (array form).
  ///
  /// - Throws: as `define(_:_:_:)`.
  @inlinable @discardableResult
  public mutating func define(_ function: LocalFunction, _ arguments: [Variable])
    throws(LagrangePropError) -> Variable
  {
    try define(nil, function, arguments)
  }

  /// Gives a variable declared with `unknown` the assignment `v = f(arguments)`;
  /// `arguments` may contain `v` itself and variables declared later.
  ///
  /// - Throws: `.unknownVariable`, `.cannotDefineInput`, `.definedTwice`, `.wrongArity`,
  ///   `.invalidFunction`, `.resultTooLarge`.
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
  ///   `.invalidFunction`, `.resultTooLarge`.
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

  private mutating func setConstraint(
    of variable: Variable, role: ConstraintRole, function: LocalFunction, arguments: [Variable]
  ) throws(LagrangePropError) {
    try check(variable)
    let i = variable.index
    try checkUndefined(i)
    for a in arguments { try check(a) }
    try checkArity(function, count: arguments.count, variable: i, name: nil)
    try checkEdgeRoom(arguments.count)
    let (op, payload) = try encode(function, variable: i, name: nil)
    let indices = arguments.map { Int32(truncatingIfNeeded: $0.index) }
    indices.withUnsafeBufferPointer {
      setRecordedConstraint(of: i, role: role, op, payload: payload, arguments: $0)
    }
  }
}
