/// The pattern of a square CSC matrix in both orientations, with 32-bit
/// indices: by columns (as stored) and by rows (a counting-sort transpose),
/// and where each row-wise entry sits column-wise. GMRES's operator and the
/// ILU(0) preconditioner read it so that every sweep, with the matrix or its
/// transpose, is a gather loop. It depends on the pattern only, so a program
/// builds it once per block (`SparseStructureCache`).
///
/// - Complexity: O(n + nonzeros) time; `16·nonzeros + 28·n` bytes.
struct SparsePattern: Sendable {
  let order: Int
  /// Column `j` is entries `columnStart[j]..<columnStart[j + 1]`, rows `columnRows`.
  let columnStart: [Int]
  let columnRows: [Int32]
  /// Row `i` is entries `rowStart[i]..<rowStart[i + 1]`, columns `rowColumns` (increasing).
  let rowStart: [Int]
  let rowColumns: [Int32]
  /// `columnPosition[r]`: where row-wise entry `r` sits column-wise.
  let columnPosition: [Int]
  /// The elimination levels of the column-wise arrays read as rows (ILU(0)'s
  /// factorization, on `Aᵀ`, runs level by level on all cores).
  let eliminationLevels: EliminationLevels

  /// The pattern of a matrix of `order` with CSC offsets `columnStart` and row indices `rowIndices`.
  ///
  /// - Precondition: `order` fits in `Int32`; the CSC arrays are valid.
  init(order n: Int, columnStart: [Int], rowIndices: [Int]) {
    precondition(n <= Int(Int32.max), "SparsePattern: order beyond 32-bit indices")
    let count = rowIndices.count
    var start = [Int](repeating: 0, count: n + 1)
    let columnRows = [Int32](unsafeUninitializedCapacity: count) { rows, initialized in
      for k in 0..<count { rows[k] = Int32(truncatingIfNeeded: rowIndices[k]) }
      initialized = count
    }
    var columns = [Int32](repeating: 0, count: count)
    var position = [Int](repeating: 0, count: count)
    start.withUnsafeMutableBufferPointer { start in
      columnRows.withUnsafeBufferPointer { rows in
        for k in 0..<count { start[Int(rows[k]) + 1] += 1 }
        for i in 0..<n { start[i + 1] += start[i] }
        var next = [Int](start.dropLast())
        next.withUnsafeMutableBufferPointer { next in
          columnStart.withUnsafeBufferPointer { columnStart in
            columns.withUnsafeMutableBufferPointer { columns in
              position.withUnsafeMutableBufferPointer { position in
                for j in 0..<n {
                  for k in columnStart[j]..<columnStart[j + 1] {
                    let i = Int(rows[k])
                    let r = next[i]
                    columns[r] = Int32(truncatingIfNeeded: j)
                    position[r] = k
                    next[i] = r + 1
                  }
                }
              }
            }
          }
        }
      }
    }
    order = n
    self.columnStart = columnStart
    self.columnRows = columnRows
    rowStart = start
    rowColumns = columns
    columnPosition = position
    eliminationLevels = EliminationLevels(order: n, start: columnStart, columns: columnRows)
  }

  /// The pattern of `matrix`.
  init(_ matrix: SparseMatrix) {
    self.init(order: matrix.order, columnStart: matrix.columnStart, rowIndices: matrix.rowIndices)
  }

  /// Column-wise `values` rearranged row-wise.
  ///
  /// - Complexity: O(nonzeros).
  func rowWise(_ values: [Double]) -> [Double] {
    let count = values.count
    return hugePageArray(count: count) { result in
      values.withUnsafeBufferPointer { values in
        columnPosition.withUnsafeBufferPointer { position in
          for r in 0..<count { result[r] = values[position[r]] }
        }
      }
    }
  }
}
