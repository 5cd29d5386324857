/// Bands in a natural order: the band solvers measure `D_zz`'s band both in
/// program order (inputs, then strongly connected components in topological
/// order, each block's acyclic part before its feedback variables) and in
/// declaration order, and factor in the narrower. A nonlinear boundary-value
/// problem declared `u_i, c_i = u_i³, u_{i+1}, …` has a band of a few diagonals
/// in declaration order, while program order puts every `c_i` before every
/// `u_i` — a band as wide as the problem.
struct BandOrder: Sendable {
  /// The bandwidth of `D_zz` in this order.
  let bandwidth: Program.Bandwidth
  /// For each non-input program position `p − d`, its index in the band
  /// matrix; `nil` for program order itself.
  let position: [Int]?

  /// Band storage `8·m·(2·kl + ku + 1)` compares orders.
  var leadingDimension: Int { 2 * bandwidth.lower + bandwidth.upper + 1 }

  /// `"program order"` or `"declaration order"`, for reasons.
  var name: String { position == nil ? "program order" : "declaration order" }
}

extension Program {
  /// The order in which `.bandedLU` stores `D_zz`: program or declaration
  /// order, whichever has the smaller band storage (program order on a tie).
  ///
  /// - Complexity: O(n + edges) on the first call, kept for every later call
  ///   (`SparseStructureCache`): `.automatic` weighs it at every call.
  func bandOrder() -> BandOrder {
    sparseStructure.bandOrder { computeBandOrder() }
  }

  /// `bandOrder()`, computed.
  private func computeBandOrder() -> BandOrder {
    let programOrder = BandOrder(bandwidth: bandwidth, position: nil)
    if isIdentityOrder { return programOrder }
    let d = inputCount
    // Non-inputs ranked by declaration index.
    var rankOfDeclaration = [Int](repeating: -1, count: variableCount)
    for p in d..<variableCount { rankOfDeclaration[Int(order[p])] = 0 }
    var rank = 0
    for i in 0..<variableCount where rankOfDeclaration[i] >= 0 {
      rankOfDeclaration[i] = rank
      rank += 1
    }
    let position = (d..<variableCount).map { rankOfDeclaration[Int(order[$0])] }
    var lower = 0
    var upper = 0
    for i in d..<variableCount {
      let column = position[i - d]
      for k in argumentRange(i) where Int(arguments[k]) >= d {
        let row = position[Int(arguments[k]) - d]
        if column > row {
          upper = max(upper, column - row)
        } else {
          lower = max(lower, row - column)
        }
      }
    }
    let declarationOrder = BandOrder(
      bandwidth: Bandwidth(lower: lower, upper: upper), position: position)
    return declarationOrder.leadingDimension < programOrder.leadingDimension
      ? declarationOrder : programOrder
  }

  /// `D_zz` in LAPACK band storage in `bandOrder`'s order, factored with
  /// `dgbtrf` (wrap it in a `PermutedSystem` with `bandOrder.position` when set).
  ///
  /// - Complexity: O(m·ldab + edges + m·kl·(kl + ku)).
  /// - Throws: `.singularJacobian` naming the variable at a zero or negligible pivot.
  func factorBandedNonInput(partials: [Double], bandOrder: BandOrder)
    throws(LagrangePropError) -> BandLUFactorization
  {
    guard let position = bandOrder.position else {
      let lu = try mappingNonInputErrors { () throws(LinearAlgebraError) in
        try BandLUFactorization(
          assembleBandNonInputJacobian(partials: partials, bandwidth: bandOrder.bandwidth))
      }
      return try requireRegular(lu, unknownsFrom: inputCount, matrix: "D")
    }
    let bw = bandOrder.bandwidth
    var band = BandMatrix(
      validOrder: intermediateCount, lowerBandwidth: bw.lower, upperBandwidth: bw.upper)
    let ldab = band.leadingDimension
    let offset = bw.lower + bw.upper
    band.storage.withUnsafeMutableBufferPointer { e in
      forEachNonInputEntry(partials: partials) { row, column, value in
        let r = position[row]
        let c = position[column]
        e[offset + r - c + c * ldab] += value
      }
    }
    // Band indices back to program positions, for naming the pivot's variable.
    var programIndex = [Int](repeating: 0, count: position.count)
    for (p, b) in position.enumerated() { programIndex[b] = p }
    let lu: BandLUFactorization
    do { lu = try BandLUFactorization(consume band) } catch {
      if case .singular(let routine, let pivot) = error {
        throw .singularJacobian(
          variable: name(position: inputCount + programIndex[pivot]), routine: routine)
      }
      throw .linearAlgebra(error)
    }
    if let k = lu.negligiblePivot {
      throw .singularJacobian(
        variable: name(position: inputCount + programIndex[k]),
        routine: "dgbtrf (pivot below m·ε·‖D‖₁ of the equilibrated matrix)")
    }
    return lu
  }
}
