/// The settings of an iterative (Krylov) solve.
package struct KrylovSettings: Sendable, Equatable {
  /// Stop when `‖b − A·x‖₂ ≤ tolerance · ‖b‖₂` (true residual, checked at every restart).
  package var tolerance: Double
  /// The limit on matrix–vector products (inner iterations, over all restarts).
  package var maxIterations: Int
  /// The Krylov subspace dimension before a restart (memory: `restart + 1` vectors).
  package var restart: Int

  /// Settings.
  package init(tolerance: Double = 1e-12, maxIterations: Int = 1000, restart: Int = 50) {
    self.tolerance = tolerance
    self.maxIterations = maxIterations
    self.restart = restart
  }
}

/// What a converged Krylov solve reports.
package struct KrylovOutcome: Sendable, Equatable {
  /// Matrix–vector products taken (inner iterations over all restarts).
  package var iterations: Int
  /// The achieved relative residual `‖b − A·x‖₂ / ‖b‖₂` (recomputed, not the recurrence's estimate).
  package var residual: Double
}

/// Restarted GMRES with right preconditioning (Saad, *Iterative Methods for
/// Sparse Linear Systems*, §9.3.2): minimises `‖b − A·M⁻¹·u‖₂` over a Krylov
/// space of dimension `restart`, then `x += M⁻¹·u` and restarts from the true
/// residual. Right preconditioning keeps the monitored residual that of the
/// original system, so the stopping test means what it says. Classical
/// Gram–Schmidt with selective reorthogonalisation orthogonalises, Givens
/// rotations keep the least-squares residual available at every step.
enum GMRES {
  /// Solves `A·x = b` from the initial guess in `x`.
  ///
  /// - Parameters:
  ///   - apply: `y = A·v`.
  ///   - precondition: `v ← M⁻¹·v` in place.
  ///   - basis: storage for the Krylov basis, `(restart + 1)·order` doubles:
  ///     reused when it has that size (its contents are written before they
  ///     are read), else replaced.
  ///   - stopsOnStagnation: end with `.krylovNotConverged` as soon as a whole
  ///     restart cycle reduces the true residual by less than 0.1 % (a singular,
  ///     inconsistent system, whose residual cannot fall below its part outside
  ///     the range), instead of running on to `maxIterations`.
  /// - Complexity: per iteration one `apply`, one `precondition` and
  ///   O(order · j) for the orthogonalisation against `j ≤ restart` vectors;
  ///   memory `(restart + 3) · order` doubles (`restart + 4` when `b` has to be
  ///   scaled).
  /// - Throws: `LinearAlgebraError.krylovNotConverged` when `maxIterations`
  ///   products do not reach the tolerance (nothing approximate is returned);
  ///   `.nonFinite(routine: "GMRES")` if a residual becomes NaN or infinite.
  static func solve(
    order n: Int, settings: KrylovSettings, b: UnsafeBufferPointer<Double>,
    x: UnsafeMutableBufferPointer<Double>, basis: inout [Double], stopsOnStagnation: Bool = false,
    apply: (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Void,
    precondition: (UnsafeMutableBufferPointer<Double>) -> Void
  ) throws(LinearAlgebraError) -> KrylovOutcome {
    func norm(_ v: UnsafeBufferPointer<Double>) -> Double {
      var sum = 0.0
      for value in v { sum += value * value }
      return sum.squareRoot()
    }
    guard n > 0 else { return KrylovOutcome(iterations: 0, residual: 0) }
    // The norms square the entries, so a right-hand side beyond 2⁴⁰⁰ ≈ 1e120 (or
    // below 2⁻⁴⁰⁰) could overflow (underflow) them: such a system is solved
    // scaled by a power of two — exactly, with the same relative residual — and
    // its solution scaled back.
    let e = PowerOfTwoScaling.exponent(of: b)
    if e != 0 {
      let scaledB = b.map { PowerOfTwoScaling.scaled($0, by: -e) }
      PowerOfTwoScaling.scale(x, by: -e)
      defer { PowerOfTwoScaling.scale(x, by: e) }
      return try scaledB.withUnsafeBufferPointer { (scaledB) throws(LinearAlgebraError) in
        try solve(
          order: n, settings: settings, b: scaledB, x: x, basis: &basis,
          stopsOnStagnation: stopsOnStagnation, apply: apply, precondition: precondition)
      }
    }
    let bNorm = norm(b)
    guard bNorm.isFinite else { throw .nonFinite(routine: "GMRES") }
    if bNorm == 0 {
      for i in 0..<n { x[i] = 0 }
      return KrylovOutcome(iterations: 0, residual: 0)
    }
    let target = settings.tolerance * bNorm
    let m = max(1, min(settings.restart, n))
    // Every basis column is written before it is read (and only the columns
    // used are ever touched): no zero fill, no page faults for unused columns,
    // and a basis kept from an earlier solve is reused as it is.
    if basis.count != n * (m + 1) {
      basis = hugePageArray(count: n * (m + 1)) { (_: UnsafeMutableBufferPointer<Double>) in }
    }
    var w = [Double](repeating: 0, count: n)
    var hessenberg = [Double](repeating: 0, count: (m + 1) * m)
    var projection = [Double](repeating: 0, count: m + 1)
    var cosines = [Double](repeating: 0, count: m)
    var sines = [Double](repeating: 0, count: m)
    var g = [Double](repeating: 0, count: m + 1)
    var y = [Double](repeating: 0, count: m)
    var iterations = 0

    return try basis.withUnsafeMutableBufferPointer { (v) throws(LinearAlgebraError) in
      try w.withUnsafeMutableBufferPointer { (w) throws(LinearAlgebraError) in
        /// `r = b − A·x` into `v[0..<n]`; returns `‖r‖₂`.
        func residual() -> Double {
          apply(UnsafeBufferPointer(x), w)
          var sum = 0.0
          for i in 0..<n {
            let r = b[i] - w[i]
            v[i] = r
            sum += r * r
          }
          return sum.squareRoot()
        }
        // From x = 0 (the usual start) the residual is b itself: no product.
        var beta: Double
        if x.allSatisfy({ $0 == 0 }) {
          for i in 0..<n { v[i] = b[i] }
          beta = bNorm
        } else {
          beta = residual()
        }
        var previousBeta = Double.infinity
        while true {
          guard beta.isFinite else { throw .nonFinite(routine: "GMRES") }
          if beta <= target { return KrylovOutcome(iterations: iterations, residual: beta / bNorm) }
          guard iterations < settings.maxIterations,
            !(stopsOnStagnation && beta > 0.999 * previousBeta)
          else {
            throw .krylovNotConverged(
              iterations: iterations, residual: beta / bNorm, tolerance: settings.tolerance)
          }
          previousBeta = beta
          for i in 0..<n { v[i] /= beta }
          for i in 0...m { g[i] = 0 }
          g[0] = beta
          var j = 0
          while j < m && iterations < settings.maxIterations {
            // w = A·M⁻¹·v_j (the preconditioned vector is built in w first).
            let vj = UnsafeMutableBufferPointer(rebasing: v[(j * n)..<((j + 1) * n)])
            let z = UnsafeMutableBufferPointer(rebasing: v[((j + 1) * n)..<((j + 2) * n)])
            for i in 0..<n { z[i] = vj[i] }
            precondition(z)
            apply(UnsafeBufferPointer(z), w)
            // Classical Gram–Schmidt, repeated once when the first pass
            // cancels more than 1 − 1/√2 of w's norm (Daniel–Gragg–Kaufman–Stewart:
            // "twice is enough"); each pass reads the basis once.
            let column = j * (m + 1)
            for i in 0...j { hessenberg[column + i] = 0 }
            var before = norm(UnsafeBufferPointer(w))
            var next = 0.0
            for _ in 0..<2 {
              projection.withUnsafeMutableBufferPointer { p in
                next = orthogonalize(
                  w, against: UnsafeBufferPointer(v), count: j + 1, order: n, projection: p)
                for i in 0...j { hessenberg[column + i] += p[i] }
              }
              if next >= 0.7071 * before || !next.isFinite { break }
              before = next
            }
            hessenberg[(j + 1) + j * (m + 1)] = next
            if next > 0 { for i in 0..<n { z[i] = w[i] / next } }
            // Previous rotations, then a new one zeroing H[j+1, j].
            let c0 = j * (m + 1)
            for i in 0..<j {
              let a = hessenberg[c0 + i], bb = hessenberg[c0 + i + 1]
              hessenberg[c0 + i] = cosines[i] * a + sines[i] * bb
              hessenberg[c0 + i + 1] = -sines[i] * a + cosines[i] * bb
            }
            let a = hessenberg[c0 + j], bb = hessenberg[c0 + j + 1]
            let r = (a * a + bb * bb).squareRoot()
            cosines[j] = r == 0 ? 1 : a / r
            sines[j] = r == 0 ? 0 : bb / r
            hessenberg[c0 + j] = r
            hessenberg[c0 + j + 1] = 0
            g[j + 1] = -sines[j] * g[j]
            g[j] = cosines[j] * g[j]
            iterations += 1
            j += 1
            if !(abs(g[j]) > target) || next == 0 { break }
          }
          // y = H⁻¹ g (upper triangular j × j), x += M⁻¹ · V·y.
          for i in stride(from: j - 1, through: 0, by: -1) {
            var s = g[i]
            for k in (i + 1)..<j { s -= hessenberg[i + k * (m + 1)] * y[k] }
            let diagonal = hessenberg[i + i * (m + 1)]
            y[i] = diagonal == 0 ? 0 : s / diagonal
          }
          for k in 0..<n { w[k] = 0 }
          for i in 0..<j {
            let vi = v.baseAddress! + i * n
            let c = y[i]
            for k in 0..<n { w[k] += c * vi[k] }
          }
          precondition(w)
          for i in 0..<n { x[i] += w[i] }
          beta = residual()
        }
      }
    }
  }

  /// One classical Gram–Schmidt pass: `p = Vᵀ·w`, `w ← w − V·p` for the first
  /// `count` columns of `V` (each `order` long); returns `‖w‖₂` afterwards.
  ///
  /// Works in chunks of `w` that stay in the first-level cache, so the basis
  /// is read once for the products and once for the update, and `w` twice —
  /// rather than once per basis vector (these tall, thin products are
  /// memory-bound; BLAS threads would only spin on them). The chunks are
  /// grouped in fixed blocks (`ParallelBlocks`) that run on all cores for long
  /// vectors; partial sums are combined in block order, so the result does not
  /// depend on the number of cores.
  ///
  /// - Complexity: `4·count·order` flops, `2·count·order` doubles read.
  static func orthogonalize(
    _ w: UnsafeMutableBufferPointer<Double>, against v: UnsafeBufferPointer<Double>, count: Int,
    order n: Int, projection p: UnsafeMutableBufferPointer<Double>
  ) -> Double {
    let chunk = 1024
    let blockLength = 32 * chunk
    let blocks = ParallelBlocks.blockCount(n, blockLength: blockLength)
    let parallel = ParallelBlocks.isParallel(work: count * n)
    // partial[b·(count + 1) + i]: block b's part of p_i; entry `count`: of ‖w‖².
    var partial = [Double](repeating: 0, count: blocks * (count + 1))
    partial.withUnsafeMutableBufferPointer { partial in
      ParallelBlocks.forEach(count: n, blockLength: blockLength, parallel: parallel) { b, range in
        let sums = partial.baseAddress! + b * (count + 1)
        var start = range.lowerBound
        while start < range.upperBound {
          let end = min(start + chunk, range.upperBound)
          for i in 0..<count {
            let vi = v.baseAddress! + i * n
            // Four partial sums: a dependency chain the compiler may vectorise.
            var d0 = 0.0, d1 = 0.0, d2 = 0.0, d3 = 0.0
            var k = start
            while k + 4 <= end {
              d0 += vi[k] * w[k]
              d1 += vi[k + 1] * w[k + 1]
              d2 += vi[k + 2] * w[k + 2]
              d3 += vi[k + 3] * w[k + 3]
              k += 4
            }
            while k < end {
              d0 += vi[k] * w[k]
              k += 1
            }
            sums[i] += (d0 + d1) + (d2 + d3)
          }
          start = end
        }
      }
      for i in 0..<count {
        var sum = 0.0
        for b in 0..<blocks { sum += partial[b * (count + 1) + i] }
        p[i] = sum
      }
      ParallelBlocks.forEach(count: n, blockLength: blockLength, parallel: parallel) { b, range in
        var squares = 0.0
        var start = range.lowerBound
        while start < range.upperBound {
          let end = min(start + chunk, range.upperBound)
          for i in 0..<count {
            let vi = v.baseAddress! + i * n
            let c = p[i]
            for k in start..<end { w[k] -= c * vi[k] }
          }
          var s0 = 0.0, s1 = 0.0
          var k = start
          while k + 2 <= end {
            s0 += w[k] * w[k]
            s1 += w[k + 1] * w[k + 1]
            k += 2
          }
          if k < end { s0 += w[k] * w[k] }
          squares += s0 + s1
          start = end
        }
        partial[b * (count + 1) + count] = squares
      }
    }
    var squares = 0.0
    for b in 0..<blocks { squares += partial[b * (count + 1) + count] }
    return squares.squareRoot()
  }
}
