// Assertions for the error tests: the exact `LagrangePropError` case, and a
// message (`String(describing:)`) that names what went wrong.

import LagrangeProp
import XCTest

/// The `LagrangePropError` that `body` throws; fails (and returns `nil`) if it
/// throws nothing or another type.
func caughtLagrangePropError(
  _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line,
  _ body: () throws -> Void
) -> LagrangePropError? {
  do {
    try body()
    XCTFail(
      "expected a LagrangePropError, nothing was thrown. \(message())", file: file, line: line)
  } catch let error as LagrangePropError {
    return error
  } catch {
    XCTFail("expected a LagrangePropError, got \(error). \(message())", file: file, line: line)
  }
  return nil
}

/// Asserts that `String(describing: error)` contains every string in `fragments`.
func assertDescription(
  _ error: LagrangePropError?, contains fragments: [String],
  _ message: @autoclosure () -> String = "",
  file: StaticString = #filePath, line: UInt = #line
) {
  guard let error else { return }
  let text = String(describing: error)
  for fragment in fragments {
    XCTAssertTrue(
      text.contains(fragment), "message «\(text)» should contain «\(fragment)». \(message())",
      file: file, line: line)
  }
}

/// Asserts that `body` throws exactly `expected` and that its message contains `fragments`
/// (typically the variable's name in quotes, e.g. `"'a'"`).
func assertLagrangePropError(
  _ expected: LagrangePropError, mentioning fragments: [String],
  _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line,
  _ body: () throws -> Void
) {
  let error = caughtLagrangePropError(message(), file: file, line: line, body)
  guard let error else { return }
  XCTAssertEqual(error, expected, message(), file: file, line: line)
  assertDescription(error, contains: fragments, message(), file: file, line: line)
}
