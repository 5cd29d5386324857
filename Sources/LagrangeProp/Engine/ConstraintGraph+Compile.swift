extension ConstraintGraph {
  /// Checks the graph and compiles it, with its objective, into an immutable `Program`.
  ///
  /// Inputs come first, then a topological order of the strongly connected
  /// components (declaration order when it already is one); cyclic blocks are
  /// checked structurally (each must have a perfect matching between its
  /// constraints and variables on the sparsity pattern).
  ///
  /// - Complexity: O(n + edges) for acyclic graphs; cyclic blocks add sorting
  ///   and the matching (O(block size + edges) when assignments own themselves).
  /// - Throws: `LagrangePropError.emptyGraph`; `.neverDefined` naming a variable
  ///   declared with `unknown` and left without constraint; `.invalidObjective`
  ///   if the objective refers to no variable of the graph or has the wrong number
  ///   of (or non-finite) weights; `.structurallySingular` naming the variables of
  ///   a cyclic block its constraints cannot determine.
  public func compile(objective: Objective) throws(LagrangePropError) -> Program {
    let n = opCodes.count
    guard n > 0 else { throw .emptyGraph }
    if let i = undefined.min() { throw .neverDefined(variable: name(ofIndex: Int(i))) }
    if tooManyEdges { throw Self.edgeLimitError(total: argumentPool.count + latePool.count) }
    var nonzeroWeights = 0
    var objective = objective
    if case .terms(let variables, let weights) = objective.kind {
      objective = try sparseObjective(variables, weights: weights)
    }
    switch objective.kind {
    case .variable(let v):
      guard contains(v) else {
        throw .invalidObjective(
          reason: "variable handle \(v.index) does not belong to this graph of \(n) variables")
      }
    case .linear(let w):
      guard w.count == n else {
        throw .invalidObjective(
          reason: "linear objective has \(w.count) weights for \(n) variables")
      }
      nonzeroWeights = try checkedNonzeroCount(w)
    case .sparseLinear(let positions, let weights):
      try checkFinite(weights, at: positions)
    case .terms, .custom: break
    }

    if isInDeclarationOrder {
      return compileInDeclarationOrder(objective: objective, nonzeroWeights: nonzeroWeights)
    }

    // Dependency graph in declaration order.
    var start: [Int]
    var args: [Int32]
    if lateVariables.isEmpty {
      start = argumentStart.map { Int($0) }
      args = argumentPool  // shared, not copied
    } else {
      var late = [Int32](repeating: -1, count: n)
      for (k, v) in lateVariables.enumerated() { late[Int(v)] = Int32(k) }
      start = [Int](repeating: 0, count: n + 1)
      args = []
      args.reserveCapacity(argumentPool.count + latePool.count)
      for i in 0..<n {
        if late[i] >= 0 {
          let k = Int(late[i])
          args.append(contentsOf: latePool[lateStart[k]..<lateStart[k + 1]])
        } else {
          args.append(contentsOf: argumentPool[Int(argumentStart[i])..<Int(argumentStart[i + 1])])
        }
        start[i + 1] = args.count
      }
    }
    var residual = [Bool](repeating: false, count: n)
    for i in residualIndices { residual[Int(i)] = true }
    let dependency = DependencyGraph(
      count: n, argumentStart: start, arguments: args, isResidual: residual)
    let layout = ProgramLayout(dependency, inputs: inputIndices)

    var position = [Int32](repeating: 0, count: n)
    for (p, i) in layout.order.enumerated() { position[Int(i)] = Int32(p) }
    var identity = true
    for p in 0..<n where layout.order[p] != Int32(p) {
      identity = false
      break
    }

    for block in layout.blocks {
      if let unmatched = unmatchedVariables(
        of: block, order: layout.order, position: position, graph: dependency)
      {
        throw .structurallySingular(variables: unmatched.map { name(ofIndex: Int($0)) })
      }
    }

    // Struct-of-arrays in program order.
    var opCodesP = [OpCode](repeating: .input, count: n)
    var payloadsP = [Int32](repeating: 0, count: n)
    var residualP = [Bool](repeating: false, count: n)
    var startP = [Int32](repeating: 0, count: n + 1)
    var argsP = [Int32]()
    argsP.reserveCapacity(args.count)
    for p in 0..<n {
      let i = Int(layout.order[p])
      opCodesP[p] = opCodes[i]
      payloadsP[p] = payloads[i]
      residualP[p] = residual[i]
      for k in start[i]..<start[i + 1] { argsP.append(position[Int(args[k])]) }
      startP[p + 1] = Int32(argsP.count)
    }

    func inBlockArguments(_ p: Int, _ block: BlockLayout) -> Int {
      (Int(startP[p])..<Int(startP[p + 1])).filter {
        let a = Int(argsP[$0])
        return a >= block.start && a < block.end
      }.count
    }
    // Affine in the block's own variables: S does not change with them.
    let blockIsAffine = layout.blocks.map { block in
      (block.start..<block.end).allSatisfy { p in
        switch opCodesP[p] {
        case .sum, .linear, .affine: return true
        case .product: return inBlockArguments(p, block) <= 1
        default: return inBlockArguments(p, block) == 0
        }
      }
    }
    // Every partial of the block independent of its own variables (a product with
    // an in-block factor is affine, but its partial in the other factor is not).
    let blockHasConstantPartials = layout.blocks.map { block in
      (block.start..<block.end).allSatisfy { p in
        switch opCodesP[p] {
        case .sum, .linear, .affine: return true
        default: return inBlockArguments(p, block) == 0
        }
      }
    }

    let compiledObjective: CompiledObjective
    switch objective.kind {
    case .variable(let v): compiledObjective = .variable(Int(position[v.index]))
    case .linear(let w):
      let weights = identity ? w : (0..<n).map { w[Int(layout.order[$0])] }
      compiledObjective = .linear(weights, sparse: SparseWeights(weights))
    case .sparseLinear(let positions, let weights):
      let w = SparseWeights(positions: positions, weights: weights).dense(count: n)
      let permuted = identity ? w : (0..<n).map { w[Int(layout.order[$0])] }
      compiledObjective = .linear(permuted, sparse: SparseWeights(permuted))
    case .custom(let value, let gradient):
      compiledObjective = .custom(value: value, gradient: gradient)
    case .terms:
      preconditionFailure("compile(objective:) resolves the terms of a linear objective first")
    }

    let program = Program(
      graphIdentity: GraphIdentity(snapshotOf: self.identity), variableCount: n,
      inputCount: inputIndices.count,
      order: layout.order,
      position: position,
      isIdentityOrder: identity, names: names, inputDeclarationIndices: inputIndices,
      opCodes: opCodesP, payloads: payloadsP, isResidual: residualP, argumentStart: startP,
      arguments: argsP, constants: constants, customs: customs, blocks: layout.blocks,
      blockIsAffine: blockIsAffine, blockHasConstantPartials: blockHasConstantPartials,
      blockReducedBandwidth: layout.blocks.map { block in
        let bw = reducedJacobianBandwidth(
          of: block, argumentStart: startP, arguments: argsP, isResidual: residualP)
        return Program.Bandwidth(lower: bw.lower, upper: bw.upper)
      },
      blockConsumers: BlockConsumers(
        count: n, blocks: layout.blocks, argumentStart: startP, arguments: argsP),
      objective: compiledObjective,
      maxFanIn: maxFanIn, trigonometricCount: trigonometricCount)
    #if LAGRANGEPROP_INTERNAL_CHECKS
      program.checkInvariants()
    #endif
    return program
  }
}

extension ConstraintGraph {
  /// The number of non-zero weights of a linear objective.
  ///
  /// - Throws: `.invalidObjective` naming the first variable whose weight is not finite.
  func checkedNonzeroCount(_ w: [Double]) throws(LagrangePropError) -> Int {
    var nonzero = 0
    var finite = true
    w.withUnsafeBufferPointer { w in
      for x in w {
        // x − x is 0 for finite x and NaN otherwise: one branch-free test.
        finite = finite && (x - x == 0)
        nonzero &+= x != 0 ? 1 : 0
      }
    }
    if !finite, let k = w.firstIndex(where: { !$0.isFinite }) {
      throw .invalidObjective(reason: "weight of '\(name(ofIndex: k))' is not finite (\(w[k]))")
    }
    return nonzero
  }

  /// The linear objective `Σ_k weights[k]·z_{variables[k]}` checked and put in the
  /// form the compiler keeps: strictly ascending declaration indices, a repeated
  /// variable's weights summed, zero weights dropped.
  ///
  /// - Throws: `.invalidObjective` if the lengths differ, a variable is not of this
  ///   graph, or a weight (or a sum of weights) is not finite, naming the variable.
  /// - Complexity: O(k) for ascending variables, O(k log k) otherwise.
  func sparseObjective(_ variables: [Variable], weights: [Double]) throws(LagrangePropError)
    -> Objective
  {
    guard variables.count == weights.count else {
      throw .invalidObjective(
        reason: "linear objective has \(weights.count) weights for \(variables.count) variables")
    }
    var ascending = true
    for (k, v) in variables.enumerated() {
      guard contains(v) else {
        throw .invalidObjective(
          reason:
            "variable handle \(v.index) does not belong to this graph of \(opCodes.count) variables"
        )
      }
      guard weights[k].isFinite else {
        throw .invalidObjective(
          reason: "weight of '\(name(ofIndex: v.index))' is not finite (\(weights[k]))")
      }
      if k > 0 && v.index <= variables[k - 1].index { ascending = false }
    }
    let order =
      ascending
      ? Array(variables.indices)
      : variables.indices.sorted { (j, k) in
        // By variable, and a repeated variable's terms in the order given.
        let (a, b) = (variables[j].index, variables[k].index)
        return a < b || (a == b && j < k)
      }
    var positions: [Int32] = []
    var merged: [Double] = []
    positions.reserveCapacity(order.count)
    merged.reserveCapacity(order.count)
    for k in order {
      let i = Int32(truncatingIfNeeded: variables[k].index)
      if let last = positions.last, last == i {
        merged[merged.count - 1] += weights[k]
      } else {
        positions.append(i)
        merged.append(weights[k])
      }
    }
    var kept = 0
    for m in positions.indices {
      guard merged[m].isFinite else {
        throw .invalidObjective(
          reason:
            "weights of '\(name(ofIndex: Int(positions[m])))' add up to a non-finite value (\(merged[m]))"
        )
      }
      guard merged[m] != 0 else { continue }
      positions[kept] = positions[m]
      merged[kept] = merged[m]
      kept += 1
    }
    positions.removeLast(positions.count - kept)
    merged.removeLast(merged.count - kept)
    return Objective(kind: .sparseLinear(positions: positions, weights: merged))
  }

  /// Checks the weights of a sparse linear objective (ascending `positions`).
  ///
  /// - Throws: `.invalidObjective` naming the first variable whose weight is not
  ///   finite (the message of `checkedNonzeroCount(_:)`).
  func checkFinite(_ weights: [Double], at positions: [Int32]) throws(LagrangePropError) {
    for (k, x) in weights.enumerated() where !x.isFinite {
      throw .invalidObjective(
        reason: "weight of '\(name(ofIndex: Int(positions[k])))' is not finite (\(x))")
    }
  }

  /// The common case, compiled without any analysis: declaration order is a
  /// program order (`isInDeclarationOrder`: inputs declared first, every other
  /// variable an assignment of earlier variables, arguments in place). The program
  /// shares the graph's op codes, payloads, CSR arguments, constants and names
  /// instead of copying them.
  ///
  /// - Precondition (caller's): `isInDeclarationOrder`, every variable has a
  ///   constraint and the objective was checked (`nonzeroWeights` non-zero weights).
  /// - Complexity: O(n); about 5 bytes per variable of new storage (the order,
  ///   residual flags) and 12 per non-zero objective weight.
  func compileInDeclarationOrder(objective: Objective, nonzeroWeights: Int) -> Program {
    let n = opCodes.count
    let order: [Int32] = hugePageArray(count: n) { buffer in
      for i in 0..<n { buffer[i] = Int32(truncatingIfNeeded: i) }
    }
    let isResidual: [Bool] = hugePageArray(count: n) { $0.initialize(repeating: false) }
    let compiledObjective: CompiledObjective
    switch objective.kind {
    case .variable(let v): compiledObjective = .variable(v.index)
    case .linear(let w):
      compiledObjective = .linear(w, sparse: SparseWeights(w, nonzeroCount: nonzeroWeights))
    case .sparseLinear(let positions, let weights):
      compiledObjective = .linear(
        nil, sparse: SparseWeights(positions: positions, weights: weights))
    case .custom(let value, let gradient):
      compiledObjective = .custom(value: value, gradient: gradient)
    case .terms:
      preconditionFailure("compile(objective:) resolves the terms of a linear objective first")
    }
    let program = Program(
      graphIdentity: GraphIdentity(snapshotOf: identity), variableCount: n,
      inputCount: inputIndices.count, order: order, position: order,
      isIdentityOrder: true, names: names, inputDeclarationIndices: inputIndices,
      opCodes: opCodes, payloads: payloads, isResidual: isResidual,
      argumentStart: argumentStart, arguments: argumentPool, constants: constants,
      customs: customs, blocks: [], blockIsAffine: [], blockHasConstantPartials: [],
      blockReducedBandwidth: [],
      blockConsumers: BlockConsumers(count: n, blocks: [], argumentStart: [], arguments: []),
      objective: compiledObjective, maxFanIn: maxFanIn, trigonometricCount: trigonometricCount)
    #if LAGRANGEPROP_INTERNAL_CHECKS
      program.checkInvariants()
    #endif
    return program
  }
}
