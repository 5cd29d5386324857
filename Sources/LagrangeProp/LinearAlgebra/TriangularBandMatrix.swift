/// A triangular band matrix in LAPACK's triangular band storage, solved with `dtbtrs`.
///
/// With `kd` off-diagonals and leading dimension `ldab = kd + 1`:
/// - upper: `T[i, j]` for `max(0, j − kd) ≤ i ≤ j` lives at `storage[kd + i − j + j·ldab]`;
/// - lower: `T[i, j]` for `j ≤ i ≤ min(n − 1, j + kd)` lives at `storage[i − j + j·ldab]`.
///
/// A solve costs O(n · kd) for one right-hand side, against O(n²) dense.
package struct TriangularBandMatrix: LinearSystemSolver, Equatable {
  /// The order `n`.
  package let order: Int
  /// The number of off-diagonals `kd`.
  package let bandwidth: Int
  /// Which triangle holds the band.
  package let triangle: Triangle
  /// The column-major band storage (see the type's documentation).
  package internal(set) var storage: [Double]

  /// The leading dimension `kd + 1`.
  package var leadingDimension: Int { bandwidth + 1 }

  /// An `n × n` zero triangular band matrix with `kd` off-diagonals.
  ///
  /// - Throws: `LinearAlgebraError.invalidShape` for a negative order or bandwidth.
  package init(order: Int, bandwidth: Int, triangle: Triangle) throws(LinearAlgebraError) {
    guard order >= 0, bandwidth >= 0 else {
      throw .invalidShape(
        operation: "TriangularBandMatrix",
        reason: "order \(order) and bandwidth \(bandwidth) must not be negative")
    }
    self.init(validOrder: order, bandwidth: bandwidth, triangle: triangle)
  }

  /// A zero triangular band matrix whose dimensions the caller has already
  /// validated (non-negative by construction, e.g. a measured bandwidth).
  init(validOrder order: Int, bandwidth: Int, triangle: Triangle) {
    precondition(order >= 0 && bandwidth >= 0)
    self.order = order
    self.bandwidth = bandwidth
    self.triangle = triangle
    self.storage = [Double](repeating: 0, count: order * (bandwidth + 1))
  }

  /// The triangular band of a dense square matrix; entries outside it are dropped.
  ///
  /// - Throws: `.dimensionMismatch` if `matrix` is not square; `.invalidShape` for a negative bandwidth.
  package init(_ matrix: Matrix, bandwidth: Int, triangle: Triangle) throws(LinearAlgebraError) {
    guard matrix.isSquare else {
      throw .dimensionMismatch(
        operation: "TriangularBandMatrix (square matrix)", expected: matrix.rows,
        actual: matrix.columns)
    }
    try self.init(order: matrix.rows, bandwidth: bandwidth, triangle: triangle)
    for j in 0..<order {
      for i in rowRange(ofColumn: j) { storage[offset(i, j)] = matrix[i, j] }
    }
  }

  /// The rows of column `j` that lie in the band.
  func rowRange(ofColumn j: Int) -> ClosedRange<Int> {
    triangle == .upper ? max(0, j - bandwidth)...j : j...min(order - 1, j + bandwidth)
  }

  /// Whether `(row, column)` lies inside the triangular band.
  package func isInBand(_ row: Int, _ column: Int) -> Bool {
    guard row >= 0, row < order, column >= 0, column < order else { return false }
    return triangle == .upper
      ? (row <= column && column - row <= bandwidth)
      : (row >= column && row - column <= bandwidth)
  }

  @inline(__always)
  func offset(_ row: Int, _ column: Int) -> Int {
    (triangle == .upper ? bandwidth + row - column : row - column) + column * leadingDimension
  }

  /// Element `(row, column)`: zero outside the band.
  ///
  /// - Precondition: indices in `0..<order`; a set must be inside the band.
  package subscript(row: Int, column: Int) -> Double {
    get {
      precondition(
        row >= 0 && row < order && column >= 0 && column < order,
        "TriangularBandMatrix index out of range")
      return isInBand(row, column) ? storage[offset(row, column)] : 0
    }
    set {
      precondition(
        isInBand(row, column), "TriangularBandMatrix: (\(row), \(column)) is outside the band")
      storage[offset(row, column)] = newValue
    }
  }

  /// Solves `T·X = B` (or `Tᵀ·X = B`) in place on `rightHandSides` columns (`dtbtrs`,
  /// O(n · kd · columns)); the checked vector and matrix forms come from `LinearSystemSolver`.
  ///
  /// - Throws: `.singular(routine: "dtbtrs", pivot: k)` if `T[k, k] = 0`; `.nonFinite(routine: "dtbtrs")`.
  package func solve(_ b: UnsafeMutableBufferPointer<Double>, rightHandSides: Int, transpose: Bool)
    throws(LinearAlgebraError)
  {
    guard order > 0, rightHandSides > 0 else { return }
    try storage.withUnsafeBufferPointer { (ab) throws(LinearAlgebraError) in
      // An infinite diagonal would silently give x_k = 0.
      let diagonalRow = triangle == .upper ? bandwidth : 0
      for k in 0..<order where !ab[diagonalRow + k * leadingDimension].isFinite {
        throw .nonFinite(routine: "dtbtrs")
      }
      try LAPACK.dtbtrs(
        triangle: triangle, transpose: transpose, n: order, kd: bandwidth, nrhs: rightHandSides,
        ab: ab.baseAddress!, ldab: leadingDimension, b: b.baseAddress!, ldb: order)
    }
    try LAPACK.checkFinite(UnsafeBufferPointer(b), "dtbtrs")
  }

}

extension Matrix {
  /// The dense matrix equal to a triangular band matrix.
  ///
  /// - Complexity: O(n²).
  package init(_ band: TriangularBandMatrix) {
    self.init(validRows: band.order, columns: band.order)
    for j in 0..<band.order {
      for i in band.rowRange(ofColumn: j) { self[i, j] = band[i, j] }
    }
  }
}
