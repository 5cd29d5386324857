import Foundation
import LagrangeProp
import XCTest

/// Every misuse of the tracer is a typed error thrown by `Program.trace`, naming
/// the variable at fault — never a trap.
final class TracingMisuseTests: XCTestCase {
  /// A value of a trace that has returned.
  func testValueUsedAfterItsTraceReturned() throws {
    var leaked: [Traced] = []
    _ = try Program.trace(inputs: ["a"]) { t in
      leaked = [t.inputs[0], exp(t.inputs[0])]
      return leaked[1]
    }
    let (input, stored) = (leaked[0], leaked[1])
    assertLagrangePropError(.foreignTraced(variable: "a"), mentioning: ["'a'", "another trace"]) {
      _ = try Program.trace(inputs: ["x"]) { t in t.inputs[0] + input }
    }
    // An unnamed value is named z#i, as in its trace's program.
    assertLagrangePropError(.foreignTraced(variable: "z#1"), mentioning: ["'z#1'"]) {
      _ = try Program.trace(inputs: ["x"]) { t in t.inputs[0] * stored }
    }
    // As an objective, and as the value of a define.
    assertLagrangePropError(.foreignTraced(variable: "a"), mentioning: ["'a'"]) {
      _ = try Program.trace(inputs: ["x"]) { _ in input }
    }
    assertLagrangePropError(.foreignTraced(variable: "z#1"), mentioning: ["'z#1'"]) {
      _ = try Program.trace(inputs: ["x"]) { t in
        let v = t.unknown("v")
        t.define(v, stored)
        return v
      }
    }
    // Alone, without meeting an open trace, a stale value is inert: nothing to record.
    _ = exp(stored) + 1
  }

  /// A stale value's own name is the one it had in its trace (a named stored value).
  func testStaleValueIsNamedAsInItsTrace() throws {
    var leaked: Traced?
    _ = try Program.trace(inputCount: 1) { t in
      let e = t.name(exp(t.inputs[0]), "e")
      leaked = e
      return e
    }
    let stale = try XCTUnwrap(leaked)
    assertLagrangePropError(.foreignTraced(variable: "e"), mentioning: ["'e'"]) {
      _ = try Program.trace(inputs: ["x"]) { t in sin(t.inputs[0] * stale) }
    }
  }

  /// Values of two traces running at once (a trace inside another's body): the
  /// operation belongs to the inner trace, whose body runs it; it records the outer
  /// value, and the outer trace is not blamed (it throws the inner error only if
  /// its body lets it through), whichever side of the operation each value is on.
  func testValueOfAnotherTrace() throws {
    let operations: [(String, (Traced, Traced) -> Traced)] = [
      ("inner * outer", { $0 * $1 }), ("outer * inner", { $1 * $0 }),
      ("inner + outer", { $0 + $1 }), ("outer / inner", { $1 / $0 }),
      ("exp(inner) * outer", { exp($0) * $1 }), ("sum([outer, inner])", { sum([$1, $0]) }),
      ("dot([1, 2], [outer, inner])", { dot([1, 2], [$1, $0]) }),
      ("product([outer, inner])", { product([$1, $0]) }),
    ]
    for (label, operation) in operations {
      let outerProgram = try Program.trace(inputs: ["outer"]) { outer in
        assertLagrangePropError(
          .foreignTraced(variable: "outer"), mentioning: ["'outer'"], label
        ) {
          _ = try Program.trace(inputs: ["inner"]) { t in operation(t.inputs[0], outer.inputs[0]) }
        }
        return exp(outer.inputs[0])
      }
      XCTAssertEqual(try outerProgram.evaluate(at: [0]), 1, label)
      assertLagrangePropError(.foreignTraced(variable: "outer"), mentioning: ["'outer'"], label) {
        _ = try Program.trace(inputs: ["outer"]) { outer in
          _ = try Program.trace(inputs: ["inner"]) { t in operation(t.inputs[0], outer.inputs[0]) }
          return outer.inputs[0]
        }
      }
    }
  }

  /// A value computed from a stale one outside any trace stays stale under the
  /// stale value's name, whatever the operation and wherever it sits among the
  /// operands (it used to be reported as an invalid value).
  func testValueComputedFromAStaleOneKeepsItsName() throws {
    var leaked: Traced?
    _ = try Program.trace(inputs: ["x"]) { t in
      leaked = t.inputs[0]
      return exp(t.inputs[0])
    }
    let stale = try XCTUnwrap(leaked)
    let uses: [(String, (Traced) -> Traced)] = [
      ("sum([stale, y])", { sum([stale, $0]) }), ("sum([y, stale])", { sum([$0, stale]) }),
      ("dot([1, 2], [stale, y])", { dot([1, 2], [stale, $0]) }),
      ("dot([1], [stale, y])", { dot([1], [stale, $0]) }),
      ("product([stale, y])", { product([stale, $0]) }),
      ("sum([stale]) + y", { sum([stale]) + $0 }), ("exp(stale) * y", { exp(stale) * $0 }),
      ("(stale + 1) * y", { (stale + 1) * $0 }),
      ("square(stale / 2) - y", { square(stale / 2) - $0 }),
      ("pow(1 / stale, 3) * y", { pow(1 / stale, 3) * $0 }),
      ("(stale * stale) + y", { (stale * stale) + $0 }),
    ]
    for (label, use) in uses {
      assertLagrangePropError(.foreignTraced(variable: "x"), mentioning: ["'x'"], label) {
        _ = try Program.trace(inputs: ["y"]) { t in use(t.inputs[0]) }
      }
    }
  }

  func testDefineOfAnInputIsNotAnUnknown() {
    assertLagrangePropError(.notAnUnknown(variable: "x"), mentioning: ["'x'", "not an unknown"]) {
      _ = try Program.trace(inputs: ["x"]) { t in
        t.define(t.inputs[0], t.inputs[0] * 2)
        return t.inputs[0]
      }
    }
  }

  func testConstrainOfAComputedValueIsNotAnUnknown() {
    assertLagrangePropError(.notAnUnknown(variable: "s"), mentioning: ["'s'"]) {
      _ = try Program.trace(inputs: ["x"]) { t in
        let s = t.name(sin(t.inputs[0]), "s")
        t.constrain(s, residual: s - 1)
        return s
      }
    }
    // A pending affine value is not an unknown either; the message names its variables.
    let error = caughtLagrangePropError {
      _ = try Program.trace(inputs: ["x"]) { t in
        let v = t.unknown("v")
        t.define(2 * v, t.inputs[0])
        return v
      }
    }
    guard case .notAnUnknown(let name)? = error else {
      return XCTFail("got \(String(describing: error))")
    }
    XCTAssertTrue(name.contains("'v'"), name)
  }

  func testUnknownDefinedTwice() {
    assertLagrangePropError(.definedTwice(variable: "v[0]"), mentioning: ["'v[0]'"]) {
      _ = try Program.trace(inputs: ["x"]) { t in
        let v = t.unknowns(1, name: "v")
        t.define(v[0], 0.5 * v[0] + t.inputs[0])
        t.constrain(v[0], residual: v[0] - 1)
        return v[0]
      }
    }
  }

  func testUnknownLeftUndefined() {
    assertLagrangePropError(.neverDefined(variable: "w[1]"), mentioning: ["'w[1]'"]) {
      _ = try Program.trace(inputs: ["x"]) { t in
        let w = t.unknowns(2, name: "w")
        t.define(w[0], 0.5 * w[0] + t.inputs[0])
        return w[0] + w[1]
      }
    }
  }

  func testNonFiniteConstants() {
    assertLagrangePropError(
      .nonFiniteConstant(variable: "x", operation: "*", value: .infinity),
      mentioning: ["'x'", "inf", "not finite"]
    ) {
      _ = try Program.trace(inputs: ["x"]) { t in exp(t.inputs[0] * .infinity) }
    }
    assertLagrangePropError(
      .nonFiniteConstant(variable: "x", operation: "/", value: .infinity), mentioning: ["'x'"]
    ) {
      _ = try Program.trace(inputs: ["x"]) { t in t.inputs[0] / 0 }
    }
    // A non-finite divisor or dividend is named as such, with the operand.
    assertLagrangePropError(
      .nonFiniteConstant(variable: "x", operation: "/", value: .infinity), mentioning: ["'x'"]
    ) {
      _ = try Program.trace(inputs: ["x"]) { t in t.inputs[0] / .infinity }
    }
    assertLagrangePropError(
      .nonFiniteConstant(variable: "x", operation: "/", value: -.infinity), mentioning: ["'x'"]
    ) {
      _ = try Program.trace(inputs: ["x"]) { t in -Double.infinity / t.inputs[0] }
    }
    assertLagrangePropError(
      .nonFiniteConstant(variable: "e", operation: "/", value: .infinity), mentioning: ["'e'"]
    ) {
      _ = try Program.trace(inputs: ["x"]) { t in .infinity / t.name(exp(t.inputs[0]), "e") }
    }
    assertLagrangePropError(
      .nonFiniteConstant(variable: "x", operation: "+", value: -.infinity), mentioning: ["'x'"]
    ) {
      _ = try Program.trace(inputs: ["x"]) { t in -Double.infinity + t.inputs[0] }
    }
    // NaN is never equal to itself: match the case.
    let error = caughtLagrangePropError {
      _ = try Program.trace(inputs: ["x"]) { t in pow(t.inputs[0], .nan) }
    }
    guard case .nonFiniteConstant("x", "pow", let value)? = error, value.isNaN else {
      return XCTFail("got \(String(describing: error))")
    }
    assertLagrangePropError(
      .nonFiniteConstant(variable: "y", operation: "dot", value: .infinity), mentioning: ["'y'"]
    ) {
      _ = try Program.trace(inputs: ["x", "y"]) { t in dot([1, .infinity], t.inputs) }
    }
    // A coefficient that overflows when like terms are merged.
    assertLagrangePropError(
      .nonFiniteConstant(variable: "affine expression in 'x'", operation: "+", value: .infinity),
      mentioning: []
    ) {
      _ = try Program.trace(inputs: ["x"]) { t in
        exp(1e308 * t.inputs[0] + 1e308 * t.inputs[0])
      }
    }
  }

  /// A pending value stored by one operation is read as its variable afterwards:
  /// the same values and gradients, and no variable added for the later uses.
  func testStoredPendingValueReusedAsItsVariable() throws {
    let program = try Program.trace(inputs: ["x", "y"]) { t in
      let c = 2 * t.inputs[0] + t.inputs[1]
      let e = exp(c)  // stores c
      return e * (c + 1) + sin(3 * c)
    }
    XCTAssertEqual(program.variableCount, 2 + 1 + 1 + 1 + 1 + 1 + 1)  // x, y; c, e, c+1, e·(c+1), 3c, sin
    let (x, y) = (0.3, -0.2)
    let c = 2 * x + y
    let g = try program.gradient(at: [x, y])
    let dfdc = Foundation.exp(c) * (c + 1) + Foundation.exp(c) + 3 * Foundation.cos(3 * c)
    assertClose(g.value, Foundation.exp(c) * (c + 1) + Foundation.sin(3 * c), relative: 1e-14)
    assertClose(g.gradient, [2 * dfdc, dfdc], relative: 1e-14)
  }

  func testEmptyReductionsAndLengthMismatch() {
    assertLagrangePropError(.emptyTracedReduction(function: "sum"), mentioning: ["sum"]) {
      _ = try Program.trace(inputs: ["x"]) { t in t.inputs[0] + sum([]) }
    }
    assertLagrangePropError(.emptyTracedReduction(function: "product"), mentioning: []) {
      _ = try Program.trace(inputs: ["x"]) { _ in product([]) }
    }
    assertLagrangePropError(
      .wrongLength(argument: "dot weights", expected: 2, actual: 3), mentioning: []
    ) {
      _ = try Program.trace(inputs: ["x", "y"]) { t in dot([1, 2, 3], t.inputs) }
    }
  }

  /// The first misuse is thrown, even when later ones follow or the body throws.
  func testFirstMisuseWins() {
    struct BodyError: Error {}
    assertLagrangePropError(.notAnUnknown(variable: "x"), mentioning: []) {
      _ = try Program.trace(inputs: ["x"]) { t in
        t.define(t.inputs[0], t.inputs[0])
        _ = t.inputs[0] * .nan
        throw BodyError()
      }
    }
    // Without a misuse, the body's own error comes through.
    XCTAssertThrowsError(try Program.trace(inputs: ["x"]) { _ in throw BodyError() }) {
      XCTAssertTrue($0 is BodyError, "\($0)")
    }
  }

  func testNegativeInputCount() {
    assertLagrangePropError(.wrongInputCount(expected: 0, actual: -1), mentioning: []) {
      _ = try Program.trace(inputCount: -1) { t in t.unknown() }
    }
  }

  /// Names given in the trace reach the engine's errors.
  func testNamesReachEngineErrors() throws {
    let program = try Program.trace(inputs: ["x"]) { t in
      let q = t.name(log(t.inputs[0] - 2), "q")
      return q * q
    }
    let error = caughtLagrangePropError { _ = try program.evaluate(at: [1]) }
    guard case .nonFinite("q", "log", _)? = error else {
      return XCTFail("got \(String(describing: error))")
    }
    // Unnamed stored values use the z#i form.
    let unnamed = try Program.trace(inputCount: 1) { t in log(t.inputs[0] - 2) }
    let second = caughtLagrangePropError { _ = try unnamed.evaluate(at: [1]) }
    guard case .nonFinite("z#2", "log", _)? = second else {
      return XCTFail("got \(String(describing: second))")
    }
  }

  /// After its trace, a value never stored has no variable: every program refuses it.
  func testVariableOfAValueNeverStored() throws {
    var pending: Traced?
    var stored: Traced?
    let program = try Program.trace(inputs: ["x", "y"]) { t in
      pending = 3 * t.inputs[0] + t.inputs[1]
      stored = t.inputs[0] - t.inputs[1]
      return exp(stored!)
    }
    let never = try XCTUnwrap(pending).variable
    XCTAssertEqual(never.index, -1)
    XCTAssertFalse(program.contains(never))
    assertLagrangePropError(.unknownVariable(index: -1), mentioning: []) {
      _ = try program.name(of: never)
    }
    // A value stored during the trace keeps its variable.
    let kept = try XCTUnwrap(stored).variable
    XCTAssertTrue(program.contains(kept))
    XCTAssertEqual(try program.linearize(at: [1, 0.5]).value(of: kept), 0.5, accuracy: 1e-15)
  }

  /// Counts no machine could hold are typed errors, not traps or endless loops.
  func testImpossibleCountsAreRefused() {
    let tooManyInputs = caughtLagrangePropError("inputCount") {
      _ = try Program.trace(inputCount: 1 << 40) { t in t.inputs[0] }
    }
    guard case .resultTooLarge(let quantity, _, _)? = tooManyInputs else {
      return XCTFail("expected .resultTooLarge, got \(String(describing: tooManyInputs))")
    }
    XCTAssertTrue(quantity.contains("inputCount"), quantity)
    let tooManyUnknowns = caughtLagrangePropError("unknowns") {
      _ = try Program.trace(inputCount: 1) { t in
        let v = t.unknowns(Int.max)
        XCTAssertTrue(v.isEmpty)
        return t.inputs[0]
      }
    }
    guard case .resultTooLarge(let quantity, _, _)? = tooManyUnknowns else {
      return XCTFail("expected .resultTooLarge, got \(String(describing: tooManyUnknowns))")
    }
    XCTAssertTrue(quantity.contains("unknowns"), quantity)
  }
}
