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

  /// Frees the storage.
  mutating func removeAll() {
    free(base)
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
  }
}
