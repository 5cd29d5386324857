/// Assembly of the constraint Jacobian `D` (`D[a, i] = ∂c_i/∂z_a`) from the local
/// partials: the non-input block `D_zz` (order `m = n − d`, program order) as a
/// dense column-major matrix or in LAPACK band storage, without a dense
/// intermediate. Inputs are only copied, so `D` is block triangular and the
/// input rows never enter a factorization.
extension Program {
  /// The bandwidth of a band matrix: sub-diagonals (`lower`) and super-diagonals (`upper`).
  public struct Bandwidth: Sendable, Equatable, CustomStringConvertible {
    /// The number of sub-diagonals.
    public var lower: Int
    /// The number of super-diagonals.
    public var upper: Int

    /// A bandwidth.
    public init(lower: Int, upper: Int) {
      self.lower = lower
      self.upper = upper
    }

    /// `(lower: kl, upper: ku)`.
    public var description: String { "(lower: \(lower), upper: \(upper))" }
  }

  /// The bandwidth of the non-input block `D_zz` of the constraint Jacobian, in
  /// program order: `upper = max(i − a)`, `lower = max(a − i)` over the
  /// constraint edges `a → i` between intermediates (and the diagonal).
  ///
  /// Acyclic programs in topological order have `lower = 0`. Input columns are
  /// left out on purpose: inputs are only copied (`c_j = x_j − z_j`), so their
  /// rows are handled by one product after the solve (`λ_x = ∇ₓf + D_xz λ_z`),
  /// and a parameter read by every step of a chain does not widen the band.
  /// Inputs come first in program order, so counted in they would: in a chain
  /// of `m` steps that each read a parameter `θ`, `bandwidth` is `(0, 1)` while
  /// `fullBandwidth` is `(0, ≈ m)` — as wide as dense. See `fullBandwidth` for
  /// the bandwidth of the whole `D`, and <doc:BandedPrograms>.
  ///
  /// The band solvers (`.bandedTriangular`, `.bandedLU`) store this band and
  /// refuse, with `.bandTooWide`, a program whose band storage would be no
  /// smaller than dense storage.
  ///
  /// - Complexity: O(edges).
  public var bandwidth: Bandwidth { bandwidth(includingInputs: false) }

  /// The bandwidth of the whole `n × n` constraint Jacobian in program order,
  /// inputs included: an input read far from where it is declared widens it.
  ///
  /// - Complexity: O(edges).
  public var fullBandwidth: Bandwidth { bandwidth(includingInputs: true) }

  func bandwidth(includingInputs: Bool) -> Bandwidth {
    var lower = 0
    var upper = 0
    let first = includingInputs ? 0 : inputCount
    for i in inputCount..<variableCount {
      for k in argumentRange(i) {
        let a = Int(arguments[k])
        if a < first { continue }
        if i > a { upper = max(upper, i - a) } else { lower = max(lower, a - i) }
      }
    }
    return Bandwidth(lower: lower, upper: upper)
  }

  /// Calls `add(row, column, value)` for every entry of `D_zz` (indices `0..<m`),
  /// the diagonal `−1` of assignments included. Repeated entries must be summed.
  @inline(__always)
  func forEachNonInputEntry(partials: [Double], _ add: (Int, Int, Double) -> Void) {
    let d = inputCount
    for i in d..<variableCount {
      if !isResidual[i] { add(i - d, i - d, -1) }
      for k in argumentRange(i) {
        let a = Int(arguments[k])
        if a >= d { add(a - d, i - d, partials[k]) }
      }
    }
  }

  /// Throws `.denseTooLarge` if an `m × m` dense matrix would exceed the limit.
  func checkDenseSize(_ solver: Solver, options: SolveOptions) throws(LagrangePropError) {
    let m = intermediateCount
    let (square, overflow1) = m.multipliedReportingOverflow(by: m)
    let (bytes, overflow2) = square.multipliedReportingOverflow(by: 8)
    if overflow1 || overflow2 || bytes > options.matrixByteLimit {
      throw .denseTooLarge(
        solver: solver, order: m, bytes: overflow1 || overflow2 ? Int.max : bytes,
        limit: options.matrixByteLimit)
    }
  }

  /// The dense non-input block `D_zz` (`m × m`, program order).
  ///
  /// - Complexity: O(m² + edges) time, `8·m²` bytes.
  package func assembleDenseNonInputJacobian(partials: [Double]) -> Matrix {
    let m = intermediateCount
    var matrix = Matrix(validRows: m, columns: m)
    matrix.elements.withUnsafeMutableBufferPointer { e in
      forEachNonInputEntry(partials: partials) { row, column, value in e[row + column * m] += value
      }
    }
    return matrix
  }

  /// `D_zz` in general band storage (room for LU fill-in), straight from the partials.
  ///
  /// - Complexity: O(m · (2·kl + ku + 1) + edges).
  package func assembleBandNonInputJacobian(partials: [Double], bandwidth: Bandwidth) -> BandMatrix
  {
    var band = BandMatrix(
      validOrder: intermediateCount, lowerBandwidth: bandwidth.lower,
      upperBandwidth: bandwidth.upper)
    let ldab = band.leadingDimension
    let offset = bandwidth.lower + bandwidth.upper
    band.storage.withUnsafeMutableBufferPointer { e in
      forEachNonInputEntry(partials: partials) { row, column, value in
        e[offset + row - column + column * ldab] += value
      }
    }
    return band
  }

  /// `D_zz` of an acyclic program in upper triangular band storage (`kd = upper`).
  ///
  /// - Complexity: O(m · (kd + 1) + edges).
  package func assembleTriangularBandNonInputJacobian(partials: [Double], bandwidth kd: Int)
    -> TriangularBandMatrix
  {
    var band = TriangularBandMatrix(validOrder: intermediateCount, bandwidth: kd, triangle: .upper)
    let ldab = kd + 1
    band.storage.withUnsafeMutableBufferPointer { e in
      forEachNonInputEntry(partials: partials) { row, column, value in
        e[kd + row - column + column * ldab] += value
      }
    }
    return band
  }

  /// The whole `n × n` constraint Jacobian in declaration order (for inspection and tests).
  func assembleFullJacobian(partials: [Double]) -> Matrix {
    let n = variableCount
    var matrix = Matrix(validRows: n, columns: n)
    for j in 0..<inputCount {
      let i = Int(order[j])
      matrix[i, i] = -1
    }
    for p in inputCount..<variableCount {
      let i = Int(order[p])
      if !isResidual[p] { matrix[i, i] -= 1 }
      for k in argumentRange(p) { matrix[Int(order[Int(arguments[k])]), i] += partials[k] }
    }
    return matrix
  }
}
