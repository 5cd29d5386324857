/// The largest number of variables one call may ask for at once, so that a
/// count no machine could hold (`unknowns(Int.max)`, `trace(inputCount: 1 << 40)`)
/// is a typed error instead of an allocation that traps or a loop that never ends.
enum VariableBudget {
  /// A lower bound on the bytes one variable costs while building (the graph's
  /// per-variable arrays, its argument and name entries): the helpers measured
  /// 33–112 bytes per variable.
  static let bytesPerVariable = 48

  /// `.resultTooLarge` if `count` variables would need more than the machine's
  /// physical memory, else `nil`.
  static func refusal(_ count: Int, quantity: String) -> LagrangePropError? {
    let limit = Matrix.physicalMemoryBytes
    let (bytes, overflow) = count.multipliedReportingOverflow(by: bytesPerVariable)
    guard overflow || bytes > limit else { return nil }
    return .resultTooLarge(quantity: quantity, bytes: overflow ? Int.max : bytes, limit: limit)
  }
}
