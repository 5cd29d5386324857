/// Row and column scalings by powers of two, `A_s = R·A·C`, that bring every
/// row and column of `A` to a largest entry near one (LAPACK `dgeequb` /
/// `dgbequb`, as in the expert drivers `dgesvx` / `dgbsvx`).
///
/// Powers of two scale without rounding while the entries stay normal numbers, so
/// `A_s` holds exactly the same information as `A` — unless a row or column spans
/// more than the exponent range: `[−1e300, 1e-200, −1]` scaled to a largest entry
/// near one flushes `1e-200` to zero. The factorizations check that
/// (`keepsEveryBit`) and take the columns-first order then, or none. What scaling changes is what
/// "small" means: `[[−1, 8·10¹⁵], [0, −1]]`
/// is perfectly conditioned once equilibrated, while `I − βP` with `β → 1` stays
/// nearly singular. One order of the two scalings undoes only one kind of
/// scaling of `A`: rows first (`dgeequb`) undo a scaled row but not always a
/// scaled column, whose large entries set the scales of the rows they meet and
/// leave those rows' other entries negligible (`[[10¹⁶, −0.9, 0], [0, 1, −0.9],
/// [−0.9·10¹⁶, 0, 1]]` equilibrates rows first to a condition number of 10¹⁷,
/// columns first to 19). The factorizations therefore try the other order when
/// the first leaves the matrix looking nearly singular (`LUFactorization`,
/// `SparseLUFactorization`). Solves map back:
///
/// - `A x = b`:  `A_s y = R b`,  `x = C y`;
/// - `Aᵀ x = b`: `A_sᵀ y = C b`, `x = R y`.
struct Equilibration: Sendable {
  /// `R`'s diagonal, or `nil` when it is the identity.
  let rowScale: [Double]?
  /// `C`'s diagonal, or `nil` when it is the identity.
  let columnScale: [Double]?

  /// No scaling.
  static let identity = Equilibration(rowScale: nil, columnScale: nil)

  /// The scalings before a solve: `b ← R b` (or `C b` for `Aᵀ`), column by column
  /// over `rightHandSides` columns of length `order`.
  func scaleRightHandSides(
    _ b: UnsafeMutableBufferPointer<Double>, order: Int, rightHandSides: Int, transpose: Bool
  ) {
    guard let scale = transpose ? columnScale : rowScale else { return }
    Self.multiply(b, by: scale, order: order, columns: rightHandSides)
  }

  /// The scalings after a solve: `x ← C y` (or `R y` for `Aᵀ`).
  func scaleSolutions(
    _ x: UnsafeMutableBufferPointer<Double>, order: Int, rightHandSides: Int, transpose: Bool
  ) {
    guard let scale = transpose ? rowScale : columnScale else { return }
    Self.multiply(x, by: scale, order: order, columns: rightHandSides)
  }

  private static func multiply(
    _ b: UnsafeMutableBufferPointer<Double>, by scale: [Double], order: Int, columns: Int
  ) {
    scale.withUnsafeBufferPointer { s in
      for c in 0..<columns {
        let base = c * order
        for i in 0..<order { b[base + i] *= s[i] }
      }
    }
  }

  /// Keeps only non-trivial scalings (`nil` for a diagonal of ones).
  init(rowScale: [Double]?, columnScale: [Double]?) {
    self.rowScale = rowScale.flatMap { $0.allSatisfy { $0 == 1 } ? nil : $0 }
    self.columnScale = columnScale.flatMap { $0.allSatisfy { $0 == 1 } ? nil : $0 }
  }
}

extension Equilibration {
  /// The power-of-two scalings `dgeequb` would compute for the sparse `matrix`:
  /// `R = diag(2^−⌊log₂ max_j |a_ij|⌋)` (the logarithm truncated toward zero, as
  /// LAPACK's `INT`), then `C = diag(2^−⌊log₂ max_i r_i·|a_ij|⌋)` — or, with
  /// `columnsFirst`, `C` from the columns of `A` and then `R`. A row or column
  /// without a non-zero entry keeps the scale 1 (the factorization reports it
  /// singular); exponents are limited to ±1 022 so every scale is a normal number.
  ///
  /// - Complexity: O(order + nonzeros), `16·order` bytes.
  static func powerOfTwo(_ matrix: SparseMatrix, columnsFirst: Bool = false) -> Equilibration {
    let n = matrix.order
    if columnsFirst {
      var columns = [Double](repeating: 1, count: n)
      var rows = [Double](repeating: 0, count: n)
      for j in 0..<n {
        var largest = 0.0
        for k in matrix.columnStart[j]..<matrix.columnStart[j + 1] {
          largest = max(largest, abs(matrix.values[k]))
        }
        columns[j] = reciprocalPowerOfTwo(below: largest)
        for k in matrix.columnStart[j]..<matrix.columnStart[j + 1] {
          let i = matrix.rowIndices[k]
          rows[i] = max(rows[i], abs(matrix.values[k]) * columns[j])
        }
      }
      for i in 0..<n { rows[i] = reciprocalPowerOfTwo(below: rows[i]) }
      return Equilibration(rowScale: rows, columnScale: columns)
    }
    var rows = [Double](repeating: 0, count: n)
    for k in 0..<matrix.nonzeroCount {
      let i = matrix.rowIndices[k]
      rows[i] = max(rows[i], abs(matrix.values[k]))
    }
    for i in 0..<n { rows[i] = reciprocalPowerOfTwo(below: rows[i]) }
    var columns = [Double](repeating: 1, count: n)
    for j in 0..<n {
      var largest = 0.0
      for k in matrix.columnStart[j]..<matrix.columnStart[j + 1] {
        largest = max(largest, rows[matrix.rowIndices[k]] * abs(matrix.values[k]))
      }
      columns[j] = reciprocalPowerOfTwo(below: largest)
    }
    return Equilibration(rowScale: rows, columnScale: columns)
  }

  /// `2^−e` with `e = ⌊log₂ m⌋` truncated toward zero (`dgeequb`'s `INT`), for a
  /// positive finite `m`; 1 for zero or a non-finite `m`.
  static func reciprocalPowerOfTwo(below m: Double) -> Double {
    guard m > 0 && m.isFinite else { return 1 }
    // `exponent` is ⌊log₂ m⌋; below 1 LAPACK truncates toward zero instead.
    var e = Int(m.exponent)
    if m < 1 && m != Double(sign: .plus, exponent: m.exponent, significand: 1) { e += 1 }
    e = min(max(e, -1022), 1022)
    return Double(sign: .plus, exponent: -e, significand: 1)
  }

  /// `R·A·C` for the sparse `matrix` (the matrix itself when both scalings are the identity).
  ///
  /// - Complexity: O(nonzeros).
  func applied(to matrix: SparseMatrix) -> SparseMatrix {
    guard rowScale != nil || columnScale != nil else { return matrix }
    var scaled = matrix
    scaled.values.withUnsafeMutableBufferPointer { values in
      for j in 0..<matrix.order {
        let c = columnScale?[j] ?? 1
        for k in matrix.columnStart[j]..<matrix.columnStart[j + 1] {
          values[k] *= (rowScale?[matrix.rowIndices[k]] ?? 1) * c
        }
      }
    }
    return scaled
  }
}

extension Equilibration {
  /// Power-of-two scalings of the dense column-major `n × n` matrix `A` with the
  /// columns taken first: `C = diag(2^−⌊log₂ max_i |a_ij|⌋)`, then
  /// `R = diag(2^−⌊log₂ max_j |a_ij|·c_j⌋)` (`dgeequb` on `Aᵀ`), with the
  /// exponents as `powerOfTwo(_:)`; computed from `b = R₀·A·C₀`, the matrix
  /// already scaled by `applied` (`|a_ij| = |b_ij| / (r₀_i·c₀_j)`, exact).
  ///
  /// - Complexity: O(n²).
  static func columnsFirst(
    columnMajor b: UnsafeBufferPointer<Double>, order n: Int, undoing applied: Equilibration
  ) -> Equilibration {
    let r0 = applied.rowScale ?? [Double](repeating: 1, count: n)
    let c0 = applied.columnScale ?? [Double](repeating: 1, count: n)
    var columns = [Double](repeating: 1, count: n)
    var rows = [Double](repeating: 0, count: n)
    for j in 0..<n {
      var largest = 0.0
      for i in 0..<n { largest = max(largest, abs(b[i + j * n]) / (r0[i] * c0[j])) }
      columns[j] = reciprocalPowerOfTwo(below: largest)
    }
    for j in 0..<n {
      let c = columns[j] / c0[j]
      for i in 0..<n { rows[i] = max(rows[i], abs(b[i + j * n]) / r0[i] * c) }
    }
    for i in 0..<n { rows[i] = reciprocalPowerOfTwo(below: rows[i]) }
    return Equilibration(rowScale: rows, columnScale: columns)
  }

  /// The scaling that takes `R₀·A·C₀` (`base`) to `R·A·C` (this one): `R·R₀⁻¹`,
  /// `C·C₀⁻¹` (exact: powers of two).
  ///
  /// - Complexity: O(n).
  func relative(to base: Equilibration, order n: Int) -> Equilibration {
    let r = rowScale ?? [Double](repeating: 1, count: n)
    let c = columnScale ?? [Double](repeating: 1, count: n)
    let r0 = base.rowScale ?? [Double](repeating: 1, count: n)
    let c0 = base.columnScale ?? [Double](repeating: 1, count: n)
    return Equilibration(
      rowScale: (0..<n).map { r[$0] / r0[$0] }, columnScale: (0..<n).map { c[$0] / c0[$0] })
  }

  /// Whether `R·A·C` is the same matrix for both scalings, for every `A` of
  /// order `n`: `R = α·R'` and `C = C'/α` for one `α`.
  ///
  /// - Complexity: O(n).
  func isEquivalent(to other: Equilibration, order n: Int) -> Bool {
    guard n > 0 else { return true }
    let r = rowScale ?? [Double](repeating: 1, count: n)
    let c = columnScale ?? [Double](repeating: 1, count: n)
    let r2 = other.rowScale ?? [Double](repeating: 1, count: n)
    let c2 = other.columnScale ?? [Double](repeating: 1, count: n)
    // Powers of two: the ratios are exact.
    let alpha = r[0] / r2[0]
    for i in 0..<n where r[i] / r2[i] != alpha { return false }
    for j in 0..<n where c2[j] / c[j] != alpha { return false }
    return true
  }
}

extension Equilibration {
  /// Whether `x · s` keeps every bit of the entry `x`: a normal entry stays
  /// normal (not flushed to a subnormal number or zero, not overflowed), a
  /// subnormal one is not scaled down.
  @inline(__always)
  static func keepsEveryBit(_ x: Double, scaledBy s: Double) -> Bool {
    let y = x * s
    return x.isNormal ? y.isNormal : abs(y) >= abs(x)
  }

  /// Whether `R·A·C` would lose bits of an entry of the sparse `matrix`.
  ///
  /// - Complexity: O(order + nonzeros), none for the identity.
  func losesBits(_ matrix: SparseMatrix) -> Bool {
    guard rowScale != nil || columnScale != nil else { return false }
    for j in 0..<matrix.order {
      let c = columnScale?[j] ?? 1
      for k in matrix.columnStart[j]..<matrix.columnStart[j + 1] {
        let s = (rowScale?[matrix.rowIndices[k]] ?? 1) * c
        if !Self.keepsEveryBit(matrix.values[k], scaledBy: s) { return true }
      }
    }
    return false
  }
}
