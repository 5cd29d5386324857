import LagrangeProp
import SeededRandom
import XCTest

/// `SparseMatrix`, `SparseLUFactorization` (UMFPACK) and `KrylovSolver` (GMRES)
/// against dense LU (`dgetrf`/`dgetrs`) and hand-checked systems.
final class SparseLinearAlgebraTests: XCTestCase {
  /// A random sparse non-symmetric `n × n` matrix with about `perColumn` entries
  /// per column, uniform in [-1, 1], plus `shift` on the diagonal; rows and
  /// columns optionally scaled by 10^±`scaleDecades` (badly scaled, same conditioning
  /// after equilibration).
  static func randomSparse(
    _ n: Int, perColumn: Int, shift: Double, scaleDecades: Double = 0, seed: UInt64
  ) -> SparseMatrix {
    var rng = SplitMix64(seed: seed)
    let rowScale = (0..<n).map { _ in
      pow(10, Double.random(in: -scaleDecades...scaleDecades, using: &rng))
    }
    let columnScale = (0..<n).map { _ in
      pow(10, Double.random(in: -scaleDecades...scaleDecades, using: &rng))
    }
    var start = [0]
    var rows: [Int] = []
    var values: [Double] = []
    for j in 0..<n {
      var entries: [Int: Double] = [j: shift]
      for _ in 0..<perColumn {
        let i = Int.random(in: 0..<n, using: &rng)
        entries[i, default: 0] += Double.random(in: -1...1, using: &rng)
      }
      for (i, v) in entries.sorted(by: { $0.key < $1.key }) {
        rows.append(i)
        values.append(v * rowScale[i] * columnScale[j])
      }
      start.append(rows.count)
    }
    return try! SparseMatrix(order: n, columnStart: start, rowIndices: rows, values: values)
  }

  func testCSCValidationRefusesUnsortedRows() {
    assertThrows(
      LinearAlgebraError.invalidShape(
        operation: "SparseMatrix", reason: "column 0: row 0 out of range or not strictly increasing"
      )
    ) {
      _ = try SparseMatrix(order: 2, columnStart: [0, 2, 2], rowIndices: [1, 0], values: [1, 2])
    }
  }

  func testProductsByHand() throws {
    // A = [[1, 2], [0, 3]]: A·(1, 1) = (3, 3); Aᵀ·(1, 1) = (1, 5).
    let a = try SparseMatrix(
      order: 2, columnStart: [0, 1, 3], rowIndices: [0, 0, 1], values: [1, 2, 3])
    XCTAssertEqual(try a.multiply([1, 1]), [3, 3])
    XCTAssertEqual(try a.multiply([1, 1], transpose: true), [1, 5])
    XCTAssertEqual(a[0, 1], 2)
    XCTAssertEqual(a[1, 0], 0)
  }

  func testSparseLUMatchesDenseLUOnRandomNonSymmetricMatrices() throws {
    for (n, seed) in [(1, 1 as UInt64), (5, 2), (40, 3), (300, 4)] {
      for scale in [0.0, 4.0] {
        let a = Self.randomSparse(n, perColumn: 4, shift: 3, scaleDecades: scale, seed: seed)
        let dense = try LUFactorization(try a.dense())
        let analysis = try SparseLUAnalysis(a)
        XCTAssertGreaterThan(analysis.estimatedPeakMemoryBytes, 0)
        XCTAssertGreaterThanOrEqual(analysis.estimatedFactorNonzeros, Double(n))
        let lu = try SparseLUFactorization(a, analysis: analysis)
        XCTAssertGreaterThanOrEqual(lu.factorNonzeros, n)
        var rng = SplitMix64(seed: seed + 100)
        let b = randomVector(n, using: &rng)
        for transpose in [false, true] {
          let x = try lu.solve(b, transpose: transpose)
          assertClose(
            x, try dense.solve(b, transpose: transpose), relative: 1e-10,
            "n = \(n), scale 10^±\(scale), transpose \(transpose)")
          assertSmallResidual(try a.dense(), x, b, transpose: transpose)
        }
      }
    }
  }

  func testSparseLUManyRightHandSides() throws {
    let a = Self.randomSparse(60, perColumn: 3, shift: 2, seed: 7)
    var rng = SplitMix64(seed: 8)
    let b = randomMatrix(rows: 60, columns: 5, using: &rng)
    let lu = try SparseLUFactorization(a)
    let dense = try LUFactorization(try a.dense())
    for transpose in [false, true] {
      assertClose(
        try lu.solve(b, transpose: transpose), try dense.solve(b, transpose: transpose),
        relative: 1e-10)
    }
  }

  func testSparseLUNamesTheColumnOfAZeroPivot() {
    // Column 2 is a copy of column 0: structurally fine, numerically singular.
    let a = try! SparseMatrix(
      order: 3, columnStart: [0, 2, 3, 5], rowIndices: [0, 1, 2, 0, 1],
      values: [1, 2, 5, 1, 2])
    guard
      case .singular(let routine, let pivot)? = thrownError({ _ = try SparseLUFactorization(a) })
        as? LinearAlgebraError
    else { return XCTFail("expected .singular") }
    XCTAssertTrue(routine.hasPrefix("umfpack_dl_numeric"))
    XCTAssertTrue(pivot == 0 || pivot == 2, "pivot \(pivot) should be one of the equal columns")
  }

  /// `[[1, −10⁻¹⁷], [−10¹⁶, 1]]` (determinant 0.9) is regular and, once its rows
  /// and columns are scaled, well conditioned; UMFPACK's row scaling alone
  /// leaves a second pivot of 9·10⁻¹⁷ of the first, which the negligible-pivot
  /// test took for singular before the factorization equilibrated both ways.
  /// The same matrix with a dependent second row is still refused.
  func testSparseLUJudgesSingularityAfterScalingRowsAndColumns() throws {
    let a = try SparseMatrix(
      order: 2, columnStart: [0, 2, 4], rowIndices: [0, 1, 0, 1], values: [1, -1e16, -1e-17, 1])
    let lu = try SparseLUFactorization(a)
    XCTAssertGreaterThan(lu.pivotRatio, 1e-2)
    // A⁻¹ = [[1, 10⁻¹⁷], [10¹⁶, 1]] / 0.9, by hand.
    for (transpose, expected) in [(false, [1 + 1e-17, 1e16 + 1]), (true, [1 + 1e16, 1e-17 + 1])] {
      let x = try lu.solve([1, 1], transpose: transpose)
      assertClose(x, expected.map { $0 / 0.9 }, relative: 1e-14, "transpose \(transpose)")
    }
    let singular = try SparseMatrix(
      order: 2, columnStart: [0, 2, 4], rowIndices: [0, 1, 0, 1],
      values: [1, -1e16, -1e-16, 1])
    guard
      case .singular(let routine, _)? = thrownError({ _ = try SparseLUFactorization(singular) })
        as? LinearAlgebraError
    else { return XCTFail("expected .singular") }
    XCTAssertTrue(routine.hasPrefix("umfpack_dl_numeric"))
  }

  func testSparseLURefusesNonFiniteValues() {
    let a = try! SparseMatrix(order: 1, columnStart: [0, 1], rowIndices: [0], values: [.nan])
    assertThrows(LinearAlgebraError.nonFinite(routine: "umfpack_dl_numeric")) {
      _ = try SparseLUFactorization(a)
    }
  }

  func testKrylovMatchesDenseLUWithEveryPreconditioner() throws {
    for kind in KrylovPreconditionerKind.allCases {
      for (n, seed, scale) in [(1, 11 as UInt64, 0.0), (30, 12, 0), (400, 13, 0), (250, 14, 2)] {
        // Badly scaled rows and columns (10^±2): equilibration and a preconditioner
        // of the scaled matrix keep GMRES converging (Jacobi, ILU(0)).
        let a = Self.randomSparse(n, perColumn: 5, shift: 6, scaleDecades: scale, seed: seed)
        let dense = try LUFactorization(try a.dense())
        let krylov = KrylovSolver(
          a,
          settings: KrylovSettings(
            tolerance: scale > 0 ? 1e-12 : 1e-13, maxIterations: 2000, restart: 20),
          preconditioner: kind)
        var rng = SplitMix64(seed: seed + 1)
        let b = randomVector(n, using: &rng)
        for transpose in [false, true] {
          assertClose(
            try krylov.solve(b, transpose: transpose), try dense.solve(b, transpose: transpose),
            relative: 1e-9, "\(kind), n = \(n), scale \(scale), transpose \(transpose)")
        }
      }
    }
  }

  func testIncompleteLUIsExactOnATriangularMatrix() throws {
    // ILU(0) of a triangular matrix has no dropped fill: one GMRES iteration.
    let a = try SparseMatrix(
      order: 3, columnStart: [0, 1, 3, 6], rowIndices: [0, 0, 1, 0, 1, 2],
      values: [2, 1, 3, -1, 1, 4])
    let krylov = KrylovSolver(a, preconditioner: .incompleteLU)
    XCTAssertEqual(krylov.preconditioner.kind, .incompleteLU)
    for transpose in [false, true] {
      var b = [1.0, 2, 3]
      let outcome = try b.withUnsafeMutableBufferPointer {
        try krylov.solve($0, transpose: transpose)
      }
      XCTAssertLessThanOrEqual(outcome.iterations, 1)
      assertClose(
        b, try LUFactorization(try a.dense()).solve([1, 2, 3], transpose: transpose),
        relative: 1e-14)
    }
  }

  func testKrylovOnALargeMatrixSolvesBothWaysOnAllCores() throws {
    // 60 000 columns of about 6 entries: past the size where the products,
    // the orthogonalisation and ILU(0) run in parallel blocks. The residual is
    // recomputed with `SparseMatrix.multiply`, not with GMRES's own operator.
    let n = 60_000
    let a = Self.randomSparse(n, perColumn: 5, shift: 6, scaleDecades: 1, seed: 31)
    XCTAssertGreaterThan(a.nonzeroCount, 1 << 18)
    var rng = SplitMix64(seed: 32)
    let b = randomVector(n, using: &rng)
    for kind in [KrylovPreconditionerKind.jacobi, .incompleteLU] {
      let krylov = KrylovSolver(
        a, settings: KrylovSettings(tolerance: 1e-12, maxIterations: 500, restart: 30),
        preconditioner: kind)
      // A random pattern this large has wide levels: ILU(0)'s sweeps run on all cores.
      XCTAssertEqual(
        krylov.preconditioner.isLevelScheduled,
        kind == .incompleteLU && ProcessInfo.processInfo.activeProcessorCount > 1)
      for transpose in [false, true] {
        let x = try krylov.solve(b, transpose: transpose)
        let ax = try a.multiply(x, transpose: transpose)
        // Row-equilibrated residual ≤ 1e-12 relative: the unscaled one within
        // the scaling's spread (10^±1 per side).
        var residual = 0.0
        var size = 0.0
        for i in 0..<n {
          residual = max(residual, abs(ax[i] - b[i]))
          size = max(size, abs(b[i]))
        }
        XCTAssertLessThanOrEqual(residual, 1e-8 * size, "\(kind), transpose \(transpose)")
      }
    }
  }

  func testLevelScheduledIncompleteLUSweepsGiveTheRowOrderBits() throws {
    // The four ILU(0) sweeps stored level by level (run on all cores) do each
    // row's subtractions in its own order: the same bits as the row-order sweeps,
    // both ways, on a random pattern (few wide levels) and on a banded one
    // (as many levels as rows: the schedule still holds, one row per level).
    let random = Self.randomSparse(40_000, perColumn: 6, shift: 7, scaleDecades: 1, seed: 41)
    var band: (start: [Int], rows: [Int], values: [Double]) = ([0], [], [])
    for j in 0..<3_000 {
      for i in max(0, j - 2)...min(2_999, j + 2) {
        band.rows.append(i)
        band.values.append(i == j ? 6 : Double(i - j) * 0.7 + 0.1)
      }
      band.start.append(band.rows.count)
    }
    let banded = try SparseMatrix(
      order: 3_000, columnStart: band.start, rowIndices: band.rows, values: band.values)
    for matrix in [random, banded] {
      let scheduled = SparsePreconditioner(incompleteLUOf: matrix, levelScheduled: true)
      let rowOrder = SparsePreconditioner(incompleteLUOf: matrix, levelScheduled: false)
      XCTAssertEqual(scheduled.kind, .incompleteLU)
      XCTAssertTrue(scheduled.isLevelScheduled)
      XCTAssertFalse(rowOrder.isLevelScheduled)
      var rng = SplitMix64(seed: 42)
      let v = randomVector(matrix.order, using: &rng)
      for transpose in [false, true] {
        var a = v
        var b = v
        a.withUnsafeMutableBufferPointer { scheduled.apply($0, transpose: transpose) }
        b.withUnsafeMutableBufferPointer { rowOrder.apply($0, transpose: transpose) }
        XCTAssertEqual(
          a.map(\.bitPattern), b.map(\.bitPattern), "order \(matrix.order), transpose \(transpose)")
        XCTAssertNotEqual(a, v, "the sweeps changed nothing")
      }
    }
  }

  func testIncompleteLUIsExactOnALargeTriangularMatrixBothWays() throws {
    // ILU(0) of an upper-triangular A (so Aᵀ, which ILU(0) factors, is lower)
    // drops nothing: one GMRES iteration, both ways, at a size whose products run in parallel.
    let n = 50_000
    var rng = SplitMix64(seed: 33)
    var start = [0]
    var rows: [Int] = []
    var values: [Double] = []
    for j in 0..<n {
      var entries: [Int: Double] = [j: 4 + Double.random(in: 0...1, using: &rng)]
      for _ in 0..<6 where j > 0 {
        entries[Int.random(in: 0..<j, using: &rng), default: 0] += Double.random(
          in: -1...1, using: &rng)
      }
      for (i, v) in entries.sorted(by: { $0.key < $1.key }) {
        rows.append(i)
        values.append(v)
      }
      start.append(rows.count)
    }
    let a = try SparseMatrix(order: n, columnStart: start, rowIndices: rows, values: values)
    let krylov = KrylovSolver(a, preconditioner: .incompleteLU)
    XCTAssertEqual(krylov.preconditioner.kind, .incompleteLU)
    let b = randomVector(n, using: &rng)
    for transpose in [false, true] {
      var x = b
      let outcome = try x.withUnsafeMutableBufferPointer {
        try krylov.solve($0, transpose: transpose)
      }
      XCTAssertLessThanOrEqual(outcome.iterations, 1, "transpose \(transpose)")
      let ax = try a.multiply(x, transpose: transpose)
      for i in 0..<n { XCTAssertEqual(ax[i], b[i], accuracy: 1e-10, "row \(i)") }
    }
  }

  func testKrylovThrowsWhenItCannotConverge() {
    // A rotation-like matrix: GMRES(1) stagnates (the residual never decreases).
    let a = try! SparseMatrix(
      order: 2, columnStart: [0, 1, 2], rowIndices: [1, 0], values: [1, -1])
    let krylov = KrylovSolver(
      a, settings: KrylovSettings(tolerance: 1e-12, maxIterations: 10, restart: 1),
      preconditioner: .identity)
    guard
      case .krylovNotConverged(let iterations, let residual, let tolerance)? = thrownError({
        _ = try krylov.solve([1, 0])
      }) as? LinearAlgebraError
    else { return XCTFail("expected .krylovNotConverged") }
    XCTAssertEqual(iterations, 10)
    XCTAssertEqual(tolerance, 1e-12)
    XCTAssertEqual(residual, 1, accuracy: 1e-12)
  }
}
