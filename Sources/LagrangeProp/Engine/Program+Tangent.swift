/// Forward mode: `Dᵀ τ = −v` on the local partials, for each solver.
///
/// With `v = e_j` (an input), `τ = dz/dx_j`. Vectors here are in program order.
extension Program {
  /// The forward sweep of an acyclic program: `τ_x = v_x`, then
  /// `τ_p = v_p + Σ_k ∂f_p/∂z_{a_k} · τ_{a_k}` in program order. Overwrites `v` with `τ`.
  ///
  /// - Complexity: O(n + edges), no allocation.
  func sweepTangents(_ v: inout [Double], partials: [Double]) {
    let d = inputCount
    v.withUnsafeMutableBufferPointer { tau in
      partials.withUnsafeBufferPointer { dp in
        arguments.withUnsafeBufferPointer { args in
          argumentStart.withUnsafeBufferPointer { start in
            for p in d..<variableCount {
              var t = tau[p]
              for k in Int(start[p])..<Int(start[p + 1]) { t += dp[k] * tau[Int(args[k])] }
              tau[p] = t
            }
          }
        }
      }
    }
  }

  /// The right-hand side `−(v_z + D_xzᵀ τ_x)` of the non-input block's
  /// transposed system, with `τ_x = v_x` (length `n − d`).
  func nonInputTangentRightHandSide(_ v: [Double], partials: [Double]) -> [Double] {
    let d = inputCount
    var rhs = [Double](repeating: 0, count: variableCount - d)
    for p in d..<variableCount {
      var t = v[p]
      for k in argumentRange(p) {
        let q = Int(arguments[k])
        if q < d { t += partials[k] * v[q] }
      }
      rhs[p - d] = -t
    }
    return rhs
  }

  /// Block-triangular forward solve: the sweep across acyclic positions and a
  /// Schur-complement solve per cyclic block, in topological order. Overwrites
  /// `v` with `τ`.
  ///
  /// For a block with acyclic part `A` and feedback `F`, with sources
  /// `s = v_B + (contributions of arguments outside the block)`:
  /// 1. propagate through `A` with `τ_F = 0`; the feedback rows give `ρ`;
  /// 2. solve `S τ_F = −ρ` (`dgetrs` / `dgbtrs`);
  /// 3. propagate through `A` again with `τ_F`.
  ///
  /// - Complexity: O(edges + Σ_b (edges_b + |F_b|²)).
  func blockTriangularTangents(
    _ v: inout [Double], partials: [Double], factors: [BlockFactorization]
  ) throws(LagrangePropError) {
    var p = inputCount
    var b = 0
    while p < variableCount {
      if b < blocks.count, p == blocks[b].start {
        try blockTangent(b, &v, partials: partials, factor: factors[b])
        p = blocks[b].end
        b += 1
        continue
      }
      var t = v[p]
      for k in argumentRange(p) { t += partials[k] * v[Int(arguments[k])] }
      v[p] = t
      p += 1
    }
  }

  private func blockTangent(
    _ b: Int, _ tau: inout [Double], partials: [Double], factor: BlockFactorization
  ) throws(LagrangePropError) {
    let block = blocks[b]
    @inline(__always) func inside(_ q: Int) -> Bool { q >= block.start && q < block.end }
    // Sources: seed plus everything from outside the block (already final).
    var source = [Double](repeating: 0, count: block.size)
    for p in block.start..<block.end {
      var t = tau[p]
      for k in argumentRange(p) where !inside(Int(arguments[k])) {
        t += partials[k] * tau[Int(arguments[k])]
      }
      source[p - block.start] = t
    }
    func propagateA() {
      for p in block.start..<block.feedbackStart {
        var t = source[p - block.start]
        for k in argumentRange(p) where inside(Int(arguments[k])) {
          t += partials[k] * tau[Int(arguments[k])]
        }
        tau[p] = t
      }
    }
    // 1. τ_F = 0.
    for p in block.feedbackStart..<block.end { tau[p] = 0 }
    propagateA()
    var tauF = [Double](repeating: 0, count: block.feedbackCount)
    for r in 0..<block.feedbackCount {
      let p = block.feedbackStart + r
      var t = source[p - block.start]
      for k in argumentRange(p) where inside(Int(arguments[k])) {
        t += partials[k] * tau[Int(arguments[k])]
      }
      tauF[r] = -t
    }
    // 2. S τ_F = −ρ.
    do { try factor.solve(inPlace: &tauF) } catch {
      // A non-finite solution left in place is named by the final `requireFinite`.
      if !error.leftNonFiniteSolution(in: tauF) {
        throw singularityError(error, unknownsFrom: block.feedbackStart)
      }
    }
    // 3. Propagate again.
    for r in 0..<block.feedbackCount { tau[block.feedbackStart + r] = tauF[r] }
    propagateA()
  }
}
