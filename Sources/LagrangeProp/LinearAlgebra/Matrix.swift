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
  /// - Precondition: `rows ≥ 0` and `columns ≥ 0`.
  /// - Complexity: O(rows · columns).
  public init(rows: Int, columns: Int) {
    self.init(rows: rows, columns: columns, repeating: 0)
  }

  /// A `rows × columns` matrix with every element equal to `value`.
  ///
  /// - Precondition: `rows ≥ 0` and `columns ≥ 0`.
  public init(rows: Int, columns: Int, repeating value: Double) {
    precondition(rows >= 0 && columns >= 0, "Matrix dimensions must not be negative")
    self.rows = rows
    self.columns = columns
    self.elements = [Double](repeating: value, count: rows * columns)
  }

  /// A matrix over existing column-major elements (no copy when `elements`
  /// is uniquely referenced).
  ///
  /// - Throws: `LinearAlgebraError.invalidShape` for a negative dimension,
  ///   `.dimensionMismatch` if `elements.count ≠ rows · columns`.
  public init(rows: Int, columns: Int, columnMajor elements: [Double]) throws(LinearAlgebraError) {
    guard rows >= 0, columns >= 0 else {
      throw .invalidShape(operation: "Matrix", reason: "negative dimension \(rows) × \(columns)")
    }
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
    self.init(rows: rowArrays.count, columns: columns)
    for (i, row) in rowArrays.enumerated() {
      for (j, value) in row.enumerated() { elements[i + j * rows] = value }
    }
  }

  /// The `n × n` identity matrix.
  public static func identity(_ n: Int) -> Matrix {
    var m = Matrix(rows: n, columns: n)
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
    var t = Matrix(rows: columns, columns: rows)
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
