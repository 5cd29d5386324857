import Foundation
import LagrangeProp
import XCTest

/// Copies of a `ConstraintGraph` share their handles until they diverge: a handle
/// made by one copy after the fork is refused by the other (it would otherwise
/// silently name another variable there), while handles made before the fork stay
/// valid in both.
final class GraphCopyIdentityTests: XCTestCase {
  /// Two copies that each declare a variable after the fork.
  func diverged() throws -> (
    first: ConstraintGraph, second: ConstraintGraph, shared: Variable, fromFirst: Variable,
    fromSecond: Variable
  ) {
    var first = ConstraintGraph()
    let x = first.input("x")
    var second = first
    let a = try first.define("a", .exp, x)  // same index as b: 1
    let b = try second.define("b", .sin, x)
    XCTAssertEqual(a.index, b.index)
    return (first, second, x, a, b)
  }

  func testHandlesMadeAfterTheForkAreRefusedByTheOtherCopy() throws {
    var (first, second, x, a, b) = try diverged()
    XCTAssertTrue(first.contains(a))
    XCTAssertTrue(second.contains(b))
    XCTAssertFalse(first.contains(b))
    XCTAssertFalse(second.contains(a))
    assertLagrangePropError(.unknownVariable(index: b.index), mentioning: ["handle \(b.index)"]) {
      _ = try first.name(of: b)
    }
    assertLagrangePropError(.unknownVariable(index: a.index), mentioning: ["handle \(a.index)"]) {
      try second.define("c", .square, a)
    }
    assertLagrangePropError(.unknownVariable(index: b.index), mentioning: []) {
      try first.define(.sum, x, b)
    }
    // The handle made before the fork stays valid in both copies.
    XCTAssertEqual(try first.name(of: x), "x")
    XCTAssertEqual(try second.name(of: x), "x")
    XCTAssertEqual(try first.name(of: a), "a")
    XCTAssertEqual(try second.name(of: b), "b")
  }

  func testProgramsOfDivergedCopiesRefuseEachOthersHandles() throws {
    let (first, second, x, a, b) = try diverged()
    let p1 = try first.compile(objective: .variable(a))
    let p2 = try second.compile(objective: .variable(b))
    XCTAssertEqual(try p1.evaluate(at: [0.5]), Foundation.exp(0.5), accuracy: 1e-15)
    XCTAssertEqual(try p2.evaluate(at: [0.5]), Foundation.sin(0.5), accuracy: 1e-15)
    // compile refuses the other copy's objective handle, as any foreign handle.
    let error = caughtLagrangePropError { _ = try first.compile(objective: .variable(b)) }
    guard case .invalidObjective? = error else {
      return XCTFail("got \(String(describing: error))")
    }
    assertDescription(error, contains: ["handle \(b.index)"])
    let lin = try p1.linearize(at: [0.5])
    assertLagrangePropError(.unknownVariable(index: b.index), mentioning: []) {
      _ = try lin.value(of: b)
    }
    assertLagrangePropError(.unknownVariable(index: a.index), mentioning: []) {
      _ = try p2.name(of: a)
    }
    // Pre-fork handles work in both programs.
    XCTAssertEqual(try lin.value(of: x), 0.5)
    XCTAssertEqual(try p2.name(of: x), "x")
    XCTAssertEqual(try p1.name(of: a), "a")
  }

  /// A copy that is never changed keeps accepting the handles it had, and the
  /// graph that went on refuses nothing it made itself.
  func testSnapshotAndRepeatedForks() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let snapshot = graph
    let a = try graph.define("a", .exp, x)
    XCTAssertFalse(snapshot.contains(a))
    XCTAssertTrue(snapshot.contains(x))
    var third = graph  // a second fork, from the graph that forked once
    let b = try graph.define("b", .square, a)
    let c = try third.define("c", .sin, a)
    XCTAssertTrue(graph.contains(a) && graph.contains(b) && graph.contains(x))
    XCTAssertTrue(third.contains(a) && third.contains(c) && third.contains(x))
    XCTAssertFalse(graph.contains(c))
    XCTAssertFalse(third.contains(b))
    let program = try graph.compile(objective: .variable(b))
    XCTAssertTrue(program.contains(x) && program.contains(a) && program.contains(b))
    XCTAssertFalse(program.contains(c))
    let g = try program.gradient(at: [0.25])
    XCTAssertEqual(g.gradient[0], 2 * Foundation.exp(0.5), accuracy: 1e-13)
  }

  /// Defining an existing unknown in one copy does not fork handles: both copies
  /// still share all handles (no new variable was made).
  func testDefiningWithoutNewVariablesKeepsHandlesShared() throws {
    var first = ConstraintGraph()
    let x = first.input("x")
    let v = first.unknown("v")
    var second = first
    try first.define(v, .exp, x)
    try second.define(v, .sin, x)
    XCTAssertEqual(try first.compile(objective: .variable(v)).evaluate(at: [0]), 1)
    XCTAssertEqual(try second.compile(objective: .variable(v)).evaluate(at: [0]), 0)
  }

  /// Compiling shares nothing that would make the graph fork: handles made after a
  /// compile are refused by that program (they are not in it) and accepted by the next.
  func testCompileThenExtend() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let a = try graph.define("a", .exp, x)
    let first = try graph.compile(objective: .variable(a))
    let b = try graph.define("b", .sin, a)
    XCTAssertFalse(first.contains(b))
    let second = try graph.compile(objective: .variable(b))
    XCTAssertTrue(second.contains(x) && second.contains(a) && second.contains(b))
    XCTAssertEqual(try second.evaluate(at: [0]), Foundation.sin(1), accuracy: 1e-15)
  }
}
