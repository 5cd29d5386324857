/// Checks shared by every solver path: vector arguments, result sizes and the
/// finiteness of results, so that every path refuses the same things the same way.
extension Program {
  /// Throws `.wrongLength` unless `v` has one entry per variable, and
  /// `.nonFiniteArgument` naming the first non-finite entry's variable.
  ///
  /// - Complexity: O(n).
  func checkVector(_ v: [Double], _ argument: String) throws(LagrangePropError) {
    guard v.count == variableCount else {
      throw .wrongLength(argument: argument, expected: variableCount, actual: v.count)
    }
    if let i = v.firstIndex(where: { !$0.isFinite }) {
      throw .nonFiniteArgument(argument: argument, variable: name(declarationIndex: i), value: v[i])
    }
  }

  /// Throws `.resultTooLarge` if a `rows × columns` result of doubles exceeds `limit` bytes.
  func checkResultSize(_ quantity: String, rows: Int, columns: Int, limit: Int)
    throws(LagrangePropError)
  {
    let (cells, overflow1) = rows.multipliedReportingOverflow(by: columns)
    let (bytes, overflow2) = cells.multipliedReportingOverflow(by: 8)
    if overflow1 || overflow2 || bytes > limit {
      throw .resultTooLarge(
        quantity: quantity, bytes: overflow1 || overflow2 ? Int.max : bytes, limit: limit)
    }
  }

  /// Throws `.nonFiniteResult` if any entry of a solve's result is infinite or NaN.
  ///
  /// `values` holds one or more columns of `rows` entries (default: one column)
  /// for the variables at program positions `firstPosition ..< firstPosition + rows`.
  /// The error names the variable where the solve met the overflow first: the
  /// highest position for a reverse (adjoint) solve, the lowest for a forward
  /// (tangent) one. Values and partials are finite by then, so only overflow in
  /// the solve itself gets here.
  ///
  /// - Complexity: O(values.count).
  func requireFinite(
    _ values: [Double], quantity: String, firstPosition: Int, rows: Int? = nil, reverse: Bool,
    solver: Solver
  ) throws(LagrangePropError) {
    let rows = rows ?? values.count
    guard rows > 0 else { return }
    var found: Int?
    values.withUnsafeBufferPointer { v in
      for k in 0..<v.count where !v[k].isFinite {
        let row = k % rows
        if let f = found { found = reverse ? max(f, row) : min(f, row) } else { found = row }
      }
    }
    if let row = found {
      throw .nonFiniteResult(
        quantity: quantity, variable: name(position: firstPosition + row), solver: solver)
    }
  }
}
