/// An error thrown by LagrangeProp's graph, structure and engine layers.
///
/// Every case that concerns a variable carries the variable's name (or
/// `z#i` / `x#j` for unnamed ones), so that the message points at the part of
/// the user's program at fault. Linear-algebra failures that the engine can
/// trace back to a variable are rethrown as `.singularJacobian` with its name;
/// others arrive wrapped in `.linearAlgebra`.
public enum LagrangePropError: Error, Equatable, Sendable {
  // MARK: Building and compiling

  /// A `Variable` handle that does not belong to this graph.
  case unknownVariable(index: Int)
  /// `define` or `constrain` on a variable that already has a constraint.
  case definedTwice(variable: String)
  /// `define` or `constrain` on an input, whose constraint is its copy `x_j − z_j`.
  case cannotDefineInput(variable: String)
  /// A variable declared with `unknown` but never given a constraint.
  case neverDefined(variable: String)
  /// A function called with a number of arguments it does not take.
  case wrongArity(variable: String, function: String, expected: String, actual: Int)
  /// A constant of a local function (power, coefficients) that is NaN or infinite.
  case invalidFunction(variable: String, function: String, reason: String)
  /// `compile` on a graph with no variables.
  case emptyGraph
  /// The objective refers to no variable of the graph, or its weights do not fit.
  case invalidObjective(reason: String)
  /// A cyclic block whose constraints cannot determine its variables on the
  /// sparsity pattern alone (no perfect matching): its variables, by name.
  case structurallySingular(variables: [String])

  // MARK: Calling

  /// A point with the wrong number of inputs.
  case wrongInputCount(expected: Int, actual: Int)
  /// A vector argument (`name`) of the wrong length.
  case wrongLength(argument: String, expected: Int, actual: Int)
  /// A non-finite input value.
  case nonFiniteInput(variable: String, value: Double)
  /// A non-finite value or partial derivative produced by a local function.
  case nonFinite(variable: String, function: String, detail: String)
  /// A non-finite objective value or gradient entry.
  case nonFiniteObjective(detail: String)
  /// A non-finite entry of a vector argument (`argument`: `"seed"`,
  /// `"objectiveGradient"`, `"multipliers"`, `"values"`, `"solution"`,
  /// `"initialGuess"`); `variable` names the entry's variable.
  case nonFiniteArgument(argument: String, variable: String, value: Double)
  /// A `SolveOptions` field out of its range (`name`, e.g. `"tolerance"`).
  case invalidOption(name: String, reason: String)
  /// A custom function's gradient returned the wrong number of partials.
  case customGradientLength(variable: String, function: String, expected: Int, actual: Int)

  // MARK: Solving

  /// A solver that needs an acyclic program (`.sweep`, `.triangular`,
  /// `.bandedTriangular`) was asked to solve a program with cycles; `variables`
  /// names some variables on a cycle.
  case cyclicProgram(solver: Solver, variables: [String])
  /// A dense path whose `8·m²` bytes exceed `SolveOptions.matrixByteLimit`.
  case denseTooLarge(solver: Solver, order: Int, bytes: Int, limit: Int)
  /// A band path whose `8·m·ldab` bytes of band storage exceed `SolveOptions.matrixByteLimit`.
  case bandTooLarge(solver: Solver, order: Int, lower: Int, upper: Int, bytes: Int, limit: Int)
  /// A band path whose band storage would be no smaller than dense storage.
  case bandTooWide(solver: Solver, lower: Int, upper: Int, order: Int)
  /// The matrix of one cyclic block's feedback variables (`order` of them; dense
  /// or band storage) would take `bytes`, over `SolveOptions.matrixByteLimit`;
  /// `variables` names the block's variables.
  case cyclicBlockTooLarge(variables: [String], order: Int, bytes: Int, limit: Int)
  /// A result (`quantity`: `"implicitJacobian()"`, `"jacobian(limit:)"`) whose
  /// `bytes` exceed the limit in force (`SolveOptions.matrixByteLimit`, or the
  /// `limit:` argument).
  case resultTooLarge(quantity: String, bytes: Int, limit: Int)
  /// An adjoint, tangent or implicit-Jacobian entry (`quantity`) that overflowed to
  /// infinity or NaN although every value and partial is finite; `variable` is the
  /// first variable (in solve order) where it appeared.
  case nonFiniteResult(quantity: String, variable: String, solver: Solver)
  /// The system is regular but its estimated reciprocal condition number is below
  /// `SolveOptions.minimumReciprocalCondition` (only when that option is set).
  case illConditioned(reciprocalCondition: Double, threshold: Double, solver: Solver)
  /// `linearize(at:solution:)` was given values that do not solve the constraints:
  /// `variable`'s constraint has relative residual `residual` > `tolerance`.
  case notASolution(variable: String, residual: Double, tolerance: Double)
  /// The constraint Jacobian (or one of its blocks) is singular; the zero pivot
  /// belongs to the constraint owned by `variable`.
  case singularJacobian(variable: String, routine: String)
  /// The forward solve of a cyclic block did not converge: its variables, the
  /// iterations taken and the relative residual reached (see `SolveOptions.tolerance`).
  case notConverged(variables: [String], iterations: Int, residual: Double)
  /// Fixed-point iteration needs assignment constraints; `variable` has a residual one.
  case fixedPointNeedsAssignment(variable: String)
  /// GMRES (`.krylov`, or a block `.automatic` gave to GMRES) stopped after
  /// `iterations` matrix–vector products at relative residual `residual`, above
  /// `tolerance` (`SolveOptions.krylovTolerance`, the inexact-Newton forcing
  /// term, or the looser one of the singularity check described at
  /// `SolveOptions.estimatesCondition`): no approximate result is returned.
  /// A GMRES gradient whose adjoint residual, recomputed from the partials,
  /// exceeds `√krylovTolerance` is refused the same way, with `iterations` 0
  /// and that bound as `tolerance`. Raise `krylovMaxIterations` or
  /// `krylovRestart`, or use `.sparseLU`.
  case krylovNotConverged(iterations: Int, residual: Double, tolerance: Double)
  /// A sparse LU (`.sparseLU`) whose factors — `factorNonzeros` entries of
  /// `L + U` by the fill-reducing ordering, `bytes` in all — would exceed
  /// `SolveOptions.matrixByteLimit`, for the system of order `order` (`D_zz`, or
  /// the cyclic block of `variables`, the first few named).
  case sparseFactorTooLarge(
    variables: [String], order: Int, factorNonzeros: Int, bytes: Int, limit: Int)
  /// A failure of the linear-algebra layer that no variable can be blamed for.
  case linearAlgebra(LinearAlgebraError)

  // MARK: Tracing

  /// A `Traced` value of another trace, or of a trace that has returned, used in
  /// this one; `variable` names it in the trace that made it.
  case foreignTraced(variable: String)
  /// `define` or `constrain` in a trace on a value that was not made by `unknown`
  /// (an input or a computed value).
  case notAnUnknown(variable: String)
  /// A non-finite constant in a traced operation (`x * .infinity`, `x / 0`,
  /// `pow(x, .nan)`, a non-finite `dot` weight), naming the traced operand.
  case nonFiniteConstant(variable: String, operation: String, value: Double)
  /// `sum`, `product` or `dot` of no traced values.
  case emptyTracedReduction(function: String)
}

extension LagrangePropError: CustomStringConvertible {
  /// A sentence naming what went wrong and where (the variable, the routine).
  public var description: String {
    switch self {
    case .unknownVariable(let index):
      return "unknown variable: handle \(index) does not belong to this graph"
    case .definedTwice(let v):
      return "variable '\(v)' is defined twice: it already has a constraint"
    case .cannotDefineInput(let v):
      return "variable '\(v)' is an input and cannot be given another constraint"
    case .neverDefined(let v):
      return "variable '\(v)' was declared with unknown() but never defined or constrained"
    case .wrongArity(let v, let f, let expected, let actual):
      return "variable '\(v)': \(f) takes \(expected) argument(s), got \(actual)"
    case .invalidFunction(let v, let f, let reason):
      return "variable '\(v)': invalid \(f): \(reason)"
    case .emptyGraph:
      return "the graph has no variables"
    case .invalidObjective(let reason):
      return "invalid objective: \(reason)"
    case .structurallySingular(let vs):
      return
        "structurally singular cyclic block: its constraints cannot determine the variables \(Self.list(vs))"
    case .wrongInputCount(let expected, let actual):
      return "expected \(expected) input value(s), got \(actual)"
    case .wrongLength(let argument, let expected, let actual):
      return "\(argument): expected length \(expected), got \(actual)"
    case .nonFiniteInput(let v, let value):
      return "input '\(v)' is not finite (\(value))"
    case .nonFinite(let v, let f, let detail):
      return "variable '\(v)' = \(f)(…): \(detail)"
    case .nonFiniteObjective(let detail):
      return "objective: \(detail)"
    case .nonFiniteArgument(let argument, let v, let value):
      return "\(argument): the entry for '\(v)' is not finite (\(value))"
    case .invalidOption(let name, let reason):
      return "SolveOptions.\(name): \(reason)"
    case .customGradientLength(let v, let f, let expected, let actual):
      return
        "variable '\(v)': custom function \(f) returned \(actual) partial(s), expected \(expected)"
    case .cyclicProgram(let solver, let vs):
      return
        "solver .\(solver) needs an acyclic program, but these variables lie on a cycle: \(Self.list(vs)); use .lu, .blockTriangular or .automatic"
    case .denseTooLarge(let solver, let order, let bytes, let limit):
      return
        "solver .\(solver) would need a dense \(order) × \(order) matrix of \(bytes) bytes, over the limit of \(limit) bytes; use .sweep (acyclic), a banded solver or .blockTriangular, or raise SolveOptions.matrixByteLimit"
    case .bandTooLarge(let solver, let order, let lower, let upper, let bytes, let limit):
      return
        "solver .\(solver) would need \(bytes) bytes of band storage (order \(order), bandwidths \(lower), \(upper)), over the limit of \(limit) bytes; use .sweep (acyclic) or .blockTriangular, or raise SolveOptions.matrixByteLimit"
    case .bandTooWide(let solver, let lower, let upper, let order):
      return
        "solver .\(solver): bandwidths (lower \(lower), upper \(upper)) make band storage no smaller than dense for order \(order); use a dense solver or .sweep"
    case .cyclicBlockTooLarge(let vs, let order, let bytes, let limit):
      return
        "the cyclic block \(Self.list(vs)) has \(order) feedback variable(s): its matrix would need \(bytes) bytes, over the limit of \(limit) bytes; raise SolveOptions.matrixByteLimit"
    case .resultTooLarge(let quantity, let bytes, let limit):
      return
        "\(quantity) would need \(bytes) bytes, over the limit of \(limit) bytes (SolveOptions.matrixByteLimit, or the limit: argument)"
    case .nonFiniteResult(let quantity, let v, let solver):
      return
        "solver .\(solver): the \(quantity) of '\(v)' is not finite although every value and partial is (overflow); rescale the objective or the program"
    case .illConditioned(let rcond, let threshold, let solver):
      return
        "solver .\(solver): the constraint Jacobian's estimated reciprocal condition number \(rcond) is below SolveOptions.minimumReciprocalCondition = \(threshold)"
    case .notASolution(let v, let residual, let tolerance):
      return
        "the given values do not solve the constraints: the constraint of '\(v)' has relative residual \(residual) > tolerance \(tolerance)"
    case .singularJacobian(let v, let routine):
      return "\(routine): the constraint Jacobian is singular at the constraint of variable '\(v)'"
    case .notConverged(let vs, let iterations, let residual):
      return
        "the forward solve of the cyclic block \(Self.list(vs)) did not converge in \(iterations) iteration(s): relative residual \(residual)"
    case .fixedPointNeedsAssignment(let v):
      return
        "fixed-point iteration needs assignments, but '\(v)' has a residual constraint; use Newton"
    case .krylovNotConverged(let iterations, let residual, let tolerance):
      return
        "GMRES did not converge in \(iterations) iteration(s): relative residual \(residual) > tolerance \(tolerance); raise SolveOptions.krylovMaxIterations or krylovRestart, or use .sparseLU"
    case .sparseFactorTooLarge(let vs, let order, let factorNonzeros, let bytes, let limit):
      return
        "a sparse LU of the system of order \(order) (variables \(Self.list(vs))) would fill in to \(factorNonzeros) non-zeros in L + U, \(bytes) bytes, over the limit of \(limit) bytes; use .krylov or .automatic, or raise SolveOptions.matrixByteLimit"
    case .linearAlgebra(let error):
      return error.description
    case .foreignTraced(let v):
      return
        "traced value '\(v)' belongs to another trace, or to a trace that has returned; use values of the trace being recorded"
    case .notAnUnknown(let v):
      return
        "'\(v)' is not an unknown: define and constrain take a variable made by unknown() or unknowns()"
    case .nonFiniteConstant(let v, let operation, let value):
      return "traced operation '\(operation)' on '\(v)': the constant \(value) is not finite"
    case .emptyTracedReduction(let function):
      return "\(function) of no traced values: the array is empty"
    }
  }

  static func list(_ names: [String]) -> String {
    let shown = names.prefix(8).map { "'\($0)'" }.joined(separator: ", ")
    return names.count > 8 ? "\(shown), … (\(names.count) in all)" : shown
  }
}
