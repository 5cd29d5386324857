#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A dense matrix of `Double` in column-major storage, the layout LAPACK uses.
///
/// Element `(i, j)` lives at `elements[i + j·rows]`. Factorizations take the
/// buffer over in place; products are for residuals and tests, not hot paths.
///
/// ```swift
/// let a = try Matrix(rows: [[4, 1], [2, 3]])
/// let lu = try LUFactorization(a)
/// let x = try lu.solve([1, 2])             // A x = b
/// let y = try lu.solve([1, 2], transpose: true)  // Aᵀ y = b
/// ```
public struct Matrix: Sendable, Equatable {
  /// The number of rows.
  public let rows: Int
  /// The number of columns.
  public let columns: Int
  /// The elements in column-major order: `elements[i + j·rows]` is `self[i, j]`.
  public internal(set) var elements: [Double]

  /// A `rows × columns` matrix of zeros.
  ///
  /// - Complexity: O(rows · columns).
  /// - Throws: `LinearAlgebraError.invalidShape` for a negative dimension, or a
  ///   size whose `8 · rows · columns` bytes overflow `Int` or exceed the
  ///   machine's physical memory (instead of trapping in the allocation).
  public init(rows: Int, columns: Int) throws(LinearAlgebraError) {
    try self.init(rows: rows, columns: columns, repeating: 0)
  }

  /// A `rows × columns` matrix with every element equal to `value`.
  ///
  /// - Throws: as `init(rows:columns:)`.
  public init(rows: Int, columns: Int, repeating value: Double) throws(LinearAlgebraError) {
    try Self.checkShape(rows: rows, columns: columns, operation: "Matrix(rows:columns:)")
    self.init(validRows: rows, columns: columns, repeating: value)
  }

  /// A matrix of a size the caller has already checked (the engine's own
  /// buffers, sized against `SolveOptions.matrixByteLimit`).
  package init(validRows rows: Int, columns: Int, repeating value: Double = 0) {
    self.rows = rows
    self.columns = columns
    self.elements = [Double](repeating: value, count: rows * columns)
  }

  /// Throws `.invalidShape` unless `rows × columns` doubles, and a vector as long
  /// as either dimension, fit in physical memory.
  static func checkShape(rows: Int, columns: Int, operation: String) throws(LinearAlgebraError) {
    guard rows >= 0, columns >= 0 else {
      throw .invalidShape(operation: operation, reason: "negative dimension \(rows) × \(columns)")
    }
    // Each dimension on its own too: a 0 × 2⁶² matrix holds nothing, but its
    // products and norms would allocate or loop over the huge dimension.
    let largest = physicalMemoryBytes / MemoryLayout<Double>.stride
    guard rows <= largest, columns <= largest else {
      throw .invalidShape(
        operation: operation,
        reason:
          "dimension \(max(rows, columns)) exceeds the \(largest) doubles of physical memory")
    }
    let (cells, overflow1) = rows.multipliedReportingOverflow(by: columns)
    let (bytes, overflow2) = cells.multipliedReportingOverflow(by: MemoryLayout<Double>.stride)
    guard !overflow1, !overflow2, bytes <= physicalMemoryBytes else {
      throw .invalidShape(
        operation: operation,
        reason:
          "\(rows) × \(columns) doubles need \(overflow1 || overflow2 ? "more than Int.max" : "\(bytes)") bytes, more than the \(physicalMemoryBytes) bytes of physical memory"
      )
    }
  }

  /// The machine's physical memory in bytes (the cap of `init(rows:columns:)`).
  static let physicalMemoryBytes: Int = {
    let pages = sysconf(Int32(_SC_PHYS_PAGES))
    let size = sysconf(Int32(_SC_PAGESIZE))
    guard pages > 0, size > 0 else { return Int.max }
    return pages.multipliedReportingOverflow(by: size).overflow ? Int.max : pages * size
  }()

  /// A matrix over existing column-major elements (no copy when `elements`
  /// is uniquely referenced).
  ///
  /// - Throws: `LinearAlgebraError.invalidShape` for a negative dimension,
  ///   `.dimensionMismatch` if `elements.count ≠ rows · columns`.
  public init(rows: Int, columns: Int, columnMajor elements: [Double]) throws(LinearAlgebraError) {
    try Self.checkShape(rows: rows, columns: columns, operation: "Matrix(columnMajor:)")
    guard elements.count == rows * columns else {
      throw .dimensionMismatch(
        operation: "Matrix(columnMajor:)", expected: rows * columns, actual: elements.count)
    }
    self.rows = rows
    self.columns = columns
    self.elements = elements
  }

  /// A matrix from its rows, as written on paper: `Matrix(rows: [[1, 2], [3, 4]])`.
  ///
  /// - Throws: `LinearAlgebraError.invalidShape` if the rows differ in length.
  public init(rows rowArrays: [[Double]]) throws(LinearAlgebraError) {
    let columns = rowArrays.first?.count ?? 0
    for (i, row) in rowArrays.enumerated() where row.count != columns {
      throw .invalidShape(
        operation: "Matrix(rows:)",
        reason: "row \(i) has \(row.count) entries, row 0 has \(columns)")
    }
    self.init(validRows: rowArrays.count, columns: columns)
    for (i, row) in rowArrays.enumerated() {
      for (j, value) in row.enumerated() { elements[i + j * rows] = value }
    }
  }

  /// The `n × n` identity matrix.
  ///
  /// - Throws: as `init(rows:columns:)`.
  public static func identity(_ n: Int) throws(LinearAlgebraError) -> Matrix {
    var m = try Matrix(rows: n, columns: n)
    for i in 0..<n { m.elements[i + i * n] = 1 }
    return m
  }

  /// Element `(row, column)`.
  ///
  /// - Precondition: both indices are in range (like `Array`'s subscript).
  public subscript(row: Int, column: Int) -> Double {
    get {
      precondition(
        row >= 0 && row < rows && column >= 0 && column < columns, "Matrix index out of range")
      return elements[row + column * rows]
    }
    set {
      precondition(
        row >= 0 && row < rows && column >= 0 && column < columns, "Matrix index out of range")
      elements[row + column * rows] = newValue
    }
  }

  /// Whether the matrix is square.
  public var isSquare: Bool { rows == columns }

  /// Column `j` as an array.
  public func column(_ j: Int) -> [Double] {
    precondition(j >= 0 && j < columns, "Matrix column out of range")
    return Array(elements[(j * rows)..<((j + 1) * rows)])
  }

  /// Row `i` as an array.
  public func row(_ i: Int) -> [Double] {
    precondition(i >= 0 && i < rows, "Matrix row out of range")
    return (0..<columns).map { elements[i + $0 * rows] }
  }

  /// The transpose, as a new matrix.
  ///
  /// - Complexity: O(rows · columns).
  public func transposed() -> Matrix {
    var t = Matrix(validRows: columns, columns: rows)
    for j in 0..<columns {
      for i in 0..<rows { t.elements[j + i * columns] = elements[i + j * rows] }
    }
    return t
  }

  /// The one-norm `max_j Σ_i |A[i, j]|` (largest absolute column sum).
  ///
  /// NaN if any element is NaN (as LAPACK's `dlange`), so that a finiteness
  /// check on the norm catches every non-finite element.
  public var oneNorm: Double {
    var best = 0.0
    for j in 0..<columns {
      var sum = 0.0
      for i in 0..<rows { sum += abs(elements[i + j * rows]) }
      // `max` would drop a NaN sum (`max(x, .nan) == x`).
      if sum.isNaN { return .nan }
      best = max(best, sum)
    }
    return best
  }

  /// The largest absolute element (max norm); NaN if any element is NaN.
  public var maxNorm: Double {
    var best = 0.0
    for value in elements {
      if value.isNaN { return .nan }
      best = max(best, abs(value))
    }
    return best
  }
}

extension Matrix: CustomStringConvertible {
  /// The rows, one per line.
  public var description: String {
    (0..<rows).map { i in "[" + row(i).map { "\($0)" }.joined(separator: ", ") + "]" }
      .joined(separator: "\n")
  }
}
