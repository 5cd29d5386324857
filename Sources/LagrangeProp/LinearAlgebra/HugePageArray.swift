#if canImport(Glibc)
  import Glibc
#endif

/// A new array of `count` elements backed, where large, by transparent huge
/// pages. The storage starts uninitialised: `initialize` writes the elements
/// (plain numbers it leaves unwritten hold arbitrary values, for buffers whose
/// every element is written before it is read). The engine's large per-call arrays — values, partials, a
/// sparse Jacobian's entries, ILU(0)'s factors, a Krylov basis — are made this
/// way, so that faulting them in costs one fault per 2 MiB, not per 4 KiB.
///
/// - Complexity: O(1) besides `initialize`.
func hugePageArray<Element: BitwiseCopyable>(
  count: Int, _ initialize: (UnsafeMutableBufferPointer<Element>) -> Void
) -> [Element] {
  [Element](unsafeUninitializedCapacity: count) { storage, initialized in
    adviseHugePages(UnsafeMutableRawBufferPointer(storage))
    initialize(storage)
    initialized = count
  }
}

/// Asks the kernel to back the 2 MiB-aligned interior of a large, not yet
/// touched buffer with transparent huge pages (`madvise(MADV_HUGEPAGE)`, Linux):
/// its first writes then fault in one 2 MiB page at a time instead of 512 small
/// ones (a fresh 48 MB buffer: 24 faults, not 12 000), and the passes over it miss
/// the TLB far less. Buffers under 4 MiB, and systems without the call, are left
/// as they are; the advice never changes what the memory holds.
///
/// - Complexity: O(1) (one system call).
func adviseHugePages(_ storage: UnsafeMutableRawBufferPointer) {
  #if os(Linux)
    let hugePage = 2 << 20
    guard storage.count >= 2 * hugePage, let base = storage.baseAddress else { return }
    let address = UInt(bitPattern: base)
    let mask = UInt(hugePage - 1)
    let start = (address + mask) & ~mask
    let end = (address + UInt(storage.count)) & ~mask
    guard end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) else { return }
    _ = madvise(aligned, Int(end - start), MADV_HUGEPAGE)
  #endif
}
