/// A square band matrix in LAPACK's general band storage, with room for the
/// fill-in of an LU factorization so that `BandLUFactorization` works in place.
///
/// With `kl` sub-diagonals and `ku` super-diagonals, the leading dimension is
/// `ldab = 2·kl + ku + 1` and element `(i, j)`, for `max(0, j − ku) ≤ i ≤ min(n − 1, j + kl)`,
/// lives at `storage[kl + ku + i − j + j·ldab]` (rows `0..<kl` of each column
/// are workspace for `dgbtrf`).
///
/// - Complexity: storage O(n · (2·kl + ku + 1)).
package struct BandMatrix: Sendable, Equatable {
  /// The order `n`.
  package let order: Int
  /// The number of sub-diagonals `kl`.
  package let lowerBandwidth: Int
  /// The number of super-diagonals `ku`.
  package let upperBandwidth: Int
  /// The column-major band storage (see the type's documentation).
  package internal(set) var storage: [Double]

  /// The leading dimension `2·kl + ku + 1`.
  package var leadingDimension: Int { 2 * lowerBandwidth + upperBandwidth + 1 }

  /// An `n × n` zero band matrix with `kl` sub- and `ku` super-diagonals.
  ///
  /// - Throws: `LinearAlgebraError.invalidShape` for a negative order or bandwidth.
  package init(order: Int, lowerBandwidth: Int, upperBandwidth: Int) throws(LinearAlgebraError) {
    guard order >= 0, lowerBandwidth >= 0, upperBandwidth >= 0 else {
      throw .invalidShape(
        operation: "BandMatrix",
        reason:
          "order \(order), bandwidths \(lowerBandwidth), \(upperBandwidth) must not be negative")
    }
    self.init(validOrder: order, lowerBandwidth: lowerBandwidth, upperBandwidth: upperBandwidth)
  }

  /// A zero band matrix whose dimensions the caller has already validated
  /// (non-negative by construction, e.g. measured bandwidths).
  init(validOrder order: Int, lowerBandwidth: Int, upperBandwidth: Int) {
    precondition(order >= 0 && lowerBandwidth >= 0 && upperBandwidth >= 0)
    self.order = order
    self.lowerBandwidth = lowerBandwidth
    self.upperBandwidth = upperBandwidth
    self.storage = [Double](
      repeating: 0, count: order * (2 * lowerBandwidth + upperBandwidth + 1))
  }

  /// The band of a dense square matrix; entries outside the band are dropped.
  ///
  /// - Throws: `.dimensionMismatch` if `matrix` is not square; `.invalidShape` for negative bandwidths.
  package init(_ matrix: Matrix, lowerBandwidth: Int, upperBandwidth: Int)
    throws(LinearAlgebraError)
  {
    guard matrix.isSquare else {
      throw .dimensionMismatch(
        operation: "BandMatrix (square matrix)", expected: matrix.rows, actual: matrix.columns)
    }
    try self.init(
      order: matrix.rows, lowerBandwidth: lowerBandwidth, upperBandwidth: upperBandwidth)
    for j in 0..<order {
      for i in max(0, j - upperBandwidth)...min(order - 1, j + lowerBandwidth) {
        storage[offset(i, j)] = matrix[i, j]
      }
    }
  }

  /// Whether `(row, column)` lies inside the band (and so can hold a non-zero).
  package func isInBand(_ row: Int, _ column: Int) -> Bool {
    row >= 0 && row < order && column >= 0 && column < order
      && row - column <= lowerBandwidth && column - row <= upperBandwidth
  }

  @inline(__always)
  func offset(_ row: Int, _ column: Int) -> Int {
    lowerBandwidth + upperBandwidth + row - column + column * leadingDimension
  }

  /// Element `(row, column)`: zero outside the band.
  ///
  /// - Precondition: both indices are in `0..<order`; a set must be inside the band.
  package subscript(row: Int, column: Int) -> Double {
    get {
      precondition(
        row >= 0 && row < order && column >= 0 && column < order, "BandMatrix index out of range")
      return isInBand(row, column) ? storage[offset(row, column)] : 0
    }
    set {
      precondition(isInBand(row, column), "BandMatrix: (\(row), \(column)) is outside the band")
      storage[offset(row, column)] = newValue
    }
  }

  /// The product `A·x` (or `Aᵀ·x`), via BLAS `dgbmv`.
  ///
  /// - Complexity: O(n · (kl + ku + 1)).
  /// - Throws: `.dimensionMismatch` if `x.count ≠ n`.
  package func multiplied(by x: [Double], transpose: Bool = false) throws(LinearAlgebraError)
    -> [Double]
  {
    guard x.count == order else {
      throw .dimensionMismatch(
        operation: "BandMatrix.multiplied(by:)", expected: order, actual: x.count)
    }
    var y = [Double](repeating: 0, count: order)
    guard order > 0 else { return y }
    storage.withUnsafeBufferPointer { ab in
      x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in
          LAPACK.dgbmv(
            transpose: transpose, n: order, kl: lowerBandwidth, ku: upperBandwidth,
            ab: ab.baseAddress! + lowerBandwidth, ldab: leadingDimension, x: xp.baseAddress!,
            y: yp.baseAddress!)
        }
      }
    }
    return y
  }
}

extension Matrix {
  /// The dense matrix equal to a band matrix.
  ///
  /// - Complexity: O(n²).
  package init(_ band: BandMatrix) {
    self.init(validRows: band.order, columns: band.order)
    let n = band.order
    for j in 0..<n {
      for i in max(0, j - band.upperBandwidth)...min(n - 1, j + band.lowerBandwidth) {
        self[i, j] = band[i, j]
      }
    }
  }
}
