import CSuiteSparse

/// Solves `A·x = b` (or `Aᵀ·x = b`) with UMFPACK called directly — symbolic,
/// numeric, one solve, freeing both objects — with the Control the library's
/// wrapper uses (symmetric strategy, AMD ordering, strict partial pivoting): the baseline of the
/// wrapper-overhead row, and an independent reference for answer checks.
///
/// - Throws: `DirectUMFPACKError` with the failing routine's status.
func directUMFPACKSolve(
  order n: Int, columnStart: [Int], rowIndices: [Int], values: [Double], rightHandSide b: [Double],
  transpose: Bool
) throws -> [Double] {
  var control = [Double](repeating: 0, count: Int(UMFPACK_CONTROL))
  umfpack_dl_defaults(&control)
  control[Int(UMFPACK_STRATEGY)] = Double(UMFPACK_STRATEGY_SYMMETRIC)
  control[Int(UMFPACK_ORDERING)] = Double(UMFPACK_ORDERING_AMD)
  control[Int(UMFPACK_PIVOT_TOLERANCE)] = 1
  control[Int(UMFPACK_SYM_PIVOT_TOLERANCE)] = 1
  var info = [Double](repeating: 0, count: Int(UMFPACK_INFO))
  var symbolic: UnsafeMutableRawPointer?
  var numeric: UnsafeMutableRawPointer?
  defer {
    umfpack_dl_free_symbolic(&symbolic)
    umfpack_dl_free_numeric(&numeric)
  }
  var status = umfpack_dl_symbolic(n, n, columnStart, rowIndices, values, &symbolic, control, &info)
  guard status == Int(UMFPACK_OK) else {
    throw DirectUMFPACKError(routine: "symbolic", status: status)
  }
  status = umfpack_dl_numeric(columnStart, rowIndices, values, symbolic, &numeric, control, &info)
  guard status == Int(UMFPACK_OK) else {
    throw DirectUMFPACKError(routine: "numeric", status: status)
  }
  var x = [Double](repeating: 0, count: n)
  status = umfpack_dl_solve(
    Int(transpose ? UMFPACK_At : UMFPACK_A), columnStart, rowIndices, values, &x, b, numeric,
    control, &info)
  guard status == Int(UMFPACK_OK) else {
    throw DirectUMFPACKError(routine: "solve", status: status)
  }
  return x
}

/// A status other than `UMFPACK_OK` from a direct UMFPACK call.
struct DirectUMFPACKError: Error, CustomStringConvertible {
  let routine: String
  let status: Int
  var description: String { "umfpack_dl_\(routine): status \(status)" }
}
