// Reference answers for `lagrange-bench cyclic`: the Markov closed form, forward
// mode, and the non-input block of D.

import CLAPACKE
import LagrangeProp

/// The non-input block `D_zz` of a full constraint Jacobian `D` (declaration order):
/// the rows and columns of the program's intermediates.
func nonInputBlock(of d: Matrix, program: Program) throws -> Matrix {
  let inputs = Set(program.inputs.map(\.index))
  let keep = (0..<d.rows).filter { !inputs.contains($0) }
  var elements: [Double] = []
  elements.reserveCapacity(keep.count * keep.count)
  d.elements.withUnsafeBufferPointer { e in
    for j in keep {
      for i in keep { elements.append(e[i + j * d.rows]) }
    }
  }
  return try Matrix(rows: keep.count, columns: keep.count, columnMajor: elements)
}

/// The Markov process in closed form: `v = (I − γP)⁻¹ r` and the gradient of
/// `f = wᵀv` — `∂f/∂r = y = (I − γP)⁻ᵀ w`, preceded, in the γ-input form, by
/// `∂f/∂γ = yᵀ P v` — one `dgetrf`, two `dgetrs`.
func markovClosedForm(_ markov: MarkovReward) -> (values: [Double], gradient: [Double]) {
  let n = markov.states
  let n32 = Int32(n)
  var a = markov.systemMatrix
  var pivots = [Int32](repeating: 0, count: n)
  var info = LAPACKE_dgetrf(LAPACK_COL_MAJOR, n32, n32, &a, n32, &pivots)
  precondition(info == 0, "dgetrf info \(info)")
  var v = markov.rewards
  info = LAPACKE_dgetrs(LAPACK_COL_MAJOR, cChar("N"), n32, 1, a, n32, pivots, &v, n32)
  precondition(info == 0, "dgetrs info \(info)")
  var y = markov.weights
  info = LAPACKE_dgetrs(LAPACK_COL_MAJOR, cChar("T"), n32, 1, a, n32, pivots, &y, n32)
  precondition(info == 0, "dgetrs info \(info)")
  guard markov.form == .gammaInput else { return (v, y) }
  var dGamma = 0.0
  for i in 0..<n {
    var pv = 0.0
    for j in 0..<n { pv += markov.transition[i * n + j] * v[j] }
    dGamma += y[i] * pv
  }
  return (v, [dGamma] + y)
}

/// `∂f/∂x` by forward mode: `Σ_i w_i Z[i, j]` with `Z = implicitJacobian()` and
/// `w` the weights of a linear objective (declaration order).
func forwardModeGradient(_ linearization: Linearization, weights: [Double]) throws -> [Double] {
  let z = try linearization.implicitJacobian()
  return (0..<z.columns).map { j in
    var total = 0.0
    for i in 0..<z.rows { total += weights[i] * z[i, j] }
    return total
  }
}
