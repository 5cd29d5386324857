import Foundation
import LagrangeProp
import XCTest

/// `Program.Workspace` and the two-pass `.sweep` gradient: the same answers, bit
/// for bit, as the plain calls and as the sweep on stored partials.
final class WorkspaceTests: XCTestCase {
  /// Every op code, an input declared after an intermediate (so program order is
  /// not declaration order) and a linear objective.
  static func everyOpCodeProgram() throws -> Program {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let early = try graph.define("early", .square, x)
    let y = graph.input("y")
    let e = try graph.define("e", .exp, x)
    let l = try graph.define("l", .log, e)
    let s = try graph.define("s", .sin, y)
    let c = try graph.define("c", .cos, x)
    let t = try graph.define("t", .tanh, s)
    let g = try graph.define("g", .sigmoid, c)
    let r = try graph.define("r", .sqrt, e)
    let sum = try graph.define("sum", .sum, l, s, t, early)
    let prod = try graph.define("prod", .product, g, r, sum)
    let pw = try graph.define("pw", .power(2.5), r)
    let lin = try graph.define("lin", .linear([0.5, -2]), prod, pw)
    let aff = try graph.define("aff", .affine(constant: 1, coefficients: [3, 1]), lin, c)
    let cu = try graph.define(
      "cu",
      .custom(
        name: "hypot", arity: 2, value: { ($0[0] * $0[0] + $0[1] * $0[1]).squareRoot() },
        gradient: { z in
          let h = (z[0] * z[0] + z[1] * z[1]).squareRoot()
          return [z[0] / h, z[1] / h]
        }), aff, t)
    var weights = [Double](repeating: 0, count: graph.variableCount)
    weights[cu.index] = 1
    weights[sum.index] = -0.25
    weights[early.index] = 2
    return try graph.compile(objective: .linear(weights))
  }

  static let points: [[Double]] = [[0.3, -1.2], [1.1, 0.4], [-0.7, 2.5], [0.05, -0.05]]

  func testSweepGradientEqualsSweepOnStoredPartialsBitForBit() throws {
    let program = try Self.everyOpCodeProgram()
    for point in Self.points {
      let twoPass = try program.gradient(at: point, solver: .sweep)
      let stored = try program.linearize(at: point, solver: .sweep).gradient()
      XCTAssertEqual(twoPass.value, stored.value, "\(point)")
      XCTAssertEqual(twoPass.gradient, stored.gradient, "\(point)")
      XCTAssertEqual(twoPass.adjoints, stored.adjoints, "\(point)")
      XCTAssertEqual(twoPass.solver, .sweep)
    }
  }

  /// The reverse pass keeps the push into the next position down in a register:
  /// arguments repeated (`sum(a, a)`, a `.linear` naming the position below twice),
  /// pushes of `−0` (a zero coefficient times a negative multiplier) and a
  /// multiplier of exactly 0 must still give the stored-partials sweep's bits,
  /// signed zeros included.
  func testRepeatedAdjacentArgumentsBitForBit() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let y = graph.input("y")
    let a = try graph.define("a", .exp, x)
    let s = try graph.define("s", .sum, a, a, y, a)
    let l = try graph.define("l", .linear([0.1, -0.7, 1e-17, 0]), s, a, s, s)
    let q = try graph.define("q", .square, l)
    let m = try graph.define("m", .linear([0, -1.3]), x, q)
    let t = try graph.define("t", .tanh, m)
    let z = try graph.define("z", .linear([0.0, 3.0]), t, y)
    let u = try graph.define("u", .sin, z)
    var weights = [Double](repeating: 0, count: graph.variableCount)
    weights[u.index] = -1
    weights[t.index] = 0.3
    weights[s.index] = 1e-16
    let program = try graph.compile(objective: .linear(weights))
    for point in [[0.3, -1.2], [1.1, 0.4], [-0.7, 2.5], [0.05, -0.05], [0, 0]] {
      let twoPass = try program.gradient(at: point, solver: .sweep)
      let stored = try program.linearize(at: point, solver: .sweep).gradient()
      XCTAssertEqual(
        twoPass.adjoints.map(\.bitPattern), stored.adjoints.map(\.bitPattern), "\(point)")
      XCTAssertEqual(
        twoPass.gradient.map(\.bitPattern), stored.gradient.map(\.bitPattern), "\(point)")
    }
  }

  func testWorkspaceCallsEqualPlainCallsBitForBit() throws {
    let program = try Self.everyOpCodeProgram()
    let workspace = Program.Workspace()
    for point in Self.points {
      XCTAssertEqual(
        try program.evaluate(at: point, workspace: workspace), try program.evaluate(at: point))
      let plain = try program.gradient(at: point)
      let reused = try program.gradient(at: point, workspace: workspace)
      XCTAssertEqual(reused.gradient, plain.gradient)
      XCTAssertEqual(reused.adjoints, plain.adjoints)
      XCTAssertEqual(reused.value, plain.value)
      let lin = try program.linearize(at: point, solver: .lu, workspace: workspace)
      XCTAssertEqual(lin.values, try program.solveConstraints(at: point))
      XCTAssertEqual(
        try lin.gradient().gradient, try program.gradient(at: point, solver: .lu).gradient)
    }
    XCTAssertGreaterThanOrEqual(
      workspace.byteCount, 8 * (2 * program.variableCount + program.edgeCount))
  }

  /// Results kept alive are never overwritten by later calls with the same workspace.
  func testKeptResultsSurviveLaterCalls() throws {
    let program = try Self.everyOpCodeProgram()
    let workspace = Program.Workspace()
    let first = try program.gradient(at: Self.points[0], workspace: workspace)
    let firstLin = try program.linearize(at: Self.points[0], solver: .sweep, workspace: workspace)
    let firstCopy = (first.adjoints, firstLin.values)
    for point in Self.points.dropFirst() {
      _ = try program.gradient(at: point, workspace: workspace)
      _ = try program.linearize(at: point, solver: .lu, workspace: workspace)
    }
    XCTAssertEqual(first.adjoints, firstCopy.0)
    XCTAssertEqual(firstLin.values, firstCopy.1)
    XCTAssertEqual(try firstLin.gradient().adjoints, first.adjoints)
  }

  /// The plain calls share the program's spare workspace: results they returned
  /// stay as they were through later plain calls, from this thread and from
  /// several at once, and every plain answer equals a fresh workspace's.
  func testPlainResultsSurviveLaterPlainCallsOnSeveralThreads() throws {
    let program = try Self.everyOpCodeProgram()
    let fresh = try Self.points.map { try program.gradient(at: $0, workspace: Program.Workspace()) }
    let kept = try Self.points.map { try program.gradient(at: $0) }
    let keptAdjoints = kept.map { $0.adjoints.map { $0 } }  // element-wise copies
    let mismatches = MismatchLog()
    DispatchQueue.concurrentPerform(iterations: 4) { worker in
      for round in 0..<25 {
        let k = (worker + round) % Self.points.count
        do {
          let g = try program.gradient(at: Self.points[k])
          let f = try program.evaluate(at: Self.points[k])
          if g.adjoints != fresh[k].adjoints || g.value != fresh[k].value || f != fresh[k].value {
            mismatches.append("worker \(worker) point \(k)")
          }
        } catch {
          mismatches.append("worker \(worker) point \(k): \(error)")
        }
      }
    }
    XCTAssertEqual(mismatches.entries, [])
    for k in kept.indices {
      XCTAssertEqual(kept[k].adjoints, keptAdjoints[k], "point \(k)")
      XCTAssertEqual(kept[k].adjoints, fresh[k].adjoints, "point \(k)")
    }
  }

  func testCyclicProgramWithWorkspace() throws {
    let program = try SineCycle.productProgram(inputs: 1)
    let workspace = Program.Workspace()
    for k in 0..<5 {
      let point = [0.2 * Double(k) - 0.3]
      XCTAssertEqual(
        try program.gradient(at: point, workspace: workspace).gradient,
        try program.gradient(at: point).gradient)
      XCTAssertEqual(
        try program.evaluate(at: point, workspace: workspace), try program.evaluate(at: point))
    }
  }

  /// A workspace remembers its last solver choice: passed between programs (two
  /// compiled from one graph as it grows, so they share its identity, and an
  /// acyclic one), solvers and memory limits, every call still makes the choice
  /// and answer of a fresh workspace.
  func testSolverChoiceKeptPerProgramSolverAndLimit() throws {
    var cycle = try SineCycle(inputs: 1)
    let small = try cycle.graph.compile(objective: .variable(cycle.v))
    let w = try cycle.graph.define("w", .exp, cycle.v)
    let larger = try cycle.graph.compile(objective: .variable(w))
    var acyclicGraph = ConstraintGraph()
    let y = acyclicGraph.input("y")
    let e = try acyclicGraph.define("e", .exp, y)
    let acyclic = try acyclicGraph.compile(objective: .variable(e))
    var tight = SolveOptions()
    tight.matrixByteLimit = 8
    let workspace = Program.Workspace()
    for _ in 0..<2 {
      for (program, solver, options) in [
        (small, Solver.automatic, SolveOptions()), (larger, .automatic, SolveOptions()),
        (larger, .lu, SolveOptions()), (acyclic, .automatic, SolveOptions()),
        (small, .automatic, SolveOptions()), (larger, .lu, tight),
      ] {
        let label = "\(program.variableCount) variables, \(solver)"
        let fresh = Result { try program.gradient(at: [0.4], solver: solver, options: options) }
        let reused = Result {
          try program.gradient(at: [0.4], solver: solver, options: options, workspace: workspace)
        }
        switch (fresh, reused) {
        case (.success(let a), .success(let b)):
          XCTAssertEqual(a.gradient, b.gradient, label)
          XCTAssertEqual(a.solver, b.solver, label)
          XCTAssertEqual(a.solverReason, b.solverReason, label)
        case (.failure(let a), .failure(let b)):
          XCTAssertEqual("\(a)", "\(b)", label)
        default:
          XCTFail("fresh \(fresh) against reused \(reused): \(label)")
        }
      }
    }
  }

  /// `∂ sin(y)/∂y` from the reverse pass (`cos`) and from the forward pass's
  /// `sincos` are exactly `cos(y)`.
  func testSinePartialIsCosineBitForBit() throws {
    var graph = ConstraintGraph()
    let y = graph.input("y")
    let s = try graph.define("s", .sin, y)
    let c = try graph.define("c", .cos, y)
    let program = try graph.compile(objective: .variable(s))
    let cosProgram = try graph.compile(objective: .variable(c))
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<2000 {
      let point = [Double.random(in: -1e4...1e4, using: &generator)]
      XCTAssertEqual(try program.gradient(at: point, solver: .sweep).gradient[0], cos(point[0]))
      XCTAssertEqual(
        try program.linearize(at: point, solver: .sweep).gradient().gradient[0], cos(point[0]))
      XCTAssertEqual(
        try cosProgram.linearize(at: point, solver: .sweep).gradient().gradient[0], -sin(point[0]))
      XCTAssertEqual(try program.evaluate(at: point), sin(point[0]))
    }
  }

  /// A non-finite partial before a non-finite value: the two-pass gradient names
  /// the same (first) variable as the forward pass with stored partials.
  func testFirstNonFiniteErrorInProgramOrder() throws {
    var graph = ConstraintGraph()
    let x = graph.input("x")
    let r = try graph.define("r", .sqrt, x)  // ∂/∂x = ∞ at x = 0
    let l = try graph.define("l", .log, r)  // log 0 = −∞
    let program = try graph.compile(objective: .variable(l))
    let workspace = Program.Workspace()
    for call in [
      { _ = try program.gradient(at: [0], solver: .sweep) },
      { _ = try program.gradient(at: [0], workspace: workspace) },
      { _ = try program.linearize(at: [0], solver: .sweep) },
    ] {
      let error = caughtLagrangePropError { try call() }
      guard case .nonFinite(let variable, _, _)? = error else {
        XCTFail("expected .nonFinite, got \(String(describing: error))")
        continue
      }
      XCTAssertEqual(variable, "r")
    }
    // The workspace still works afterwards.
    XCTAssertEqual(try program.gradient(at: [4], workspace: workspace).gradient[0], 0.125)
  }
}

/// Messages appended from several threads (under a lock).
private final class MismatchLog: @unchecked Sendable {
  private let lock = NSLock()
  private var stored: [String] = []

  func append(_ message: String) { lock.withLock { stored.append(message) } }

  var entries: [String] { lock.withLock { stored } }
}
