/// The solver a call will run and why (`.automatic`'s choice, or "requested").
struct SolverChoice: Sendable, Equatable {
  /// The solver to run (never `.automatic`).
  let solver: Solver
  /// Why: the cost comparison behind an `.automatic` choice, or "requested".
  let reason: String
}

extension Program {
  /// Resolves `.automatic` and checks that a solver can handle this program.
  ///
  /// `.automatic` takes `.sweep` for acyclic programs (O(n + edges), exact
  /// backpropagation). For cyclic programs it compares the estimated flops of
  /// `.blockTriangular` (`Σ_b (|F_b|·edges_b + ⅔|F_b|³)` for dense blocks,
  /// `Σ_b ((kl + ku + 1)·edges_b + 2|F_b|·kl·(kl + ku + 1))` for banded ones, only
  /// the solves for blocks affine in their own variables, whose forward-solve
  /// factorization is reused; a large block that will go to a sparse LU or GMRES
  /// at GMRES's pessimistic `krylovFlopsGuess` where that is lower) and of `.bandedLU`
  /// (`2·m·kl·(kl + ku)`, when the band is narrower than dense) and takes the
  /// cheaper.
  ///
  /// - Throws: `.cyclicProgram` for a solver that needs an acyclic program;
  ///   `.denseTooLarge` for a dense solver over the memory limit; `.bandTooWide`
  ///   for a band solver whose band is no smaller than dense; `.bandTooLarge` for
  ///   a band solver over the memory limit.
  func chooseSolver(_ solver: Solver, options: SolveOptions) throws(LagrangePropError)
    -> SolverChoice
  {
    if solver.requiresAcyclic && !isAcyclic {
      throw .cyclicProgram(
        solver: solver,
        variables: (blocks[0].start..<blocks[0].end).prefix(16).map { name(position: $0) })
    }
    let m = intermediateCount
    switch solver {
    case .automatic:
      if isAcyclic {
        return SolverChoice(
          solver: .sweep, reason: "acyclic program: back-substitution on the partials, O(n + edges)"
        )
      }
      var blockFlops = Double(edgeCount)
      var largeBlocks = 0
      for (b, block) in blocks.enumerated() {
        var blockEdges = 0
        for p in block.start..<block.end { blockEdges += argumentRange(p).count }
        let f = Double(block.feedbackCount)
        var cost: Double
        if blockIsAffine[b] {
          // The forward solve's factorization is reused: only the solves remain.
          cost = Double(blockEdges + block.size) + 2 * f * f
        } else if blockUsesBand(b) {
          let kl = Double(blockReducedBandwidth[b].lower),
            ku = Double(blockReducedBandwidth[b].upper)
          cost = (kl + ku + 1) * Double(blockEdges + block.size) + 2 * f * kl * (kl + ku + 1)
        } else {
          cost = f * Double(blockEdges + block.size) + 2 * f * f * f / 3
        }
        if block.feedbackCount > Self.smallBlockFeedbackCount
          && reducedFactorizationFlops(b, options: options).flops > Self.reducedFlopsWithoutAnalysis
          && !isDenseBlock(b, options: options)
        {
          // A large sparse block goes to a sparse LU or GMRES (chosen per block at its
          // first solve): counted at GMRES's pessimistic guess where that is cheaper;
          // a dense one is factored dense (`isDenseBlock`).
          let krylov = Self.krylovFlopsGuess(
            order: block.size, nonzeros: blockEdges + block.size, restart: options.krylovRestart)
          if krylov < cost {
            cost = krylov
            largeBlocks += 1
          }
        }
        blockFlops += cost
      }
      let bandedBlocks = (0..<blocks.count).filter(blockUsesBand).count
      let bandOrder = bandOrder()
      let bw = bandOrder.bandwidth
      let ldab = 2 * bw.lower + bw.upper + 1
      let bandBytes = 8.0 * Double(m) * Double(ldab)
      let bandFlops =
        2 * Double(m) * Double(bw.lower) * Double(bw.lower + bw.upper) + Double(edgeCount)
      if ldab < m && bandBytes <= Double(options.matrixByteLimit) && bandFlops < blockFlops {
        return SolverChoice(
          solver: .bandedLU,
          reason:
            "cyclic program with a narrow band \(bw) in \(bandOrder.name): band LU ≈ \(Self.flops(bandFlops)) < block-triangular ≈ \(Self.flops(blockFlops))"
        )
      }
      return SolverChoice(
        solver: .blockTriangular,
        reason:
          "cyclic program: \(blocks.count) cyclic block(s) (\(bandedBlocks) with a banded reduced Jacobian), largest feedback set \(blocks.map(\.feedbackCount).max() ?? 0); block-triangular ≈ \(Self.flops(blockFlops))\(largeBlocks > 0 ? " (\(largeBlocks) large block(s) at GMRES's pessimistic guess; each block's method follows)" : "")"
      )
    case .triangular, .lu:
      try checkDenseSize(solver, options: options)
    case .bandedTriangular:
      // Triangular band storage is m·(kd + 1) doubles against m² dense: refuse
      // kd + 1 ≥ m (a 1 × 1 system is taken by every solver).
      let kd = bandwidth.upper
      if kd + 1 >= m && m > 1 {
        throw .bandTooWide(solver: solver, lower: 0, upper: kd, order: m)
      }
      try checkBandSize(solver, lower: 0, upper: kd, leadingDimension: kd + 1, options: options)
    case .bandedLU:
      // General band storage is m·(2·kl + ku + 1) doubles against m² dense, in
      // program or declaration order, whichever is narrower.
      let bw = bandOrder().bandwidth
      if 2 * bw.lower + bw.upper + 1 >= m && m > 1 {
        throw .bandTooWide(solver: solver, lower: bw.lower, upper: bw.upper, order: m)
      }
      try checkBandSize(
        solver, lower: bw.lower, upper: bw.upper, leadingDimension: 2 * bw.lower + bw.upper + 1,
        options: options)
    case .sweep, .blockTriangular, .sparseLU, .krylov:
      break
    }
    return SolverChoice(solver: solver, reason: "requested")
  }

  /// `chooseSolver(_:options:)`, remembered by `workspace` for the next call on
  /// the same program with the same solver and memory limit: the choice is
  /// structural, and working it out for a cyclic program reads every edge (band
  /// orders and widths), O(n + edges) per call otherwise.
  ///
  /// - Throws: as `chooseSolver(_:options:)` (a refusal is not remembered).
  func chooseSolver(_ solver: Solver, options: SolveOptions, workspace: Workspace)
    throws(LagrangePropError) -> SolverChoice
  {
    if let kept = workspace.solverChoice, kept.solver == solver,
      kept.matrixByteLimit == options.matrixByteLimit, kept.isFor(self)
    {
      return kept.choice
    }
    let choice = try chooseSolver(solver, options: options)
    workspace.solverChoice = KeptSolverChoice(
      program: self, solver: solver, matrixByteLimit: options.matrixByteLimit, choice: choice)
    return choice
  }

  /// Throws `.bandTooLarge` if `8·m·ldab` bytes of band storage exceed the limit.
  func checkBandSize(
    _ solver: Solver, lower: Int, upper: Int, leadingDimension: Int, options: SolveOptions
  ) throws(LagrangePropError) {
    let m = intermediateCount
    let (cells, overflow1) = m.multipliedReportingOverflow(by: leadingDimension)
    let (bytes, overflow2) = cells.multipliedReportingOverflow(by: 8)
    if overflow1 || overflow2 || bytes > options.matrixByteLimit {
      throw .bandTooLarge(
        solver: solver, order: m, lower: lower, upper: upper,
        bytes: overflow1 || overflow2 ? Int.max : bytes, limit: options.matrixByteLimit)
    }
  }

  static func flops(_ value: Double) -> String {
    value >= 1e9
      ? "\((value / 1e8).rounded() / 10) Gflop"
      : value >= 1e6 ? "\((value / 1e5).rounded() / 10) Mflop" : "\(Int(value)) flop"
  }
}

/// A solver choice kept by a workspace, with what it was made for: the program
/// (recognised by its argument array's storage, which the record keeps alive so
/// that no other program's can take its address), the solver asked for and the
/// memory limit.
struct KeptSolverChoice {
  /// The program's `arguments`, sharing its storage.
  let arguments: [Int32]
  let variableCount: Int
  let solver: Solver
  let matrixByteLimit: Int
  let choice: SolverChoice

  init(program: Program, solver: Solver, matrixByteLimit: Int, choice: SolverChoice) {
    arguments = program.arguments
    variableCount = program.variableCount
    self.solver = solver
    self.matrixByteLimit = matrixByteLimit
    self.choice = choice
  }

  /// Whether `program` is (a copy of) the program this choice was made for.
  ///
  /// - Complexity: O(1).
  func isFor(_ program: Program) -> Bool {
    guard program.variableCount == variableCount, program.arguments.count == arguments.count
    else { return false }
    return arguments.withUnsafeBufferPointer { kept in
      program.arguments.withUnsafeBufferPointer { $0.baseAddress == kept.baseAddress }
    }
  }
}
