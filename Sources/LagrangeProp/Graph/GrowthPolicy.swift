/// Growth of the append-only arrays of the graph builder and the tracer.
///
/// `Array` doubles its capacity when full, so a graph built by appending touches
/// about twice its final size in fresh memory (every reallocation copies into new
/// pages, which the kernel must fault in and zero). Growing four-fold instead
/// touches about 1.33 times the final size (untouched capacity is never faulted
/// in: it costs address space, not memory), which is most of the cost of
/// building large graphs. Past 2²⁶ elements the factor drops back to 2.
@inline(__always)
func reserveAhead<Element>(_ array: inout [Element], adding extra: Int = 1) {
  let needed = array.count + extra
  if needed > array.capacity { growAhead(&array, needed: needed) }
}

@inline(never)
func growAhead<Element>(_ array: inout [Element], needed: Int) {
  let capacity = array.capacity
  let factor = capacity < 1 << 26 ? 4 : 2
  reserveAdvised(&array, capacity: Swift.max(needed, capacity * factor, 256))
}

/// `array.reserveCapacity(capacity)`, with a new buffer of 4 MiB or more advised
/// for transparent huge pages before the elements are copied into it
/// (`adviseHugePages`): a large graph then faults in its arrays 2 MiB at a time
/// instead of 4 KiB (a fault costs about 2.4 µs on the shared VM either way).
func reserveAdvised<Element>(_ array: inout [Element], capacity: Int) {
  guard capacity > array.capacity else { return }
  guard capacity * MemoryLayout<Element>.stride >= 4 << 20 else {
    array.reserveCapacity(capacity)
    return
  }
  let old = array
  array = [Element](unsafeUninitializedCapacity: capacity) { storage, initialized in
    adviseHugePages(UnsafeMutableRawBufferPointer(storage))
    old.withUnsafeBufferPointer { source in
      if let base = storage.baseAddress, let from = source.baseAddress {
        base.initialize(from: from, count: source.count)
      }
    }
    initialized = old.count
  }
}

/// Appends `values` to `array`, whose capacity the caller reserved: element by
/// element for the short lists of a constraint (a call to `memmove` costs more
/// than the copy), in one block otherwise.
@inline(__always)
func appendReserved<Element>(_ array: inout [Element], _ values: UnsafeBufferPointer<Element>) {
  if values.count <= 8 {
    for v in values { array.append(v) }
  } else {
    array.append(contentsOf: values)
  }
}
