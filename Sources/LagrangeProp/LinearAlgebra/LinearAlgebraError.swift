/// An error thrown by the dense and banded linear-algebra layer.
///
/// Every case names the LAPACK/BLAS routine or the operation involved, so that
/// a failure far from its cause can still be traced. Indices are zero-based.
public enum LinearAlgebraError: Error, Equatable, Sendable {
  /// Two operands do not fit: `operation` needed `expected` but got `actual`
  /// (rows, columns, vector length or order, as the operation says).
  case dimensionMismatch(operation: String, expected: Int, actual: Int)

  /// A shape or bandwidth is not valid (negative size, ragged rows, …).
  case invalidShape(operation: String, reason: String)

  /// The factorization or triangular solve met a zero pivot — for the sparse LU
  /// (`umfpack_dl_numeric`), also a negligible one, `|u_kk| ≤ n·ε·max|u|` of the
  /// equilibrated matrix, which its routine then says.
  ///
  /// `pivot` is the zero-based column (and diagonal position) of the zero in
  /// the triangular factor `U` (LU) or in the triangular matrix itself:
  /// LAPACK's `info > 0`, minus one.
  case singular(routine: String, pivot: Int)

  /// A solve produced NaN or infinity: the matrix or the right-hand side held
  /// a non-finite value, or the system is so close to singular that the
  /// solution overflowed. Nothing non-finite is ever returned.
  case nonFinite(routine: String)

  /// A sparse factorization (`routine`, e.g. `umfpack_dl_numeric`) ran out of
  /// memory; `bytes` is the library's estimate of what it needed, when known.
  case outOfMemory(routine: String, bytes: Double?)

  /// An iterative solver (restarted GMRES) stopped after `iterations` without
  /// reaching `‖b − A·x‖₂ ≤ tolerance · ‖b‖₂`; `residual` is the relative
  /// residual it reached. No approximate solution is returned.
  case krylovNotConverged(iterations: Int, residual: Double, tolerance: Double)
}

extension LinearAlgebraError: CustomStringConvertible {
  /// A sentence naming the operation or routine and what went wrong.
  public var description: String {
    switch self {
    case .dimensionMismatch(let operation, let expected, let actual):
      return "\(operation): dimension mismatch, expected \(expected) but got \(actual)"
    case .invalidShape(let operation, let reason):
      return "\(operation): invalid shape: \(reason)"
    case .singular(let routine, let pivot):
      return "\(routine): the matrix is singular at pivot \(pivot)"
    case .nonFinite(let routine):
      return
        "\(routine): the solution is not finite (NaN or infinity in the input, or a nearly singular matrix)"
    case .outOfMemory(let routine, let bytes):
      let need = bytes.map { " (it estimated \(Int($0)) bytes)" } ?? ""
      return "\(routine): out of memory\(need)"
    case .krylovNotConverged(let iterations, let residual, let tolerance):
      return
        "GMRES did not converge in \(iterations) iteration(s): relative residual \(residual) > tolerance \(tolerance)"
    }
  }
}

extension LinearAlgebraError {
  /// Whether this is `.nonFinite` with the non-finite solution left in
  /// `solution` (LAPACK's solves write it in place before the check throws), so
  /// that the caller's own finiteness check can name where it appeared; a solver
  /// that refused without writing one (UMFPACK's residual check, GMRES) is not.
  ///
  /// - Complexity: O(solution.count).
  func leftNonFiniteSolution(in solution: some Sequence<Double>) -> Bool {
    guard case .nonFinite = self else { return false }
    return solution.contains { !$0.isFinite }
  }
}
