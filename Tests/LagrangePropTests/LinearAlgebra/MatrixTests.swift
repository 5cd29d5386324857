import LagrangeProp
import SeededRandom
import XCTest

/// `Matrix`: construction, layout, transpose, norms and the BLAS products.
final class LinearAlgebraMatrixTests: XCTestCase {
  // MARK: - Construction and layout

  func testRowsInitializerStoresColumnMajor() throws {
    let m = try Matrix(rows: [[1, 2, 3], [4, 5, 6]])
    XCTAssertEqual(m.rows, 2)
    XCTAssertEqual(m.columns, 3)
    // Columns (1, 4), (2, 5), (3, 6) one after the other.
    XCTAssertEqual(m.elements, [1, 4, 2, 5, 3, 6])
    XCTAssertEqual(m[0, 2], 3)
    XCTAssertEqual(m[1, 0], 4)
    XCTAssertEqual(m.row(1), [4, 5, 6])
    XCTAssertEqual(m.column(2), [3, 6])
    XCTAssertFalse(m.isSquare)
  }

  func testRowsInitializerEmpty() throws {
    let m = try Matrix(rows: [])
    XCTAssertEqual(m.rows, 0)
    XCTAssertEqual(m.columns, 0)
    XCTAssertEqual(m.elements, [])
    let tall = try Matrix(rows: [[], []])
    XCTAssertEqual(tall.rows, 2)
    XCTAssertEqual(tall.columns, 0)
  }

  func testRowsInitializerRejectsRaggedRows() {
    assertInvalidShape(operation: "Matrix(rows:)") { _ = try Matrix(rows: [[1, 2], [3]]) }
    assertInvalidShape(operation: "Matrix(rows:)") { _ = try Matrix(rows: [[1], [2], [3, 4]]) }
  }

  func testColumnMajorInitializer() throws {
    let m = try Matrix(rows: 2, columns: 3, columnMajor: [1, 2, 3, 4, 5, 6])
    // Column j holds elements 2j and 2j + 1.
    XCTAssertEqual(m[0, 0], 1)
    XCTAssertEqual(m[1, 0], 2)
    XCTAssertEqual(m[0, 1], 3)
    XCTAssertEqual(m[1, 2], 6)
    XCTAssertEqual(m, try Matrix(rows: [[1, 3, 5], [2, 4, 6]]))
  }

  func testColumnMajorInitializerRejectsWrongCount() {
    assertDimensionMismatch(expected: 6, actual: 5) {
      _ = try Matrix(rows: 2, columns: 3, columnMajor: [1, 2, 3, 4, 5])
    }
    assertDimensionMismatch(expected: 0, actual: 1) {
      _ = try Matrix(rows: 0, columns: 3, columnMajor: [1])
    }
    assertInvalidShape(operation: "Matrix(columnMajor:)") {
      _ = try Matrix(rows: -1, columns: 3, columnMajor: [])
    }
    // Sizes that overflow or exceed physical memory throw instead of trapping.
    assertInvalidShape(operation: "Matrix(rows:columns:)") {
      _ = try Matrix(rows: Int.max / 2, columns: 4)
    }
    assertInvalidShape(operation: "Matrix(rows:columns:)") {
      _ = try Matrix(rows: 1 << 20, columns: 1 << 20)  // 8 TiB of zeros
    }
    assertInvalidShape(operation: "Matrix(rows:columns:)") { _ = try Matrix.identity(-1) }
    // A huge dimension with nothing in it: refused too, as its products and
    // norms would allocate or loop over that dimension.
    assertInvalidShape(operation: "Matrix(rows:columns:)") {
      _ = try Matrix(rows: Int.max, columns: 0)
    }
    assertInvalidShape(operation: "Matrix(rows:columns:)") {
      _ = try Matrix(rows: 0, columns: 1 << 60)
    }
    // A product whose result would not fit.
    assertInvalidShape(operation: "Matrix.multiplied(by:)") {
      _ = try Matrix(rows: 1 << 20, columns: 0).multiplied(by: Matrix(rows: 0, columns: 1 << 20))
    }
  }

  func testZeroAndRepeatingInitializers() throws {
    let z = try Matrix(rows: 2, columns: 3)
    XCTAssertEqual(z.elements, [Double](repeating: 0, count: 6))
    let r = try Matrix(rows: 3, columns: 1, repeating: 2.5)
    XCTAssertEqual(r.elements, [2.5, 2.5, 2.5])
    XCTAssertEqual(try Matrix(rows: 0, columns: 4).elements, [])
  }

  func testSubscriptSet() throws {
    var m = try Matrix(rows: 2, columns: 2)
    m[1, 0] = 7
    m[0, 1] = -3
    XCTAssertEqual(m.elements, [0, 7, -3, 0])
  }

  func testIdentity() throws {
    let i3 = try Matrix.identity(3)
    for i in 0..<3 {
      for j in 0..<3 { XCTAssertEqual(i3[i, j], i == j ? 1 : 0) }
    }
    XCTAssertEqual(try Matrix.identity(0), try Matrix(rows: 0, columns: 0))
    XCTAssertEqual(try Matrix.identity(1).elements, [1])
  }

  func testTransposedByHand() throws {
    let m = try Matrix(rows: [[1, 2, 3], [4, 5, 6]])
    XCTAssertEqual(m.transposed(), try Matrix(rows: [[1, 4], [2, 5], [3, 6]]))
    XCTAssertEqual(try Matrix(rows: 0, columns: 3).transposed(), try Matrix(rows: 3, columns: 0))
  }

  func testTransposedRandomShapes() {
    var rng = SplitMix64(seed: 1)
    for (rows, columns) in [(1, 1), (1, 7), (7, 1), (5, 9), (16, 16), (33, 4)] {
      let m = randomMatrix(rows: rows, columns: columns, using: &rng)
      let t = m.transposed()
      XCTAssertEqual(t.rows, columns)
      XCTAssertEqual(t.columns, rows)
      for i in 0..<rows {
        for j in 0..<columns { XCTAssertEqual(t[j, i], m[i, j]) }
      }
      XCTAssertEqual(t.transposed(), m)
    }
  }

  func testNorms() throws {
    let m = try Matrix(rows: [[1, -2], [3, 4]])
    // Column sums |1| + |3| = 4 and |−2| + |4| = 6.
    XCTAssertEqual(m.oneNorm, 6)
    XCTAssertEqual(m.maxNorm, 4)
    XCTAssertEqual(try Matrix(rows: 0, columns: 0).oneNorm, 0)
    XCTAssertEqual(try Matrix(rows: 0, columns: 0).maxNorm, 0)
  }

  func testNormsPropagateNonFiniteValues() throws {
    let withInfinity = try Matrix(rows: [[1, 2], [.infinity, 4]])
    XCTAssertEqual(withInfinity.oneNorm, .infinity)
    XCTAssertEqual(withInfinity.maxNorm, .infinity)
    for position in 0..<4 {
      var withNaN = try Matrix(rows: [[1, 2], [3, 4]])
      withNaN[position % 2, position / 2] = .nan
      XCTAssertTrue(withNaN.oneNorm.isNaN, "NaN at element \(position)")
      XCTAssertTrue(withNaN.maxNorm.isNaN, "NaN at element \(position)")
    }
  }

  func testDescription() throws {
    XCTAssertEqual(try Matrix(rows: [[1, 2], [3, 4]]).description, "[1.0, 2.0]\n[3.0, 4.0]")
  }

  // MARK: - Products

  func testMatrixVectorProductByHand() throws {
    let a = try Matrix(rows: [[1, 2, 3], [4, 5, 6]])
    // (1 − 3, 4 − 6)
    XCTAssertEqual(try a.multiplied(by: [1, 0, -1]), [-2, -2])
    // Aᵀ·(1, 1) = column sums (5, 7, 9)
    XCTAssertEqual(try a.multiplied(by: [1, 1], transpose: true), [5, 7, 9])
  }

  func testMatrixVectorProductRejectsWrongLength() throws {
    let a = try Matrix(rows: [[1, 2, 3], [4, 5, 6]])
    assertDimensionMismatch(expected: 3, actual: 2) { _ = try a.multiplied(by: [1, 2]) }
    assertDimensionMismatch(expected: 2, actual: 3) {
      _ = try a.multiplied(by: [1, 2, 3], transpose: true)
    }
  }

  func testMatrixVectorProductEmptyShapes() throws {
    XCTAssertEqual(try Matrix(rows: 0, columns: 3).multiplied(by: [1, 2, 3]), [])
    XCTAssertEqual(try Matrix(rows: 3, columns: 0).multiplied(by: []), [0, 0, 0])
    XCTAssertEqual(try Matrix(rows: 3, columns: 0).multiplied(by: [1, 2, 3], transpose: true), [])
  }

  func testMatrixVectorProductAgainstLoops() {
    var rng = SplitMix64(seed: 2)
    for (rows, columns) in [(1, 1), (1, 5), (5, 1), (7, 3), (3, 7), (32, 32), (65, 17), (100, 101)]
    {
      let a = randomMatrix(rows: rows, columns: columns, using: &rng)
      for transpose in [false, true] {
        let x = randomVector(transpose ? rows : columns, using: &rng)
        // Summation orders differ: allow a few ulps times the inner dimension.
        assertClose(
          try! a.multiplied(by: x, transpose: transpose), naiveProduct(a, x, transpose: transpose),
          relative: 1e-12, "\(rows) × \(columns), transpose \(transpose)")
      }
    }
  }

  func testMatrixProductByHand() throws {
    let a = try Matrix(rows: [[1, 2, 3], [4, 5, 6]])
    let b = try Matrix(rows: [[1, 0], [0, 1], [1, 1]])
    // Row 1: (1 + 3, 2 + 3); row 2: (4 + 6, 5 + 6).
    XCTAssertEqual(try a.multiplied(by: b), try Matrix(rows: [[4, 5], [10, 11]]))
    XCTAssertEqual(try a.multiplied(by: Matrix.identity(3)), a)
    XCTAssertEqual(try Matrix.identity(2).multiplied(by: a), a)
  }

  func testMatrixProductRejectsWrongShape() throws {
    let a = try Matrix(rows: [[1, 2, 3], [4, 5, 6]])
    assertDimensionMismatch(expected: 3, actual: 2) { _ = try a.multiplied(by: Matrix.identity(2)) }
  }

  func testMatrixProductEmptyShapes() throws {
    // An empty inner dimension gives a zero matrix of the outer shape.
    XCTAssertEqual(
      try Matrix(rows: 2, columns: 0).multiplied(by: Matrix(rows: 0, columns: 3)),
      try Matrix(rows: 2, columns: 3))
    XCTAssertEqual(
      try Matrix(rows: 0, columns: 2).multiplied(by: Matrix(rows: 2, columns: 3)),
      try Matrix(rows: 0, columns: 3))
  }

  func testMatrixProductAgainstLoops() {
    var rng = SplitMix64(seed: 3)
    for (m, k, n) in [(1, 1, 1), (1, 4, 1), (4, 1, 4), (3, 5, 7), (16, 16, 16), (33, 17, 9)] {
      let a = randomMatrix(rows: m, columns: k, using: &rng)
      let b = randomMatrix(rows: k, columns: n, using: &rng)
      assertClose(
        try! a.multiplied(by: b), naiveProduct(a, b), relative: 1e-12, "\(m) × \(k) × \(n)")
    }
  }
}
