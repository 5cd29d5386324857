import CLAPACKE

/// All C glue of LagrangeProp: `Int32` conversions, pointer juggling and the
/// decoding of LAPACK's `info`. Nothing outside this file sees `LAPACKInt`,
/// `LAPACK_COL_MAJOR` or a CBLAS enum.
///
/// Every call uses the `_work` variant of LAPACKE in column-major layout, which
/// hands the caller's buffer to Fortran LAPACK in place (no transposed copy, no
/// NaN scan), and BLAS level-2 routines for single right-hand sides.
/// LAPACK's integer type in the LP64 build Debian ships (`lapack_int` is a C macro).
typealias LAPACKInt = Int32

enum LAPACK {
  /// The layout every buffer of ours uses.
  static let columnMajor = LAPACK_COL_MAJOR

  /// Converts a dimension to LAPACK's integer type.
  @inline(__always)
  static func int(_ value: Int) -> LAPACKInt {
    precondition(value <= Int(LAPACKInt.max), "dimension \(value) exceeds LAPACK's integer range")
    return LAPACKInt(truncatingIfNeeded: value)
  }

  @inline(__always)
  static func trans(_ transpose: Bool) -> CChar {
    CChar(UInt8(ascii: transpose ? "T" : "N"))
  }

  @inline(__always)
  static func char(_ c: Unicode.Scalar) -> CChar { CChar(UInt8(ascii: c)) }

  /// Decodes LAPACK's `info`: zero is success, a positive value is a zero
  /// pivot at `info − 1`, a negative value is an illegal argument — a bug in
  /// this file, never the user's doing.
  static func check(_ info: LAPACKInt, _ routine: String) throws(LinearAlgebraError) {
    precondition(info >= 0, "\(routine): illegal value in argument \(-info) (a LagrangeProp bug)")
    if info > 0 { throw .singular(routine: routine, pivot: Int(info) - 1) }
  }

  /// Throws `.nonFinite` if any value of `buffer` is NaN or infinite.
  static func checkFinite(_ buffer: UnsafeBufferPointer<Double>, _ routine: String)
    throws(LinearAlgebraError)
  {
    for value in buffer where !value.isFinite { throw .nonFinite(routine: routine) }
  }

  // MARK: - General LU

  static func dgetrf(
    n: Int, a: UnsafeMutablePointer<Double>, lda: Int, pivots: UnsafeMutablePointer<LAPACKInt>
  ) throws(LinearAlgebraError) {
    let info = LAPACKE_dgetrf_work(columnMajor, int(n), int(n), a, int(max(1, lda)), pivots)
    try check(info, "dgetrf")
  }

  static func dgetrs(
    transpose: Bool, n: Int, nrhs: Int, a: UnsafePointer<Double>, lda: Int,
    pivots: UnsafePointer<LAPACKInt>, b: UnsafeMutablePointer<Double>, ldb: Int
  ) {
    let info = LAPACKE_dgetrs_work(
      columnMajor, trans(transpose), int(n), int(nrhs), a, int(max(1, lda)), pivots, b,
      int(max(1, ldb)))
    precondition(info == 0, "dgetrs: illegal value in argument \(-info) (a LagrangeProp bug)")
  }

  static func dgecon(n: Int, a: UnsafePointer<Double>, lda: Int, oneNorm: Double)
    throws(LinearAlgebraError) -> Double
  {
    var rcond = 0.0
    var work = [Double](repeating: 0, count: max(1, 4 * n))
    var iwork = [LAPACKInt](repeating: 0, count: max(1, n))
    let info = LAPACKE_dgecon_work(
      columnMajor, char("1"), int(n), a, int(max(1, lda)), oneNorm, &rcond, &work, &iwork)
    try check(info, "dgecon")
    return rcond
  }

  /// Power-of-two row and column scalings of a dense matrix (`dgeequb`). A zero
  /// row or column makes the matrix exactly singular: `.singular` with the index
  /// of that row or column.
  static func dgeequb(
    n: Int, a: UnsafePointer<Double>, lda: Int, rows: UnsafeMutablePointer<Double>,
    columns: UnsafeMutablePointer<Double>
  ) throws(LinearAlgebraError) {
    var rowcnd = 0.0, colcnd = 0.0, amax = 0.0
    let info = LAPACKE_dgeequb_work(
      columnMajor, int(n), int(n), a, int(max(1, lda)), rows, columns, &rowcnd, &colcnd, &amax)
    precondition(info >= 0, "dgeequb: illegal value in argument \(-info) (a LagrangeProp bug)")
    if info > 0 { throw .singular(routine: "dgeequb", pivot: (Int(info) - 1) % max(1, n)) }
  }

  // MARK: - Band LU

  static func dgbtrf(
    n: Int, kl: Int, ku: Int, ab: UnsafeMutablePointer<Double>, ldab: Int,
    pivots: UnsafeMutablePointer<LAPACKInt>
  ) throws(LinearAlgebraError) {
    let info = LAPACKE_dgbtrf_work(
      columnMajor, int(n), int(n), int(kl), int(ku), ab, int(ldab), pivots)
    try check(info, "dgbtrf")
  }

  static func dgbtrs(
    transpose: Bool, n: Int, kl: Int, ku: Int, nrhs: Int, ab: UnsafePointer<Double>, ldab: Int,
    pivots: UnsafePointer<LAPACKInt>, b: UnsafeMutablePointer<Double>, ldb: Int
  ) {
    let info = LAPACKE_dgbtrs_work(
      columnMajor, trans(transpose), int(n), int(kl), int(ku), int(nrhs), ab, int(ldab), pivots,
      b, int(max(1, ldb)))
    precondition(info == 0, "dgbtrs: illegal value in argument \(-info) (a LagrangeProp bug)")
  }

  /// One-norm of a band matrix whose band starts at row `0` of `ab`
  /// (`ab[ku + i − j + j·ldab] = A[i, j]`).
  static func dlangbOneNorm(n: Int, kl: Int, ku: Int, ab: UnsafePointer<Double>, ldab: Int)
    -> Double
  {
    var work = [Double](repeating: 0, count: max(1, n))
    return LAPACKE_dlangb_work(
      columnMajor, char("1"), int(n), int(kl), int(ku), ab, int(ldab), &work)
  }

  /// Power-of-two row and column scalings of a band matrix whose band starts at
  /// row `0` of `ab` (`dgbequb`); a zero row or column is `.singular`.
  static func dgbequb(
    n: Int, kl: Int, ku: Int, ab: UnsafePointer<Double>, ldab: Int,
    rows: UnsafeMutablePointer<Double>, columns: UnsafeMutablePointer<Double>
  ) throws(LinearAlgebraError) {
    var rowcnd = 0.0, colcnd = 0.0, amax = 0.0
    let info = LAPACKE_dgbequb_work(
      columnMajor, int(n), int(n), int(kl), int(ku), ab, int(ldab), rows, columns, &rowcnd,
      &colcnd, &amax)
    precondition(info >= 0, "dgbequb: illegal value in argument \(-info) (a LagrangeProp bug)")
    if info > 0 { throw .singular(routine: "dgbequb", pivot: (Int(info) - 1) % max(1, n)) }
  }

  /// The reciprocal condition number `1 / (‖A‖₁·‖A⁻¹‖₁)` of a band LU
  /// factorization, `‖A⁻¹‖₁` estimated by Hager–Higham (`dlacn2`, as `dgbcon`
  /// does) with plain `dgbtrs` solves: O(n·(kl + ku)) per solve, a handful of
  /// solves. (`dgbcon` itself solves with `dlatbs`, whose overflow-guarded path
  /// rescans the whole vector at every column: O(n²) once n reaches a few
  /// thousand — 2.8 s at n = 10⁵ for a tridiagonal matrix.) A solve that
  /// overflows means `A` is singular as far as `Double` can tell: 0.
  ///
  /// - Complexity: O(n·(kl + ku)) time, O(n) memory.
  static func bandReciprocalCondition(
    n: Int, kl: Int, ku: Int, ab: UnsafePointer<Double>, ldab: Int,
    pivots: UnsafePointer<LAPACKInt>, oneNorm: Double
  ) -> Double {
    reciprocalCondition(order: n, oneNorm: oneNorm) { x, transpose in
      dgbtrs(
        transpose: transpose, n: n, kl: kl, ku: ku, nrhs: 1, ab: ab, ldab: ldab,
        pivots: pivots, b: x.baseAddress!, ldb: n)
      return true
    }
  }

  /// Hager–Higham's estimate of `1 / (‖A‖₁·‖A⁻¹‖₁)` (LAPACK `dlacn2`, as `dgecon`
  /// uses it) from solves with a factored `A` of order `n`: `solve(x, false)`
  /// overwrites `x` with `A⁻¹·x`, `solve(x, true)` with `A⁻ᵀ·x`, and returns
  /// `false` if it failed (the estimate is then 0).
  ///
  /// - Complexity: about five solves.
  static func reciprocalCondition(
    order n: Int, oneNorm: Double,
    solve: (UnsafeMutableBufferPointer<Double>, Bool) -> Bool
  ) -> Double {
    guard n > 0 else { return 1 }
    guard oneNorm > 0, oneNorm.isFinite else { return 0 }
    var v = [Double](repeating: 0, count: n)
    var x = [Double](repeating: 0, count: n)
    var signs = [LAPACKInt](repeating: 0, count: n)
    var state = [LAPACKInt](repeating: 0, count: 3)
    var estimate = 0.0
    var kase: LAPACKInt = 0
    while true {
      _ = LAPACKE_dlacn2_work(int(n), &v, &x, &signs, &estimate, &kase, &state)
      if kase == 0 { break }
      // kase 1: x ← A⁻¹·x; kase 2: x ← A⁻ᵀ·x (the one-norm of A⁻¹).
      let solved = x.withUnsafeMutableBufferPointer { solve($0, kase == 2) }
      if !solved || x.contains(where: { !$0.isFinite }) { return 0 }
    }
    guard estimate > 0, estimate.isFinite else { return estimate > 0 ? 0 : 1 }
    return min(1, (1 / estimate) / oneNorm)
  }

  // MARK: - Triangular

  static func uplo(_ triangle: Triangle) -> CChar { char(triangle == .upper ? "U" : "L") }

  /// `dtrtrs`: several right-hand sides; LAPACK checks the diagonal for zeros.
  static func dtrtrs(
    triangle: Triangle, transpose: Bool, unitDiagonal: Bool, n: Int, nrhs: Int,
    a: UnsafePointer<Double>, lda: Int, b: UnsafeMutablePointer<Double>, ldb: Int
  ) throws(LinearAlgebraError) {
    let info = LAPACKE_dtrtrs_work(
      columnMajor, uplo(triangle), trans(transpose), char(unitDiagonal ? "U" : "N"), int(n),
      int(nrhs), a, int(max(1, lda)), b, int(max(1, ldb)))
    try check(info, "dtrtrs")
  }

  /// `dtrsv`: one right-hand side (BLAS level 2). It does not test for a zero
  /// diagonal, so the caller must have done so.
  static func dtrsv(
    triangle: Triangle, transpose: Bool, unitDiagonal: Bool, n: Int, a: UnsafePointer<Double>,
    lda: Int, x: UnsafeMutablePointer<Double>
  ) {
    guard n > 0 else { return }
    cblas_dtrsv(
      CblasColMajor, triangle == .upper ? CblasUpper : CblasLower,
      transpose ? CblasTrans : CblasNoTrans, unitDiagonal ? CblasUnit : CblasNonUnit,
      int(n), a, int(max(1, lda)), x, 1)
  }

  /// `dtbtrs`: triangular band solve; LAPACK checks the diagonal for zeros.
  static func dtbtrs(
    triangle: Triangle, transpose: Bool, n: Int, kd: Int, nrhs: Int, ab: UnsafePointer<Double>,
    ldab: Int, b: UnsafeMutablePointer<Double>, ldb: Int
  ) throws(LinearAlgebraError) {
    let info = LAPACKE_dtbtrs_work(
      columnMajor, uplo(triangle), trans(transpose), char("N"), int(n), int(kd), int(nrhs), ab,
      int(ldab), b, int(max(1, ldb)))
    try check(info, "dtbtrs")
  }

  // MARK: - Products (residuals and tests, not hot paths)

  /// `y ← α·op(A)·x + β·y` (`dgemv`).
  static func dgemv(
    transpose: Bool, rows: Int, columns: Int, a: UnsafePointer<Double>, lda: Int,
    x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>, alpha: Double = 1, beta: Double = 0
  ) {
    guard rows > 0, columns > 0 else { return }
    cblas_dgemv(
      CblasColMajor, transpose ? CblasTrans : CblasNoTrans, int(rows), int(columns), alpha, a,
      int(max(1, lda)), x, 1, beta, y, 1)
  }

  /// `C ← A·B` (`dgemm`), all column-major without transposes.
  static func dgemm(
    m: Int, n: Int, k: Int, a: UnsafePointer<Double>, b: UnsafePointer<Double>,
    c: UnsafeMutablePointer<Double>
  ) {
    guard m > 0, n > 0, k > 0 else { return }
    cblas_dgemm(
      CblasColMajor, CblasNoTrans, CblasNoTrans, int(m), int(n), int(k), 1, a, int(m), b, int(k),
      0, c, int(m))
  }

  /// `y ← op(A)·x` for a band matrix whose band starts at row `rowOffset`
  /// of `ab` (`dgbmv`).
  static func dgbmv(
    transpose: Bool, n: Int, kl: Int, ku: Int, ab: UnsafePointer<Double>, ldab: Int,
    x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>
  ) {
    guard n > 0 else { return }
    cblas_dgbmv(
      CblasColMajor, transpose ? CblasTrans : CblasNoTrans, int(n), int(n), int(kl), int(ku), 1,
      ab, int(ldab), x, 1, 0, y, 1)
  }

  // MARK: - Threads

  /// The number of threads OpenBLAS uses.

  /// Sets the number of threads OpenBLAS uses.

}
