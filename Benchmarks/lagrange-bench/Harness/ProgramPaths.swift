import LagrangeProp

/// The cost of one solver on one program, through the public API: the time of
/// `linearize(at:solver:)` (forward pass, plus assembly and factorization for
/// matrix solvers) and of `adjoints()` on the result (the solve), and the
/// adjoints themselves for the answer check.
struct PathMeasurement: Sendable {
  /// `program.linearize(at:solver:options:)`.
  var linearize: Timing
  /// `linearization.adjoints()`.
  var adjoints: Timing
  /// The adjoints `λ` (declaration order), as delivered to the check.
  var answer: [Double]
  /// The gradient `∂f/∂x` (the inputs' adjoints).
  var gradient: [Double]
}

extension Harness {
  /// Times `linearize` and `adjoints` of `solver` on `program` at `inputs`.
  ///
  /// - Parameter path: the path's name, for progress and the corruption hook.
  /// - Throws: whatever the engine throws (e.g. `.denseTooLarge`).
  func measurePath(
    _ path: String, row: String, program: Program, inputs: [Double], solver: Solver,
    options: SolveOptions = SolveOptions()
  ) throws -> PathMeasurement {
    let linearize = try measure("\(row) · \(path): linearize") {
      blackHole(try program.linearize(at: inputs, solver: solver, options: options))
    }
    let linearization = try program.linearize(at: inputs, solver: solver, options: options)
    let adjoints = try measure("\(row) · \(path): adjoints") {
      blackHole(try linearization.adjoints())
    }
    let answer = deliver(try linearization.adjoints(), path: path)
    let gradient = program.inputs.map { answer[$0.index] }
    return PathMeasurement(
      linearize: linearize, adjoints: adjoints, answer: answer, gradient: gradient)
  }
}
