import Foundation

/// Where `blackHole` folds the results it is given. Read by `BlackHole.checksum`,
/// which a command prints on request, so the optimiser must keep every write.
nonisolated(unsafe) private var blackHoleSink: UInt64 = 0

/// Consumes a benchmark result so the optimiser cannot drop the work that made it.
///
/// The value's bits are folded into a global that the program later reads
/// (`BlackHole.checksum`), and the function is neither inlined nor optimised,
/// so whole-module optimisation cannot prove the result unused.
@inline(never) @_optimize(none)
func blackHole(_ value: Double) {
  blackHoleSink = blackHoleSink &* 0x100_0000_01B3 &+ value.bitPattern
}

/// Consumes a vector result: its count and first and last entries are folded in.
@inline(never) @_optimize(none)
func blackHole(_ values: [Double]) {
  blackHoleSink = blackHoleSink &* 0x100_0000_01B3 &+ UInt64(values.count)
  if let first = values.first, let last = values.last {
    blackHoleSink = blackHoleSink &* 0x100_0000_01B3 &+ first.bitPattern &+ last.bitPattern
  }
}

/// Consumes any other result by its bytes.
@inline(never) @_optimize(none)
func blackHole<T>(_ value: T) {
  withUnsafeBytes(of: value) { bytes in
    for byte in bytes.prefix(16) {
      blackHoleSink = blackHoleSink &* 0x100_0000_01B3 &+ UInt64(byte)
    }
  }
}

enum BlackHole {
  /// The folded bits of everything consumed so far (printed by `--verbose`-style
  /// diagnostics; its value means nothing, reading it keeps the writes alive).
  @inline(never)
  static var checksum: UInt64 { blackHoleSink }
}
