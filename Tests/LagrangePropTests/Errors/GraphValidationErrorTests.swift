import Foundation
import LagrangeProp
import XCTest

/// Errors of building and compiling a graph (issue 3, item 2): each asserts the
/// exact `LagrangePropError` case and that its message names the variable.
final class GraphValidationErrorTests: XCTestCase {
  /// A graph of 6 variables whose handles are foreign to smaller graphs.
  func biggerGraph() throws -> (ConstraintGraph, [Variable]) {
    var big = ConstraintGraph()
    let inputs = (0..<3).map { big.input("big\($0)") }
    let sum = try big.define("bigSum", .sum, inputs)
    let e = try big.define("bigExp", .exp, sum)
    let s = try big.define("bigSin", .sin, e)
    return (big, inputs + [sum, e, s])
  }

  func testUnknownVariableFromAnotherGraph() throws {
    let (_, foreign) = try biggerGraph()
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let a = try graph.define("a", .exp, x)
    // As an argument, as the variable being defined and as the variable constrained.
    assertLagrangePropError(
      .unknownVariable(index: 5), mentioning: ["unknown variable", "handle 5"]
    ) {
      try graph.define("bad", .sum, a, foreign[5])
    }
    assertLagrangePropError(.unknownVariable(index: 4), mentioning: ["handle 4"]) {
      try graph.define(foreign[4], .exp, x)
    }
    assertLagrangePropError(.unknownVariable(index: 3), mentioning: ["handle 3"]) {
      try graph.constrain(foreign[3], residual: .sum, x)
    }
    assertLagrangePropError(.unknownVariable(index: 5), mentioning: ["handle 5"]) {
      try graph.define(nil, .sum, [a, foreign[5]])
    }
    // A failed define leaves the graph as it was.
    XCTAssertEqual(graph.variableCount, 2)
    let program = try graph.compile(objective: .variable(a))
    XCTAssertNil(program.variable(named: "bad"))
    XCTAssertEqual(try program.evaluate(at: [0]), 1)
  }

  /// Handles of a graph of the same shape have valid indices, and are still refused
  /// everywhere a handle is taken.
  func testHandleOfAnIdenticalGraph() throws {
    let first = try BlogExample.inOrder()
    let second = try BlogExample.inOrder()
    var graph = first.graph
    assertLagrangePropError(
      .unknownVariable(index: second.a.index), mentioning: ["handle \(second.a.index)"]
    ) {
      try graph.define("g", .exp, second.a)
    }
    let u = graph.unknown("u")
    assertLagrangePropError(
      .unknownVariable(index: second.b.index), mentioning: ["handle \(second.b.index)"]
    ) {
      try graph.define(u, .sum, first.a, second.b)
    }
    assertLagrangePropError(
      .unknownVariable(index: second.c.index), mentioning: ["handle \(second.c.index)"]
    ) {
      try graph.define(second.c, .exp, first.x)
    }
    XCTAssertThrowsError(try first.graph.name(of: second.f))
    let program = try first.graph.compile(objective: .variable(first.f))
    XCTAssertTrue(program.contains(first.f))
    XCTAssertFalse(program.contains(second.f))
    assertLagrangePropError(
      .unknownVariable(index: second.f.index), mentioning: ["handle \(second.f.index)"]
    ) {
      _ = try program.name(of: second.f)
    }
    let lin = try program.linearize(at: [0.5, -1])
    assertLagrangePropError(
      .unknownVariable(index: second.d.index), mentioning: ["handle \(second.d.index)"]
    ) {
      _ = try lin.value(of: second.d)
    }
    let error = caughtLagrangePropError {
      _ = try first.graph.compile(objective: .variable(second.f))
    }
    guard case .invalidObjective? = error else {
      return XCTFail("got \(String(describing: error))")
    }
    assertDescription(error, contains: ["handle \(second.f.index)"])
  }

  /// A foreign handle whose index is the one the new variable is about to get
  /// must not become a self-reference (`z = exp(z)`).
  func testForeignHandleIsNotTheNewVariable() throws {
    let (_, foreign) = try biggerGraph()
    var graph = ConstraintGraph()
    let x = graph.input("x")
    _ = try graph.define("a", .exp, x)
    assertLagrangePropError(.unknownVariable(index: 2), mentioning: ["handle 2"]) {
      try graph.define("b", .exp, foreign[2])
    }
    assertLagrangePropError(.unknownVariable(index: 2), mentioning: ["handle 2"]) {
      try graph.define(nil, .sum, [x, foreign[2]])
    }
    XCTAssertEqual(graph.variableCount, 2)
  }

  func testDefinedTwice() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let u = graph.unknown("u")
    try graph.define(u, .exp, x)
    assertLagrangePropError(.definedTwice(variable: "u"), mentioning: ["'u'", "defined twice"]) {
      try graph.define(u, .sin, x)
    }
    assertLagrangePropError(.definedTwice(variable: "u"), mentioning: ["'u'"]) {
      try graph.constrain(u, residual: .sum, u, x)
    }
    let a = try graph.define("a", .square, u)
    assertLagrangePropError(.definedTwice(variable: "a"), mentioning: ["'a'"]) {
      try graph.define(a, .exp, x)
    }
    // Unnamed: named by its declaration index.
    let unnamed = try graph.define(.cos, x)
    XCTAssertEqual(unnamed.index, 3)
    assertLagrangePropError(
      .definedTwice(variable: "z#\(unnamed.index)"), mentioning: ["'z#\(unnamed.index)'"]
    ) {
      try graph.define(unnamed, .exp, x)
    }
    // The first definition stands.
    let program = try graph.compile(objective: .variable(a))
    assertClose(try program.evaluate(at: [0.3]), Foundation.exp(0.6), relative: 1e-15)
  }

  func testDefiningAnInput() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let y = graph.input()
    assertLagrangePropError(.cannotDefineInput(variable: "x"), mentioning: ["'x'", "input"]) {
      try graph.define(x, .exp, y)
    }
    assertLagrangePropError(.cannotDefineInput(variable: "x"), mentioning: ["'x'"]) {
      try graph.constrain(x, residual: .sum, x, y)
    }
    assertLagrangePropError(.cannotDefineInput(variable: "x#1"), mentioning: ["'x#1'"]) {
      try graph.define(y, .exp, x)
    }
  }

  func testNeverDefined() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let u = graph.unknown("u")
    let a = try graph.define("a", .sum, x, u)
    assertLagrangePropError(.neverDefined(variable: "u"), mentioning: ["'u'", "never defined"]) {
      _ = try graph.compile(objective: .variable(a))
    }
    var unnamed = ConstraintGraph()
    let y = unnamed.input()
    _ = unnamed.unknown()
    assertLagrangePropError(.neverDefined(variable: "z#1"), mentioning: ["'z#1'"]) {
      _ = try unnamed.compile(objective: .variable(y))
    }
  }

  func testWrongArity() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x"), y = graph.input("y"), w = graph.input("w")
    assertLagrangePropError(
      .wrongArity(variable: "e", function: "exp", expected: "1", actual: 2),
      mentioning: ["'e'", "exp", "takes 1", "got 2"]
    ) { try graph.define("e", .exp, x, y) }
    assertLagrangePropError(
      .wrongArity(variable: "l", function: "linear", expected: "2", actual: 3),
      mentioning: ["'l'", "linear", "got 3"]
    ) { try graph.define("l", .linear([1, 2]), x, y, w) }
    assertLagrangePropError(
      .wrongArity(variable: "s", function: "sum", expected: "at least 1", actual: 0),
      mentioning: ["'s'", "sum", "at least 1"]
    ) { try graph.define("s", .sum, []) }
    assertLagrangePropError(
      .wrongArity(variable: "af", function: "affine", expected: "1", actual: 2),
      mentioning: ["'af'", "affine"]
    ) { try graph.define("af", .affine(constant: 1, coefficients: [2]), x, y) }
    assertLagrangePropError(
      .wrongArity(variable: "p", function: "power(2.0)", expected: "1", actual: 0),
      mentioning: ["'p'", "power(2.0)"]
    ) { try graph.define("p", .power(2), []) }
    assertLagrangePropError(
      .wrongArity(variable: "q", function: "quotient", expected: "2", actual: 1),
      mentioning: ["'q'", "quotient", "takes 2", "got 1"]
    ) { try graph.define("q", .quotient, x) }
    assertLagrangePropError(
      .wrongArity(variable: "q3", function: "quotient", expected: "2", actual: 3),
      mentioning: ["'q3'", "quotient", "got 3"]
    ) { try graph.define("q3", .quotient, [x, y, w]) }
    let custom = LocalFunction.custom(name: "myFunction", arity: 2) { $0[0] * $0[1] }
    assertLagrangePropError(
      .wrongArity(variable: "m", function: "myFunction", expected: "2", actual: 1),
      mentioning: ["'m'", "myFunction"]
    ) { try graph.define("m", custom, x) }
    // Through define on a declared variable.
    let u = graph.unknown("u")
    assertLagrangePropError(
      .wrongArity(variable: "u", function: "tanh", expected: "1", actual: 3),
      mentioning: ["'u'", "tanh"]
    ) { try graph.define(u, .tanh, x, y, w) }
    XCTAssertEqual(graph.variableCount, 4)
  }

  func testInvalidConstant() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x"), y = graph.input("y")
    assertLagrangePropError(
      .invalidFunction(variable: "p", function: "power(nan)", reason: "constants must be finite"),
      mentioning: ["'p'", "power"]
    ) { try graph.define("p", .power(.nan), x) }
    assertLagrangePropError(
      .invalidFunction(variable: "l", function: "linear", reason: "constants must be finite"),
      mentioning: ["'l'", "linear", "finite"]
    ) { try graph.define("l", .linear([1, .infinity]), x, y) }
    assertLagrangePropError(
      .invalidFunction(variable: "af", function: "affine", reason: "constants must be finite"),
      mentioning: ["'af'", "affine"]
    ) { try graph.define("af", .affine(constant: -.infinity, coefficients: [1]), x) }
    let u = graph.unknown("u")
    assertLagrangePropError(
      .invalidFunction(variable: "u", function: "power(inf)", reason: "constants must be finite"),
      mentioning: ["'u'"]
    ) { try graph.define(u, .power(.infinity), x) }
    XCTAssertEqual(graph.variableCount, 3)
  }

  func testEmptyGraph() throws {
    let graph = ConstraintGraph()
    assertLagrangePropError(.emptyGraph, mentioning: ["no variables"]) {
      _ = try graph.compile(objective: .linear([]))
    }
  }

  func testInvalidObjective() throws {
    let (_, foreign) = try biggerGraph()
    var graph = ConstraintGraph()
    let x = graph.input("x"), y = graph.input("y")
    _ = try graph.define("s", .sum, x, y)
    // A variable of a bigger graph.
    let error = caughtLagrangePropError { _ = try graph.compile(objective: .variable(foreign[5])) }
    guard case .invalidObjective? = error else {
      return XCTFail("got \(String(describing: error))")
    }
    assertDescription(error, contains: ["invalid objective", "handle 5", "3 variables"])
    // Wrong number of weights.
    assertLagrangePropError(
      .invalidObjective(reason: "linear objective has 2 weights for 3 variables"),
      mentioning: ["2 weights"]
    ) { _ = try graph.compile(objective: .linear([1, 2])) }
    // A NaN weight names its variable.
    let nan = caughtLagrangePropError { _ = try graph.compile(objective: .linear([1, .nan, 2])) }
    guard case .invalidObjective? = nan else { return XCTFail("got \(String(describing: nan))") }
    assertDescription(nan, contains: ["'y'", "not finite"])
    assertLagrangePropError(
      .invalidObjective(reason: "weight of 's' is not finite (inf)"), mentioning: ["'s'"]
    ) { _ = try graph.compile(objective: .linear([1, 0, .infinity])) }
  }

  /// A lone residual constraint that does not involve its variable cannot determine it.
  func testStructurallySingular() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let u = graph.unknown("u")
    try graph.constrain(u, residual: .sin, x)
    let error = caughtLagrangePropError { _ = try graph.compile(objective: .variable(u)) }
    XCTAssertEqual(error, .structurallySingular(variables: ["u"]))
    assertDescription(error, contains: ["'u'", "structurally singular"])
  }
}
