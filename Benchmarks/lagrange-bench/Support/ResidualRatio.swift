import LagrangeProp

/// LAPACK's normwise residual test for a computed solution `x` of `A·x = b`:
///
///     ‖A·x − b‖∞ / (‖A‖∞ · ‖x‖∞ · n · ε),   ε = 2⁻⁵³ (LAPACK's `dlamch('E')`).
///
/// A backward-stable solve keeps it of order one. With `triangle`, only that
/// triangle of `matrix` is the operator (the other entries are ignored, as
/// `TriangularMatrix` ignores them). Plain loops, independent of BLAS.
///
/// - Precondition: `matrix` is square with `x.count == b.count == n`.
func residualRatio(_ matrix: Matrix, triangle: Triangle? = nil, x: [Double], b: [Double]) -> Double
{
  let n = matrix.rows
  precondition(matrix.columns == n && x.count == n && b.count == n, "residualRatio: dimensions")
  var residual = b.map { -$0 }
  var rowSums = [Double](repeating: 0, count: n)
  matrix.elements.withUnsafeBufferPointer { a in
    for j in 0..<n {
      let rowsOfColumn: Range<Int> =
        switch triangle {
        case nil: 0..<n
        case .upper?: 0..<(j + 1)
        case .lower?: j..<n
        }
      for i in rowsOfColumn {
        residual[i] += a[i + j * n] * x[j]
        rowSums[i] += abs(a[i + j * n])
      }
    }
  }
  func norm(_ v: [Double]) -> Double {
    v.reduce(0.0) { $0.isNaN || $1.isNaN ? .nan : max($0, abs($1)) }
  }
  let numerator = norm(residual)
  let denominator = norm(rowSums) * norm(x) * Double(max(n, 1)) * (Double.ulpOfOne / 2)
  if numerator == 0 { return 0 }
  return numerator / denominator
}
