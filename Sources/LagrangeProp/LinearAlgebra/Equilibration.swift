/// Row and column scalings by powers of two, `A_s = R·A·C`, that bring every
/// row and column of `A` to a largest entry near one (LAPACK `dgeequb` /
/// `dgbequb`, as in the expert drivers `dgesvx` / `dgbsvx`).
///
/// Powers of two scale without rounding, so `A_s` holds exactly the same
/// information as `A`; what changes is what "small" means. A pivot test or a
/// condition estimate on `A_s` is invariant under any row and column scaling of
/// `A` (up to a factor of two per row and column): `[[−1, 8·10¹⁵], [0, −1]]` is
/// perfectly conditioned once equilibrated, while `I − βP` with `β → 1` stays
/// nearly singular. Solves map back:
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
