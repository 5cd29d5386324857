import LagrangeProp
import XCTest

/// `LinearAlgebraError`: equality and the messages users read.
final class LinearAlgebraErrorTests: XCTestCase {
  func testDescriptionsNameTheRoutineAndTheNumbers() {
    let mismatch = LinearAlgebraError.dimensionMismatch(
      operation: "LUFactorization.solve", expected: 3, actual: 2)
    XCTAssertTrue(mismatch.description.contains("LUFactorization.solve"))
    XCTAssertTrue(mismatch.description.contains("expected 3"))
    XCTAssertTrue(mismatch.description.contains("got 2"))

    let shape = LinearAlgebraError.invalidShape(
      operation: "BandMatrix", reason: "negative bandwidth")
    XCTAssertTrue(shape.description.contains("BandMatrix"))
    XCTAssertTrue(shape.description.contains("negative bandwidth"))

    let singular = LinearAlgebraError.singular(routine: "dgetrf", pivot: 2)
    XCTAssertTrue(singular.description.contains("dgetrf"))
    XCTAssertTrue(singular.description.contains("pivot 2"))

    let nonFinite = LinearAlgebraError.nonFinite(routine: "dtrsv")
    XCTAssertTrue(nonFinite.description.contains("dtrsv"))
  }

  func testEquality() {
    XCTAssertEqual(
      LinearAlgebraError.singular(routine: "dgbtrf", pivot: 1),
      LinearAlgebraError.singular(routine: "dgbtrf", pivot: 1))
    XCTAssertNotEqual(
      LinearAlgebraError.singular(routine: "dgbtrf", pivot: 1),
      LinearAlgebraError.singular(routine: "dgbtrf", pivot: 2))
    XCTAssertNotEqual(
      LinearAlgebraError.nonFinite(routine: "dgetrs"),
      LinearAlgebraError.nonFinite(routine: "dgetrf"))
  }
}
