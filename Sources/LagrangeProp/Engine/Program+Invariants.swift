#if LAGRANGEPROP_INTERNAL_CHECKS
  /// Internal invariant checks of the compiled layout, compiled in only with
  /// `-Xswiftc -DLAGRANGEPROP_INTERNAL_CHECKS` (never in release builds' hot paths).
  extension Program {
    /// Traps if the layout breaks an invariant the solvers rely on:
    /// - `order` and `position` are inverse permutations, inputs first;
    /// - outside cyclic blocks every argument precedes its consumer (so `D` is
    ///   upper triangular there and the sweep is exact);
    /// - inside a block, the acyclic part reads only earlier positions or the
    ///   block's feedback variables, and nothing reads a later block.
    func checkInvariants() {
      precondition(order.count == variableCount && position.count == variableCount)
      for p in 0..<variableCount {
        precondition(Int(position[Int(order[p])]) == p, "order/position")
      }
      for p in 0..<inputCount { precondition(opCodes[p] == .input, "inputs first") }
      var blockOf = [Int](repeating: -1, count: variableCount)
      for (b, block) in blocks.enumerated() {
        for p in block.start..<block.end { blockOf[p] = b }
      }
      for p in inputCount..<variableCount {
        for k in argumentRange(p) {
          let q = Int(arguments[k])
          if blockOf[p] < 0 {
            precondition(q < p, "argument after its consumer outside a block")
          } else {
            let block = blocks[blockOf[p]]
            precondition(q < block.end, "argument in a later block")
            if p < block.feedbackStart && q >= block.start {
              precondition(
                q < p || q >= block.feedbackStart, "acyclic part of a block reads forward")
            }
          }
        }
      }
    }
  }
#endif
