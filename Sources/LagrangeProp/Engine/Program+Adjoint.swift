/// Reverse mode: `D λ = −w` on the local partials, for each solver.
///
/// Vectors here are in program order. `λ[0..<d]` is the gradient `∂f/∂x` when
/// `w = ∇f`, since inputs are only copied (`c_j = x_j − z_j`).
extension Program {
  /// The sparse sweep: back-substitution on the upper triangular `D` of an
  /// acyclic program, straight on the partials. Overwrites `w` with `λ`.
  ///
  /// `λ_p = w_p + Σ_{i consumes p} ∂f_i/∂z_p · λ_i`, pushed from each `λ_i` to
  /// its arguments in reverse program order — backpropagation.
  ///
  /// - Complexity: O(n + edges), no allocation.
  func sweepAdjoints(_ w: inout [Double], partials: [Double]) {
    let d = inputCount
    w.withUnsafeMutableBufferPointer { lambda in
      partials.withUnsafeBufferPointer { dp in
        arguments.withUnsafeBufferPointer { args in
          argumentStart.withUnsafeBufferPointer { start in
            var p = variableCount - 1
            while p >= d {
              let l = lambda[p]
              if l != 0 {
                for k in Int(start[p])..<Int(start[p + 1]) { lambda[Int(args[k])] += dp[k] * l }
              }
              p -= 1
            }
          }
        }
      }
    }
  }

  /// The input block after a dense or band solve of `D_zz λ_z = −w_z`:
  /// `λ_x = w_x + Σ_{i ≥ d} D[x, i] λ_i`. `lambda` holds `w_x` on entry in its
  /// first `d` entries and `λ_z` after them.
  ///
  /// - Complexity: O(edges).
  func accumulateInputAdjoints(_ lambda: inout [Double], partials: [Double]) {
    let d = inputCount
    guard d > 0 else { return }
    withEdges(&lambda, partials: partials) { acc, dp, args, start in
      for p in d..<variableCount {
        let l = acc[p]
        if l == 0 { continue }
        for k in Int(start[p])..<Int(start[p + 1]) {
          let q = Int(args[k])
          if q < d { acc[q] += dp[k] * l }
        }
      }
    }
  }

  /// Runs `body` on unsafe buffers over `vector`, the partials, the arguments and
  /// their start offsets (no bounds or uniqueness checks in the hot loops).
  func withEdges<R>(
    _ vector: inout [Double], partials: [Double],
    _ body: (
      UnsafeMutableBufferPointer<Double>, UnsafeBufferPointer<Double>, UnsafeBufferPointer<Int32>,
      UnsafeBufferPointer<Int32>
    ) throws(LagrangePropError) -> R
  ) throws(LagrangePropError) -> R {
    let result: Result<R, LagrangePropError> = vector.withUnsafeMutableBufferPointer { acc in
      partials.withUnsafeBufferPointer { dp in
        arguments.withUnsafeBufferPointer { args in
          argumentStart.withUnsafeBufferPointer { start in
            do throws(LagrangePropError) {
              return .success(try body(acc, dp, args, start))
            } catch {
              return .failure(error)
            }
          }
        }
      }
    }
    return try result.get()
  }

  /// `withEdges(_:partials:_:)` for a body that does not throw.
  func withEdges<R>(
    _ vector: inout [Double], partials: [Double],
    _ body: (
      UnsafeMutableBufferPointer<Double>, UnsafeBufferPointer<Double>, UnsafeBufferPointer<Int32>,
      UnsafeBufferPointer<Int32>
    ) -> R
  ) -> R {
    vector.withUnsafeMutableBufferPointer { acc in
      partials.withUnsafeBufferPointer { dp in
        arguments.withUnsafeBufferPointer { args in
          argumentStart.withUnsafeBufferPointer { start in body(acc, dp, args, start) }
        }
      }
    }
  }

  /// Block-triangular reverse solve: the sweep across acyclic positions and,
  /// for each cyclic block (in reverse topological order), the Schur-complement
  /// solve on its feedback variables with the factorization of `S`. Overwrites
  /// `w` with `λ`.
  ///
  /// For a block with acyclic part `A` and feedback `F`:
  /// 1. sweep `A` with `λ_F = 0`, pushing only inside the block: this leaves
  ///    `ρ = w_F + M_AFᵀ λ_A⁰` on the feedback variables;
  /// 2. solve `Sᵀ λ_F = −ρ` (`dgetrs` / `dgbtrs`, `trans = 'T'`);
  /// 3. restore `w` on the block, push `λ_F` from the feedback constraints,
  ///    and sweep `A` again, now pushing to every argument.
  ///
  /// - Complexity: O(edges + Σ_b (edges_b + |F_b|²)).
  func blockTriangularAdjoints(
    _ w: inout [Double], partials: [Double], factors: [BlockFactorization]
  ) throws(LagrangePropError) {
    var p = variableCount - 1
    var b = blocks.count - 1
    while p >= inputCount {
      if b >= 0, p == blocks[b].end - 1 {
        try blockAdjoint(b, &w, partials: partials, factor: factors[b])
        p = blocks[b].start - 1
        b -= 1
        continue
      }
      let l = w[p]
      if l != 0 { for k in argumentRange(p) { w[Int(arguments[k])] += partials[k] * l } }
      p -= 1
    }
  }

  private func blockAdjoint(
    _ b: Int, _ vector: inout [Double], partials: [Double], factor: BlockFactorization
  ) throws(LagrangePropError) {
    let block = blocks[b]
    let saved = Array(vector[block.start..<block.end])
    let acyclicCount = block.feedbackStart - block.start
    // On a large acyclic part, step 1 also notes, per position it scans, the edges
    // that do not lead to F (step 3 pushes along those only): a dense block's A
    // then is not scanned twice. `scanned[2i] ..< scanned[2i + 1]` in `kept` for
    // position `start + i`; `-1` when step 1 skipped it (λ = 0 there).
    let recording = argumentStart[block.feedbackStart] - argumentStart[block.start] >= 4096
    var scanned = [Int32](repeating: -1, count: recording ? 2 * acyclicCount : 0)
    var kept: [Int32] = []
    var capped = false
    // 1. Sweep A with λ_F = 0, in-block pushes only.
    withEdges(&vector, partials: partials) { acc, dp, args, start in
      var p = block.feedbackStart - 1
      while p >= block.start {
        let l = acc[p]
        if l != 0 {
          // A position is noted only while the notes stay within `2·|A|` edges
          // (a few per position: the kept list stays small next to the block).
          let notes = recording && !capped
          let before = kept.count
          for k in Int(start[p])..<Int(start[p + 1]) {
            let q = Int(args[k])
            if q >= block.start && q < block.end { acc[q] += dp[k] * l }
            if notes && (q < block.feedbackStart || q >= block.end) { kept.append(Int32(k)) }
          }
          if notes {
            if kept.count <= 2 * acyclicCount {
              scanned[2 * (p - block.start)] = Int32(before)
              scanned[2 * (p - block.start) + 1] = Int32(kept.count)
            } else {
              kept.removeLast(kept.count - before)
              capped = true
            }
          }
        }
        p -= 1
      }
    }
    // 2. Sᵀ λ_F = −ρ.
    var lambdaF = (block.feedbackStart..<block.end).map { -vector[$0] }
    do { try factor.solve(inPlace: &lambdaF, transpose: true) } catch {
      // A non-finite solution left in place is named by the final `requireFinite`.
      if !error.leftNonFiniteSolution(in: lambdaF) {
        throw singularityError(error, unknownsFrom: block.feedbackStart)
      }
    }
    // 3. Restore, push from F, sweep A to every argument.
    withEdges(&vector, partials: partials) { acc, dp, args, start in
      for l in 0..<block.size { acc[block.start + l] = saved[l] }
      // Pushes onto F itself are skipped: λ_F is written over them below.
      for r in 0..<block.feedbackCount {
        let l = lambdaF[r]
        let p = block.feedbackStart + r
        for k in Int(start[p])..<Int(start[p + 1]) {
          let q = Int(args[k])
          if q < block.feedbackStart || q >= block.end { acc[q] += dp[k] * l }
        }
      }
      // Pushes onto F are skipped here too (overwritten below): on a dense block
      // most of A's edges lead to F, and their partials need not be read.
      var p = block.feedbackStart - 1
      while p >= block.start {
        let l = acc[p]
        if l != 0 {
          let i = 2 * (p - block.start)
          if recording && scanned[i] >= 0 {
            // The same edges in the same order as the scan below.
            for j in Int(scanned[i])..<Int(scanned[i + 1]) {
              let k = Int(kept[j])
              acc[Int(args[k])] += dp[k] * l
            }
          } else {
            for k in Int(start[p])..<Int(start[p + 1]) {
              let q = Int(args[k])
              if q < block.feedbackStart || q >= block.end { acc[q] += dp[k] * l }
            }
          }
        }
        p -= 1
      }
      for r in 0..<block.feedbackCount { acc[block.feedbackStart + r] = lambdaF[r] }
    }
  }
}
