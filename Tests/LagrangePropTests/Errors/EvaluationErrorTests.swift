import Foundation
import LagrangeProp
import XCTest

/// Errors of calling a compiled program (issue 3, item 3, and the vector
/// arguments of `Linearization`): each asserts the exact `LagrangePropError`
/// case, that every entry point throws it, and that its message names the variable.
final class EvaluationErrorTests: XCTestCase {
  /// The forward entry points; each must report the same error.
  func entryPoints(_ program: Program, _ inputs: [Double]) -> [(String, () throws -> Void)] {
    [
      ("evaluate", { _ = try program.evaluate(at: inputs) }),
      ("solveConstraints", { _ = try program.solveConstraints(at: inputs) }),
      ("gradient(.sweep)", { _ = try program.gradient(at: inputs, solver: .sweep) }),
      ("linearize(.lu)", { _ = try program.linearize(at: inputs, solver: .lu) }),
      ("gradient(.automatic)", { _ = try program.gradient(at: inputs) }),
    ]
  }

  func blogProgram() throws -> (BlogExample, Program) {
    let blog = try BlogExample.inOrder()
    return (blog, try blog.graph.compile(objective: .variable(blog.f)))
  }

  func testWrongInputCount() throws {
    let (_, program) = try blogProgram()
    for inputs in [[0.5], [0.5, -1, 2], []] {
      for (name, call) in entryPoints(program, inputs) {
        assertLagrangePropError(
          .wrongInputCount(expected: 2, actual: inputs.count),
          mentioning: ["expected 2", "got \(inputs.count)"], name,
          call)
      }
    }
    let values = [Double](repeating: 0, count: 8)
    assertLagrangePropError(.wrongInputCount(expected: 2, actual: 1), mentioning: ["got 1"]) {
      _ = try program.lagrangian(inputs: [1], values: values, multipliers: values)
    }
    assertLagrangePropError(.wrongInputCount(expected: 2, actual: 3), mentioning: ["got 3"]) {
      _ = try program.lagrangianGradient(inputs: [1, 2, 3], values: values, multipliers: values)
    }
    assertLagrangePropError(.wrongInputCount(expected: 2, actual: 0), mentioning: ["got 0"]) {
      _ = try program.constraintResiduals(inputs: [], values: values)
    }
  }

  func testNonFiniteInput() throws {
    let (_, program) = try blogProgram()
    for (name, call) in entryPoints(program, [.nan, 0]) {
      let error = caughtLagrangePropError(name, call)
      guard case .nonFiniteInput(let variable, let value)? = error else {
        XCTFail("\(name): got \(String(describing: error))")
        continue
      }
      XCTAssertEqual(variable, "x", name)
      XCTAssertTrue(value.isNaN, name)
      assertDescription(error, contains: ["'x'", "nan"], name)
    }
    for (name, call) in entryPoints(program, [0, -.infinity]) {
      assertLagrangePropError(
        .nonFiniteInput(variable: "y", value: -.infinity), mentioning: ["'y'", "-inf"], name, call)
    }
    // Unnamed inputs are named by their position among the inputs.
    var graph = ConstraintGraph()
    let u = graph.input(), v = graph.input()
    let s = try graph.define(.sum, u, v)
    let unnamed = try graph.compile(objective: .variable(s))
    for (name, call) in entryPoints(unnamed, [1, .infinity]) {
      assertLagrangePropError(
        .nonFiniteInput(variable: "x#1", value: .infinity), mentioning: ["'x#1'"], name, call)
    }
  }

  /// `shifted = x − 1`, `l = log(shifted)` (or another function), `f = l + x`:
  /// at `x = 0.5` the error names `l` and its function, and no NaN reaches `f`.
  func checkNonFinite(
    _ function: LocalFunction, at x: Double, name functionName: String, detail: String,
    valueOnlyThrows: Bool = true, line: UInt = #line
  ) throws {
    var graph = ConstraintGraph()
    let input = graph.input("x")
    let shifted = try graph.define("shifted", .affine(constant: -1, coefficients: [1]), input)
    let l = try graph.define("l", function, shifted)
    let f = try graph.define("f", .sum, l, input)
    let program = try graph.compile(objective: .variable(f))
    for (name, call) in entryPoints(program, [x]) {
      if name == "evaluate" && !valueOnlyThrows {
        XCTAssertNoThrow(try call(), "the value alone is finite", line: line)
        continue
      }
      let error = caughtLagrangePropError(name, line: line, call)
      guard case .nonFinite(let variable, let reported, let message)? = error else {
        XCTFail("\(name): got \(String(describing: error))", line: line)
        continue
      }
      XCTAssertEqual(variable, "l", name, line: line)
      XCTAssertEqual(reported, functionName, name, line: line)
      XCTAssertTrue(
        message.contains(detail), "\(name): «\(message)» should contain «\(detail)»", line: line)
      assertDescription(error, contains: ["'l'", functionName, "\(x - 1)"], name, line: line)
    }
  }

  func testLogOfNegativeNumber() throws {
    try checkNonFinite(.log, at: 0.5, name: "log", detail: "nan")
    try checkNonFinite(.log, at: 1, name: "log", detail: "nan")
  }

  func testSqrtOfNegativeNumber() throws {
    try checkNonFinite(.sqrt, at: 0.5, name: "sqrt", detail: "nan")
    // √0 = 0 is finite, its derivative is not: only the paths with partials throw.
    try checkNonFinite(.sqrt, at: 1, name: "sqrt", detail: "partial", valueOnlyThrows: false)
  }

  func testOverflowAndPoles() throws {
    try checkNonFinite(.exp, at: 1001, name: "exp", detail: "inf")
    try checkNonFinite(.power(-1), at: 1, name: "power(-1.0)", detail: "inf")
    try checkNonFinite(.power(0.5), at: 0, name: "power(0.5)", detail: "nan")
    let nanFunction = LocalFunction.custom(name: "brokenCustom") { _ in .nan }
    try checkNonFinite(nanFunction, at: 0.5, name: "brokenCustom", detail: "nan")
    let badGradient = LocalFunction.custom(
      name: "badGradient", value: { $0[0] }, gradient: { _ in [.infinity] })
    try checkNonFinite(
      badGradient, at: 0.5, name: "badGradient", detail: "partial", valueOnlyThrows: false)
  }

  func testCustomGradientOfWrongLength() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x"), y = graph.input("y")
    let bad = LocalFunction.custom(
      name: "tooManyPartials", arity: 2, value: { $0[0] * $0[1] }, gradient: { [$0[1], $0[0], 1] })
    let m = try graph.define("m", bad, x, y)
    let program = try graph.compile(objective: .variable(m))
    for (name, call) in entryPoints(program, [2, 3]) where name != "evaluate" {
      assertLagrangePropError(
        .customGradientLength(variable: "m", function: "tooManyPartials", expected: 2, actual: 3),
        mentioning: ["'m'", "tooManyPartials", "3 partial"], name, call)
    }
    // The value alone needs no gradient.
    XCTAssertEqual(try program.evaluate(at: [2, 3]), 6)
  }

  func testNonFiniteObjective() throws {
    let blog = try BlogExample.inOrder()
    let nanValue = try blog.graph.compile(
      objective: .custom(value: { _ in .nan }, gradient: { z in z.map { _ in 0 } }))
    for (name, call) in entryPoints(nanValue, [0.5, -1])
    where name != "solveConstraints" && name != "linearize(.lu)" {
      assertLagrangePropError(
        .nonFiniteObjective(detail: "the objective value is nan"),
        mentioning: ["objective", "nan"], name, call)
    }
    XCTAssertNoThrow(
      try nanValue.solveConstraints(at: [0.5, -1]), "the constraints alone are fine")

    let b = blog.b
    let infGradient = try blog.graph.compile(
      objective: .custom(
        value: { $0.reduce(0, +) },
        gradient: { z in z.indices.map { $0 == b.index ? .infinity : 1 } }))
    assertLagrangePropError(.nonFiniteObjective(detail: "∂f/∂'b' is inf"), mentioning: ["'b'"]) {
      _ = try infGradient.gradient(at: [0.5, -1])
    }
    let shortGradient = try blog.graph.compile(
      objective: .custom(value: { $0.reduce(0, +) }, gradient: { _ in [1, 2, 3] }))
    assertLagrangePropError(
      .wrongLength(argument: "objective gradient", expected: 8, actual: 3),
      mentioning: ["objective gradient", "8", "3"]
    ) { _ = try shortGradient.gradient(at: [0.5, -1], solver: .lu) }
  }

  func testWrongSeedAndObjectiveGradientLength() throws {
    let (blog, program) = try blogProgram()
    for solver in [Solver.sweep, .triangular, .lu, .bandedLU, .blockTriangular] {
      let lin = try program.linearize(at: [0.5, -1], solver: solver)
      assertLagrangePropError(
        .wrongLength(argument: "seed", expected: 8, actual: 2), mentioning: ["seed", "8", "2"]
      ) {
        _ = try lin.tangents(seed: [1, 0])
      }
      assertLagrangePropError(
        .wrongLength(argument: "objectiveGradient", expected: 8, actual: 9),
        mentioning: ["objectiveGradient"]
      ) { _ = try lin.adjoints(objectiveGradient: [Double](repeating: 1, count: 9)) }
      assertLagrangePropError(
        .wrongLength(argument: "multipliers", expected: 8, actual: 1), mentioning: ["multipliers"]
      ) {
        _ = try lin.kktResiduals(multipliers: [1])
      }
      // A non-finite entry names its variable.
      var seed = [Double](repeating: 0, count: 8)
      seed[blog.a.index] = .nan
      // (NaN ≠ NaN, so the payload is matched rather than compared.)
      let seedError = caughtLagrangePropError("seed") { _ = try lin.tangents(seed: seed) }
      guard case .nonFiniteArgument("seed", "a", let value)? = seedError, value.isNaN else {
        return XCTFail("expected .nonFiniteArgument for 'a', got \(String(describing: seedError))")
      }
      assertDescription(seedError, contains: ["'a'", "seed"])
      var w = [Double](repeating: 0, count: 8)
      w[blog.e.index] = .infinity
      assertLagrangePropError(
        .nonFiniteArgument(argument: "objectiveGradient", variable: "e", value: .infinity),
        mentioning: ["'e'"]
      ) { _ = try lin.adjoints(objectiveGradient: w) }
    }
  }

  func testLagrangianArguments() throws {
    let (blog, program) = try blogProgram()
    let values = blog.values(x: 0.5, y: -1)
    let zeros = [Double](repeating: 0, count: 8)
    assertLagrangePropError(
      .wrongLength(argument: "values", expected: 8, actual: 7), mentioning: ["values"]
    ) {
      _ = try program.lagrangian(
        inputs: [0.5, -1], values: Array(values.prefix(7)), multipliers: zeros)
    }
    assertLagrangePropError(
      .wrongLength(argument: "multipliers", expected: 8, actual: 0), mentioning: ["multipliers"]
    ) {
      _ = try program.lagrangianGradient(inputs: [0.5, -1], values: values, multipliers: [])
    }
    // At an infeasible point the local functions are evaluated at the given values.
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let l = try graph.define("l", .log, x)
    let logProgram = try graph.compile(objective: .variable(l))
    let error = caughtLagrangePropError {
      _ = try logProgram.lagrangian(inputs: [1], values: [-2, 0], multipliers: [1, 1])
    }
    guard case .nonFinite(variable: "l", function: "log", detail: _)? = error else {
      return XCTFail("got \(String(describing: error))")
    }
    assertDescription(error, contains: ["'l'", "log"])
  }

  func testInitialGuessOfWrongLength() throws {
    let (_, program) = try blogProgram()
    var options = SolveOptions()
    options.initialGuess = [1, 2]
    assertLagrangePropError(
      .wrongLength(argument: "initialGuess", expected: 8, actual: 2), mentioning: ["initialGuess"]
    ) {
      _ = try program.solveConstraints(at: [0.5, -1], options: options)
    }
    assertLagrangePropError(
      .wrongLength(argument: "initialGuess", expected: 8, actual: 2), mentioning: ["initialGuess"]
    ) {
      _ = try program.gradient(at: [0.5, -1], options: options)
    }
  }
}

extension EvaluationErrorTests {
  /// A quotient by zero is a non-finite value naming the variable and `quotient`.
  func testQuotientByZero() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x"), y = graph.input("y")
    let q = try graph.define("q", .quotient, x, y)
    let program = try graph.compile(objective: .variable(q))
    XCTAssertEqual(try program.evaluate(at: [1, 4]), 0.25)
    let error = caughtLagrangePropError { _ = try program.gradient(at: [1, 0]) }
    guard case .nonFinite(variable: "q", function: "quotient", detail: _)? = error else {
      return XCTFail("got \(String(describing: error))")
    }
    assertDescription(error, contains: ["'q'", "quotient"])
  }
}
