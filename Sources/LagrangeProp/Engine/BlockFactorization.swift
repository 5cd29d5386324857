/// The factorization of one cyclic block's reduced Jacobian `S = ∂r_F/∂z_F`:
/// dense LU, or band LU when the block's structural band (see
/// `reducedJacobianBandwidth`) takes at most half of dense storage — e.g. a
/// discretised boundary-value problem, whose `S` is tridiagonal.
enum BlockFactorization: Sendable {
  case dense(LUFactorization)
  case band(BandLUFactorization)

  /// Solves `S x = b` (or `Sᵀ x = b`) in place (`dgetrs` / `dgbtrs`).
  func solve(inPlace b: inout [Double], transpose: Bool = false) throws(LinearAlgebraError) {
    let solver: any LinearSystemSolver =
      switch self {
      case .dense(let lu): lu
      case .band(let lu): lu
      }
    try solver.solve(inPlace: &b, transpose: transpose)
  }
}

extension Program {
  /// Whether block `b`'s reduced Jacobian is factored in band storage.
  func blockUsesBand(_ b: Int) -> Bool {
    let m = blocks[b].feedbackCount
    let bw = blockReducedBandwidth[b]
    return 2 * (2 * bw.lower + bw.upper + 1) <= m
  }

  /// Assembles and factors block `b`'s reduced Jacobian `S` at the current
  /// partials: by tangent propagation through the block's acyclic part, one pass
  /// per feedback variable (dense), or one pass per group of `kl + ku + 1`
  /// structurally orthogonal columns (band: columns `c ≡ g mod (kl + ku + 1)`
  /// never share a row), then `dgetrf` / `dgbtrf`.
  ///
  /// - Complexity: dense O(|F|·edges_b + |F|³); band O((kl + ku + 1)·edges_b + |F|·kl·(kl + ku)).
  /// - Throws: `.denseTooLarge` if a dense `S` exceeds `options.denseByteLimit`;
  ///   `.singularJacobian` naming the feedback variable at the zero pivot, or at a
  ///   pivot `≤ m·ε·‖S‖₁` (numerically singular: see `LUFactorization.negligiblePivot`).
  func factorReducedJacobian(
    _ b: Int, partials: UnsafeBufferPointer<Double>, options: SolveOptions
  ) throws(LagrangePropError) -> BlockFactorization {
    let block = blocks[b]
    let m = block.feedbackCount
    let a = block.feedbackStart - block.start
    var tau = [Double](repeating: 0, count: block.size)

    /// Propagates seeds `τ_F` (already in `tau`) through A and returns row values of S·seed.
    func propagate(into rows: inout [Double]) {
      for p in block.start..<block.feedbackStart {
        tau[p - block.start] = inBlockTangent(p, block: block, partials: partials, tau: tau)
      }
      for r in 0..<m {
        let p = block.feedbackStart + r
        let own = isResidual[p] ? 0 : tau[a + r]
        rows[r] = inBlockTangent(p, block: block, partials: partials, tau: tau) - own
      }
    }

    var rows = [Double](repeating: 0, count: m)
    if blockUsesBand(b) {
      let bw = blockReducedBandwidth[b]
      let width = bw.lower + bw.upper + 1
      var s = try! BandMatrix(order: m, lowerBandwidth: bw.lower, upperBandwidth: bw.upper)
      for group in 0..<min(width, m) {
        for l in 0..<tau.count { tau[l] = 0 }
        var c = group
        while c < m {
          tau[a + c] = 1
          c += width
        }
        propagate(into: &rows)
        for r in 0..<m {
          // The one column of this group inside row r's band.
          let first = max(0, r - bw.lower)
          let column = first + ((group - first) % width + width) % width
          if column < m && column <= r + bw.upper { s[r, column] = rows[r] }
        }
      }
      let lu: BandLUFactorization
      do { lu = try BandLUFactorization(s) } catch {
        throw mapLinearAlgebraError(error, block: block)
      }
      if let k = lu.negligiblePivot {
        throw .singularJacobian(
          variable: name(position: block.feedbackStart + k),
          routine: "dgbtrf (pivot below m·ε·‖S‖₁)")
      }
      return .band(lu)
    }

    let bytes = m.multipliedReportingOverflow(by: m).partialValue.multipliedReportingOverflow(by: 8)
    if m.multipliedReportingOverflow(by: m).overflow || bytes.overflow
      || bytes.partialValue > options.denseByteLimit
    {
      throw .denseTooLarge(
        solver: "cyclic block of \(block.size) variables (reduced Jacobian)", order: m,
        bytes: bytes.overflow ? Int.max : bytes.partialValue, limit: options.denseByteLimit)
    }
    var s = Matrix(rows: m, columns: m)
    for c in 0..<m {
      for l in 0..<tau.count { tau[l] = 0 }
      tau[a + c] = 1
      propagate(into: &rows)
      for r in 0..<m { s[r, c] = rows[r] }
    }
    let lu: LUFactorization
    do { lu = try LUFactorization(s) } catch { throw mapLinearAlgebraError(error, block: block) }
    if let k = lu.negligiblePivot {
      throw .singularJacobian(
        variable: name(position: block.feedbackStart + k), routine: "dgetrf (pivot below m·ε·‖S‖₁)")
    }
    return .dense(lu)
  }
}
