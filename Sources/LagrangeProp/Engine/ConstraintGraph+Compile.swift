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
    let n = roles.count
    guard n > 0 else { throw .emptyGraph }
    for i in 0..<n where roles[i] == .undefined { throw .neverDefined(variable: name(ofIndex: i)) }
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
      if let k = w.firstIndex(where: { !$0.isFinite }) {
        throw .invalidObjective(reason: "weight of '\(name(ofIndex: k))' is not finite (\(w[k]))")
      }
    case .custom: break
    }

    if let program = compileInDeclarationOrder(objective: objective) { return program }

    // Dependency graph in declaration order.
    var start = [Int](repeating: 0, count: n + 1)
    for i in 0..<n { start[i + 1] = start[i] + Int(argumentCount[i]) }
    var args: [Int32]
    if argumentsInDeclarationOrder && argumentPool.count == start[n] {
      args = argumentPool  // shared, not copied
    } else {
      args = [Int32](repeating: 0, count: start[n])
      for i in 0..<n {
        let from = argumentOffset[i]
        for k in 0..<Int(argumentCount[i]) { args[start[i] + k] = argumentPool[from + k] }
      }
    }
    let residual = roles.map { $0 == .residual }
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
    precondition(args.count < Int(Int32.max), "more than 2³¹ constraint edges")
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
    case .custom(let value, let gradient):
      compiledObjective = .custom(value: value, gradient: gradient)
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
      maxFanIn: argumentCount.max().map { Int($0) } ?? 0,
      trigonometricCount: opCodesP.lazy.filter { $0 == .sin || $0 == .cos }.count)
    #if LAGRANGEPROP_INTERNAL_CHECKS
      program.checkInvariants()
    #endif
    return program
  }
}

extension ConstraintGraph {
  /// The common case compiled in one pass, or `nil` when it does not apply: inputs
  /// declared first, every other variable an assignment of earlier variables, the
  /// arguments stored in declaration order. Program order is then declaration
  /// order, and the program shares the graph's op codes, payloads, arguments,
  /// constants and names instead of copying them.
  ///
  /// - Precondition (caller's): every variable has a constraint and the objective
  ///   was checked.
  /// - Complexity: O(n + edges), one pass over the arguments; about 13 bytes per
  ///   variable of new storage (order, CSR offsets, residual flags).
  func compileInDeclarationOrder(objective: Objective) -> Program? {
    let n = roles.count
    let d = inputIndices.count
    guard argumentsInDeclarationOrder, argumentPool.count < Int(Int32.max) else { return nil }
    for j in 0..<d where inputIndices[j] != Int32(truncatingIfNeeded: j) { return nil }
    var argumentStart = [Int32](repeating: 0, count: n + 1)
    var maxFanIn = 0
    let topological = roles.withUnsafeBufferPointer { role in
      argumentPool.withUnsafeBufferPointer { pool in
        argumentOffset.withUnsafeBufferPointer { offset in
          argumentCount.withUnsafeBufferPointer { count in
            argumentStart.withUnsafeMutableBufferPointer { start in
              var end = 0
              for i in 0..<n {
                if i >= d && role[i] != .assignment { return false }
                let c = Int(count[i])
                guard offset[i] == end else { return false }
                for k in end..<end + c where Int(pool[k]) >= i || pool[k] < 0 { return false }
                end += c
                start[i + 1] = Int32(truncatingIfNeeded: end)
                if c > maxFanIn { maxFanIn = c }
              }
              return end == pool.count
            }
          }
        }
      }
    }
    guard topological else { return nil }
    let order = [Int32](unsafeUninitializedCapacity: n) { buffer, initialized in
      for i in 0..<n { buffer[i] = Int32(truncatingIfNeeded: i) }
      initialized = n
    }
    let compiledObjective: CompiledObjective
    switch objective.kind {
    case .variable(let v): compiledObjective = .variable(v.index)
    case .linear(let w): compiledObjective = .linear(w, sparse: SparseWeights(w))
    case .custom(let value, let gradient):
      compiledObjective = .custom(value: value, gradient: gradient)
    }
    let program = Program(
      graphIdentity: GraphIdentity(snapshotOf: identity), variableCount: n, inputCount: d,
      order: order, position: order,
      isIdentityOrder: true, names: names, inputDeclarationIndices: inputIndices,
      opCodes: opCodes, payloads: payloads, isResidual: [Bool](repeating: false, count: n),
      argumentStart: argumentStart, arguments: argumentPool, constants: constants,
      customs: customs, blocks: [], blockIsAffine: [], blockHasConstantPartials: [],
      blockReducedBandwidth: [],
      blockConsumers: BlockConsumers(count: n, blocks: [], argumentStart: [], arguments: []),
      objective: compiledObjective, maxFanIn: maxFanIn,
      trigonometricCount: opCodes.lazy.filter { $0 == .sin || $0 == .cos }.count)
    #if LAGRANGEPROP_INTERNAL_CHECKS
      program.checkInvariants()
    #endif
    return program
  }
}
