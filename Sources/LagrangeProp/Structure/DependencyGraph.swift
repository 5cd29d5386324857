/// The sparsity pattern of a constraint program: for each variable, the
/// variables its constraint reads (its arguments). Edges run argument → consumer.
///
/// This is the only view of a program the Structure layer needs; it holds no
/// numbers.
struct DependencyGraph {
  /// The number of variables.
  let count: Int
  /// Arguments of variable `i`: `arguments[argumentStart[i] ..< argumentStart[i + 1]]`.
  let argumentStart: [Int]
  let arguments: [Int32]
  /// Whether variable `i` is owned by a residual constraint `g_i(args) = 0`
  /// (as opposed to an input copy or an assignment `f_i(args) − z_i`).
  let isResidual: [Bool]

  @inline(__always)
  func argumentRange(_ i: Int) -> Range<Int> { argumentStart[i]..<argumentStart[i + 1] }
}
