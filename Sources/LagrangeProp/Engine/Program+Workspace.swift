extension Program {
  /// Reusable buffers for repeated `evaluate`, `gradient` and `linearize` calls:
  /// the values, the local partials and the multipliers of one call, kept for the
  /// next, so that calls at new points allocate nothing proportional to the
  /// program (no fresh pages to fault in); and the last solver choice, so that
  /// `.automatic` does not work it out again for the same program.
  ///
  /// ```swift
  /// let workspace = Program.Workspace()
  /// for x in points {
  ///   let g = try program.gradient(at: x, workspace: workspace)
  ///   use(g.gradient)
  /// }
  /// ```
  ///
  /// A large sparse block solved by GMRES keeps its solver (its ILU(0) factors,
  /// equilibrated operator and singularity check: about 56 bytes per
  /// non-zero of the block's Jacobian, see `byteCount`) in the workspace; when
  /// the next call finds the block's Jacobian unchanged — exactly, entry by
  /// entry, as for an affine block at new inputs — it reuses it.
  ///
  /// A workspace belongs to one thread at a time (it is not `Sendable`); give each
  /// worker its own (`gradients(at:solver:options:)` does). It fits any program:
  /// its buffers are resized to the program of each call. The buffers are
  /// copy-on-write arrays shared with what a call returns (a `Linearization`'s
  /// values and partials, a `GradientResult`'s multipliers): while such a result
  /// is alive, the next call cannot write over it and allocates a fresh buffer;
  /// once it is released, the buffer is reused.
  public final class Workspace {
    /// Values in program order (`n`).
    var values: [Double] = []
    /// Local partials, aligned with the program's edges.
    var partials: [Double] = []
    /// Multipliers in program order (`n`).
    var multipliers: [Double] = []
    /// Multipliers in declaration order, when the two orders differ (`n`).
    var declarationMultipliers: [Double] = []
    /// The two-pass sweep's tape of `sin`/`cos` partials (`trigonometricCount`).
    var tape: [Double] = []
    /// The last solver choice, with the program, solver and limit it was made
    /// for (`Program.chooseSolver(_:options:workspace:)`).
    var solverChoice: KeptSolverChoice?
    /// The storage of the last dense factorization of a `gradient` call (a cyclic
    /// block's `m × m` LU), recycled for the next call's.
    var matrix: [Double] = []
    /// The GMRES solvers (ILU(0), operator, singularity check) of the last
    /// call's large sparse blocks: a block whose Jacobian comes back unchanged
    /// (an affine block: `v = r + γPv` at new rewards) reuses its solver instead
    /// of building it again.
    var krylovSolvers = KeptKrylovSolvers()

    /// Keeps the largest dense LU of `factor` for the next call (called when the
    /// linearization holding it is about to be released).
    func recycle(_ factor: LinearizationFactor) {
      var largest: [Double] = []
      func consider(_ f: BlockFactorization) {
        switch f {
        case .dense(let lu), .denseOfTranspose(let lu):
          if lu.factors.elements.count > largest.count { largest = lu.factors.elements }
        case .scalar, .band, .sparse: break
        }
      }
      switch factor {
      case .reusedBlockLU(let f): consider(f)
      case .blocks(let factors): factors.forEach(consider)
      case .sweep, .triangular, .lu, .bandedTriangular, .bandedLU, .permutedBandedLU, .sparse: break
      }
      if !largest.isEmpty { matrix = largest }
    }

    /// Gives up the buffers a result shares (the multipliers), for callers that
    /// keep every result: the next call then allocates its own instead of
    /// copying the kept one before writing over the copy.
    func releaseResultBuffers() {
      multipliers = []
      declarationMultipliers = []
    }

    /// An empty workspace; the first call with it sizes its buffers.
    ///
    /// - Complexity: O(1).
    public init() {}

    /// How many times a call with this workspace reused a kept GMRES solver
    /// (its block's Jacobian unchanged since the solver was built).
    package var reusedKrylovSolverCount: Int { krylovSolvers.reuseCount }

    /// The bytes the workspace holds: its buffers' element storage, and an
    /// estimate of its kept GMRES solvers' (56 bytes per non-zero of a block's
    /// Jacobian).
    ///
    /// - Complexity: O(number of kept solvers).
    public var byteCount: Int {
      8
        * (values.capacity + partials.capacity + multipliers.capacity
          + declarationMultipliers.capacity) + krylovSolvers.byteCount
    }
  }
}

/// Moves a buffer out of its owner (leaving an empty one), so that the caller
/// holds the only reference and can write it in place; resized (not
/// initialised) to `count` when its length differs.
func takeBuffer(_ buffer: inout [Double], count: Int) -> [Double] {
  var taken: [Double] = []
  swap(&taken, &buffer)
  if taken.count != count {
    taken = hugePageArray(count: count) { (_: UnsafeMutableBufferPointer<Double>) in }
  }
  return taken
}
