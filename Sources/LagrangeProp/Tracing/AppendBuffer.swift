import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An append-only buffer of plain values owned by one `Tracer`: no copy-on-write
/// (it cannot be copied), no uniqueness check per append, and growth by `realloc`,
/// which for large buffers remaps pages instead of copying and re-zeroing them.
///
/// Indices are the tracer's own (never user input); they are checked only by
/// `assert` in debug builds.
struct AppendBuffer<Element: BitwiseCopyable>: ~Copyable {
  private var base: UnsafeMutablePointer<Element>?
  private(set) var count = 0
  private(set) var capacity = 0

  init() {}

  /// An empty buffer on the storage a closed tracer left in `pool` under `slot`, if any.
  init(recycledFrom pool: RecycledStorage, slot: Int) {
    if let (raw, bytes) = pool.take(slot: slot) {
      base = raw.assumingMemoryBound(to: Element.self)
      capacity = bytes / MemoryLayout<Element>.stride
    }
  }

  deinit { free(base) }

  @inline(__always)
  subscript(i: Int) -> Element {
    get {
      assert(i >= 0 && i < count, "AppendBuffer index out of range")
      return base.unsafelyUnwrapped[i]
    }
    set {
      assert(i >= 0 && i < count, "AppendBuffer index out of range")
      base.unsafelyUnwrapped[i] = newValue
    }
  }

  /// Appends one value.
  @inline(__always)
  mutating func append(_ value: Element) {
    if count == capacity { grow(to: count + 1) }
    base.unsafelyUnwrapped[count] = value
    count += 1
  }

  /// Makes room for `extra` more values.
  @inline(__always)
  mutating func reserve(_ extra: Int) {
    if count + extra > capacity { grow(to: count + extra) }
  }

  /// Drops the last `k` values.
  mutating func removeLast(_ k: Int) {
    assert(k >= 0 && k <= count)
    count -= k
  }

  /// Empties the buffer, giving its storage to `pool` under `slot` (for the next
  /// trace: its pages are then already resident) or freeing it.
  mutating func recycle(into pool: RecycledStorage, slot: Int) {
    if let base {
      pool.give(
        UnsafeMutableRawPointer(base), bytes: capacity * MemoryLayout<Element>.stride, slot: slot)
    }
    base = nil
    count = 0
    capacity = 0
  }

  /// Calls `body` with the values in `range`.
  @inline(__always)
  func withBuffer<R>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<Element>) -> R) -> R {
    assert(range.lowerBound >= 0 && range.upperBound <= count)
    return body(UnsafeBufferPointer(start: base.map { $0 + range.lowerBound }, count: range.count))
  }

  @inline(never)
  private mutating func grow(to needed: Int) {
    let newCapacity = Swift.max(needed, 2 * capacity, 256)
    let (bytes, overflow) = newCapacity.multipliedReportingOverflow(
      by: MemoryLayout<Element>.stride)
    // Running out of memory here traps, as an `Array` append does; counts that
    // come from the user are checked before any append (`VariableBudget`).
    guard !overflow, let raw = realloc(base, bytes) else {
      fatalError("AppendBuffer: cannot allocate \(newCapacity) elements")
    }
    base = raw.assumingMemoryBound(to: Element.self)
    capacity = newCapacity
    // The part not yet written faults in 2 MiB at a time (when it is 4 MiB or more).
    adviseHugePages(
      UnsafeMutableRawBufferPointer(
        start: raw + count * MemoryLayout<Element>.stride,
        count: (newCapacity - count) * MemoryLayout<Element>.stride))
  }
}

/// The buffers of the last closed tracer, kept for the next trace (on any thread)
/// so that tracing repeatedly writes into resident pages instead of faulting in
/// fresh ones: at most `byteLimit` bytes in all, one block per slot (the larger
/// one is kept).
final class RecycledStorage: @unchecked Sendable {
  /// The pool shared by every trace.
  static let shared = RecycledStorage()

  /// The most bytes kept: a thirty-second of physical memory, at most 512 MiB. A
  /// trace of 10⁶ blog steps leaves about 145 MB of pending-value buffers;
  /// keeping them makes the next such trace about a quarter faster (no pages to
  /// fault in and zero), at the price of that memory staying with the process.
  static let byteLimit = min(Matrix.physicalMemoryBytes / 32, 512 << 20)

  private let lock = NSLock()
  private var blocks: [Int: (base: UnsafeMutableRawPointer, bytes: Int)] = [:]
  private var totalBytes = 0
  private var graphShape: GraphShape?

  /// The sizes of the last traced graph (if its arrays took at most a quarter of
  /// physical memory), which the next trace reserves: a trace of the same program
  /// then appends without growing (no copies, no pages touched twice). Untouched
  /// capacity costs address space, not memory, and a smaller program is trimmed
  /// before it is compiled (`ConstraintGraph.trimExcessCapacity`).
  var lastGraphShape: GraphShape? {
    lock.lock()
    defer { lock.unlock() }
    return graphShape
  }

  /// Remembers the sizes of a traced graph for the next trace.
  func noteGraphShape(_ shape: GraphShape) {
    let fits = shape.bytes <= Matrix.physicalMemoryBytes / 4
    lock.lock()
    graphShape = fits ? shape : nil
    lock.unlock()
  }

  /// The block kept under `slot` (removed from the pool), if any.
  func take(slot: Int) -> (UnsafeMutableRawPointer, Int)? {
    lock.lock()
    defer { lock.unlock() }
    guard let block = blocks.removeValue(forKey: slot) else { return nil }
    totalBytes -= block.bytes
    return (block.base, block.bytes)
  }

  /// Keeps `base` (`bytes` bytes, from `malloc`) under `slot` if it is larger than
  /// the block there and fits the limit; frees whichever is not kept.
  func give(_ base: UnsafeMutableRawPointer, bytes: Int, slot: Int) {
    lock.lock()
    var freed: UnsafeMutableRawPointer? = base
    let held = blocks[slot]?.bytes ?? 0
    if bytes > held && totalBytes - held + bytes <= Self.byteLimit {
      freed = blocks[slot]?.base
      blocks[slot] = (base, bytes)
      totalBytes += bytes - held
    }
    lock.unlock()
    free(freed)
  }
}

/// The sizes of a graph's per-variable, argument and constant arrays.
struct GraphShape: Sendable {
  var variables: Int
  var arguments: Int
  var constants: Int

  /// The bytes of the graph's arrays at these sizes.
  var bytes: Int { variables &* 9 &+ arguments &* 4 &+ constants &* 8 }
}
