import CSuiteSparse

/// All C glue to SuiteSparse's UMFPACK (the `dl` interface: `Int` indices,
/// `Double` values): the `Control` / `Info` arrays, the opaque `Symbolic` and
/// `Numeric` objects and the decoding of status codes. Nothing outside this
/// file sees an `UnsafeMutableRawPointer` of UMFPACK's or a `UMFPACK_*` constant.
///
/// `SuiteSparse_long` is `long`, i.e. Swift's `Int` on the 64-bit Linux we build
/// for, so `SparseMatrix`'s arrays are handed over in place.
enum UMFPACK {
  /// `control` with UMFPACK's iterative refinement turned off (`UMFPACK_IRSTEP = 0`):
  /// for the solves of a condition estimate, which need no accuracy.
  static func withoutRefinement(_ control: [Double]) -> [Double] {
    var control = control
    control[Int(UMFPACK_IRSTEP)] = 0
    return control
  }

  /// `Control` with UMFPACK's defaults (automatic strategy and ordering, row
  /// scaling by sums, up to two steps of iterative refinement in solves).
  static func defaultControl() -> [Double] {
    var control = [Double](repeating: 0, count: Int(UMFPACK_CONTROL))
    control.withUnsafeMutableBufferPointer { umfpack_dl_defaults($0.baseAddress) }
    // The symmetric strategy (AMD on A + Aᵀ, diagonal pivots preferred) suits
    // constraint Jacobians, whose diagonal is −1 for assignments; AMD alone (no
    // METIS attempt) keeps the analysis cheap and matches `minimumDegreeEstimate`.
    control[Int(UMFPACK_STRATEGY)] = Double(UMFPACK_STRATEGY_SYMMETRIC)
    control[Int(UMFPACK_ORDERING)] = Double(UMFPACK_ORDERING_AMD)
    // Partial pivoting as strict as LAPACK's (a diagonal pivot only if it is the
    // largest in its column): UMFPACK's default thresholds (0.001 for diagonal
    // pivots) let the growth factor ruin nearly singular systems.
    control[Int(UMFPACK_PIVOT_TOLERANCE)] = 1
    control[Int(UMFPACK_SYM_PIVOT_TOLERANCE)] = 1
    return control
  }

  /// What `umfpack_dl_symbolic` reports before any numeric work.
  struct SymbolicEstimates: Sendable, Equatable {
    /// Estimated flops of the numeric factorization (`UMFPACK_FLOPS_ESTIMATE`).
    var flops: Double
    /// Estimated peak memory of symbolic + numeric, bytes (`UMFPACK_PEAK_MEMORY_ESTIMATE`).
    var peakMemoryBytes: Double
    /// Memory the symbolic analysis itself used, bytes (`UMFPACK_SYMBOLIC_PEAK_MEMORY`).
    var symbolicPeakMemoryBytes: Double
    /// Estimated non-zeros of `L + U` (diagonal counted once).
    var factorNonzeros: Double
  }

  /// What `umfpack_dl_numeric` reports.
  struct NumericReport: Sendable, Equatable {
    /// Flops of the factorization (`UMFPACK_FLOPS`).
    var flops: Double
    /// Actual peak memory, bytes (`UMFPACK_PEAK_MEMORY`).
    var peakMemoryBytes: Double
    /// Non-zeros of `L + U` (diagonal counted once).
    var factorNonzeros: Int
    /// `min |u_kk| / max |u_kk|` of the factor (`UMFPACK_RCOND`; UMFPACK scales rows):
    /// a crude reciprocal condition estimate, zero for an exactly singular matrix.
    var pivotRatio: Double
    /// Whether UMFPACK reported the matrix singular (a zero pivot).
    var singular: Bool
  }

  /// An owned `Symbolic` object, freed when the last reference goes.
  ///
  /// UMFPACK only reads it after `umfpack_dl_symbolic` returns, so sharing it
  /// between threads is safe.
  final class Symbolic: @unchecked Sendable {
    fileprivate var pointer: UnsafeMutableRawPointer?
    fileprivate init(_ pointer: UnsafeMutableRawPointer?) { self.pointer = pointer }
    deinit { umfpack_dl_free_symbolic(&pointer) }
  }

  /// An owned `Numeric` object (the factors), freed when the last reference goes.
  ///
  /// `umfpack_dl_wsolve` only reads it (its workspace is the caller's), so
  /// concurrent solves with one factorization are safe.
  final class Numeric: @unchecked Sendable {
    fileprivate var pointer: UnsafeMutableRawPointer?
    fileprivate init(_ pointer: UnsafeMutableRawPointer?) { self.pointer = pointer }
    deinit { umfpack_dl_free_numeric(&pointer) }
  }

  /// Decodes a status: `UMFPACK_OK` and the warnings pass; out of memory is the
  /// user's (too large a problem); anything else is a bug of ours (the matrix
  /// is validated before it gets here).
  private static func check(_ status: Int, _ routine: String, info: [Double])
    throws(LinearAlgebraError)
  {
    if status >= Int(UMFPACK_OK) { return }
    if status == Int(UMFPACK_ERROR_out_of_memory) {
      let bytes = info[Int(UMFPACK_PEAK_MEMORY_ESTIMATE)] * info[Int(UMFPACK_SIZE_OF_UNIT)]
      throw .outOfMemory(routine: routine, bytes: bytes.isFinite && bytes > 0 ? bytes : nil)
    }
    preconditionFailure("\(routine): status \(status) (a LagrangeProp bug)")
  }

  /// Symbolic analysis (`umfpack_dl_symbolic`): the fill-reducing column
  /// ordering and the estimates of the numeric factorization's cost.
  ///
  /// - Throws: `.outOfMemory`.
  static func symbolic(_ a: SparseMatrix, control: [Double]) throws(LinearAlgebraError)
    -> (Symbolic, SymbolicEstimates)
  {
    var info = [Double](repeating: 0, count: Int(UMFPACK_INFO))
    var pointer: UnsafeMutableRawPointer?
    let status = a.columnStart.withUnsafeBufferPointer { ap in
      a.rowIndices.withUnsafeBufferPointer { ai in
        a.values.withUnsafeBufferPointer { ax in
          umfpack_dl_symbolic(
            a.order, a.order, ap.baseAddress, ai.baseAddress, ax.baseAddress, &pointer, control,
            &info)
        }
      }
    }
    let symbolic = Symbolic(pointer)
    try check(status, "umfpack_dl_symbolic", info: info)
    let unit = info[Int(UMFPACK_SIZE_OF_UNIT)]
    let estimates = SymbolicEstimates(
      flops: info[Int(UMFPACK_FLOPS_ESTIMATE)],
      peakMemoryBytes: info[Int(UMFPACK_PEAK_MEMORY_ESTIMATE)] * unit,
      symbolicPeakMemoryBytes: info[Int(UMFPACK_SYMBOLIC_PEAK_MEMORY)] * unit,
      factorNonzeros: info[Int(UMFPACK_LNZ_ESTIMATE)] + info[Int(UMFPACK_UNZ_ESTIMATE)]
        - Double(a.order))
    return (symbolic, estimates)
  }

  /// Numeric factorization (`umfpack_dl_numeric`) with a symbolic analysis of the same pattern.
  ///
  /// - Throws: `.outOfMemory`.
  static func numeric(_ a: SparseMatrix, symbolic: Symbolic, control: [Double])
    throws(LinearAlgebraError) -> (Numeric, NumericReport)
  {
    var info = [Double](repeating: 0, count: Int(UMFPACK_INFO))
    var pointer: UnsafeMutableRawPointer?
    let status = a.columnStart.withUnsafeBufferPointer { ap in
      a.rowIndices.withUnsafeBufferPointer { ai in
        a.values.withUnsafeBufferPointer { ax in
          umfpack_dl_numeric(
            ap.baseAddress, ai.baseAddress, ax.baseAddress, symbolic.pointer, &pointer, control,
            &info)
        }
      }
    }
    let numeric = Numeric(pointer)
    try check(status, "umfpack_dl_numeric", info: info)
    let unit = info[Int(UMFPACK_SIZE_OF_UNIT)]
    let report = NumericReport(
      flops: info[Int(UMFPACK_FLOPS)],
      peakMemoryBytes: info[Int(UMFPACK_PEAK_MEMORY)] * unit,
      factorNonzeros: Int(info[Int(UMFPACK_LNZ)] + info[Int(UMFPACK_UNZ)]) - a.order,
      pivotRatio: info[Int(UMFPACK_RCOND)],
      singular: status == Int(UMFPACK_WARNING_singular_matrix))
    return (numeric, report)
  }

  /// The column of `A` (a zero-based index) pivoted at the smallest `|u_kk|`
  /// (`umfpack_dl_get_numeric` with `Q` and the diagonal of `U`), and that magnitude.
  static func smallestPivotColumn(_ numeric: Numeric, order n: Int) -> (
    column: Int, magnitude: Double
  ) {
    var q = [Int](repeating: 0, count: n)
    var diagonal = [Double](repeating: 0, count: n)
    let status = umfpack_dl_get_numeric(
      nil, nil, nil, nil, nil, nil, nil, &q, &diagonal, nil, nil, numeric.pointer)
    precondition(status == Int(UMFPACK_OK), "umfpack_dl_get_numeric: status \(status)")
    var smallest = 0
    var magnitude = Double.infinity
    for k in 0..<n where !(abs(diagonal[k]) >= magnitude) {
      magnitude = abs(diagonal[k])
      smallest = k
    }
    return (q[smallest], magnitude)
  }

  /// `A·x = b` or `Aᵀ·x = b` (`umfpack_dl_wsolve`, `UMFPACK_A` / `UMFPACK_At`)
  /// for one right-hand side, with the caller's workspace (`wi`: n, `w`: 5n).
  static func solve(
    _ a: SparseMatrix, numeric: Numeric, transpose: Bool, x: UnsafeMutablePointer<Double>,
    b: UnsafePointer<Double>, control: [Double], wi: UnsafeMutablePointer<Int>,
    w: UnsafeMutablePointer<Double>
  ) throws(LinearAlgebraError) {
    var info = [Double](repeating: 0, count: Int(UMFPACK_INFO))
    let status = a.columnStart.withUnsafeBufferPointer { ap in
      a.rowIndices.withUnsafeBufferPointer { ai in
        a.values.withUnsafeBufferPointer { ax in
          umfpack_dl_wsolve(
            Int(transpose ? UMFPACK_At : UMFPACK_A), ap.baseAddress, ai.baseAddress,
            ax.baseAddress, x, b, numeric.pointer, control, &info, wi, w)
        }
      }
    }
    try check(status, "umfpack_dl_wsolve", info: info)
  }

  /// The approximate minimum degree ordering of the pattern of `A + Aᵀ`
  /// (`amd_l_order`) and what it predicts for an LU with diagonal pivots in
  /// that order: non-zeros of `L + U` and flops. Cheap next to UMFPACK's
  /// symbolic analysis, and exact for the symmetric-pattern factorization it
  /// describes (UMFPACK's symmetric strategy).
  ///
  /// - Throws: `.outOfMemory(routine: "amd_l_order", …)`.
  static func minimumDegreeEstimate(_ a: SparseMatrix) throws(LinearAlgebraError)
    -> (factorNonzeros: Double, flops: Double)
  {
    var info = [Double](repeating: 0, count: Int(AMD_INFO))
    var control = [Double](repeating: 0, count: Int(AMD_CONTROL))
    amd_l_defaults(&control)
    var permutation = [Int](repeating: 0, count: a.order)
    let status = a.columnStart.withUnsafeBufferPointer { ap in
      a.rowIndices.withUnsafeBufferPointer { ai in
        amd_l_order(a.order, ap.baseAddress, ai.baseAddress, &permutation, &control, &info)
      }
    }
    if status == Int(AMD_OUT_OF_MEMORY) { throw .outOfMemory(routine: "amd_l_order", bytes: nil) }
    precondition(status >= Int(AMD_OK), "amd_l_order: status \(status) (a LagrangeProp bug)")
    let lowerNonzeros = info[Int(AMD_LNZ)]
    return (
      2 * lowerNonzeros + Double(a.order),
      info[Int(AMD_NDIV)] + 2 * info[Int(AMD_NMULTSUBS_LU)]
    )
  }

  /// The index of the refinement-steps entry of `Control` (`UMFPACK_IRSTEP`).
  static let refinementStepsIndex = Int(UMFPACK_IRSTEP)

  /// UMFPACK's version string.
  static var version: String { UMFPACK_VERSION }
}
