/// The engine's side of the negligible-pivot test (`PivotReporting`): naming the
/// variable at a negligible or zero pivot.
extension Program {
  /// A linear-algebra failure of a system whose unknowns are the variables at
  /// program positions `first, first + 1, …` (the non-input block from
  /// `inputCount`, a cyclic block's feedback variables from `feedbackStart`):
  /// a zero pivot `k` becomes `.singularJacobian` naming the variable at
  /// `first + k`; any other failure is wrapped in `.linearAlgebra`.
  func singularityError(_ error: LinearAlgebraError, unknownsFrom first: Int) -> LagrangePropError {
    if case .singular(let routine, let pivot) = error {
      return .singularJacobian(variable: name(position: first + pivot), routine: routine)
    }
    if case .krylovNotConverged(let iterations, let residual, let tolerance) = error {
      return .krylovNotConverged(iterations: iterations, residual: residual, tolerance: tolerance)
    }
    return .linearAlgebra(error)
  }

  /// `factorization` itself, or `.singularJacobian` naming the variable at
  /// `first + k` if its pivot `k` is negligible (`|u_kk| ≤ m·ε·‖A‖₁`); `matrix`
  /// (`"D"`, `"S"`) names the factored matrix in the message.
  func requireRegular<F: PivotReporting>(
    _ factorization: F, unknownsFrom first: Int, matrix: String
  ) throws(LagrangePropError) -> F {
    if let k = factorization.negligiblePivot {
      throw .singularJacobian(
        variable: name(position: first + k), routine: "\(F.routine) (pivot below m·ε·‖\(matrix)‖₁)")
    }
    return factorization
  }
}
