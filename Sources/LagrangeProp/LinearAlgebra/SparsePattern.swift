/// The pattern of a square CSC matrix in both orientations, with 32-bit
/// indices: by columns (as stored) and by rows (a counting-sort transpose),
/// and where each row-wise entry sits column-wise. GMRES's operator and the
/// ILU(0) preconditioner read it so that every sweep, with the matrix or its
/// transpose, is a gather loop. It depends on the pattern only, so a program
/// builds it once per block (`SparseStructureCache`).
///
/// - Complexity: O(n + nonzeros) time; `16·nonzeros + 44·n` bytes, and
///   about `8·nonzeros + 48·n` more with `sweepSchedules`.
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
  /// Where each column's diagonal entry sits column-wise, and each row's
  /// row-wise (`-1` where it is missing).
  let columnDiagonal: [Int]
  let rowDiagonal: [Int]
  /// ILU(0)'s four triangular sweeps, level-scheduled, for a large pattern
  /// whose sweeps all have wide levels (a random sparse graph); `nil` otherwise
  /// (the sweeps then run in row order on one core).
  let sweepSchedules: IncompleteLUSchedules?

  /// The pattern of a matrix of `order` with CSC offsets `columnStart` and row indices `rowIndices`.
  ///
  /// - Parameter levelScheduled: whether to build `sweepSchedules` (`nil`:
  ///   when the pattern is large and every sweep's levels are wide — see
  ///   `IncompleteLUSchedules`; `true` builds them whenever every diagonal
  ///   entry is present).
  /// - Precondition: `order` fits in `Int32`; the CSC arrays are valid.
  init(order n: Int, columnStart: [Int], rowIndices: [Int], levelScheduled: Bool? = nil) {
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
    columnDiagonal = Self.diagonalPositions(order: n, start: columnStart, indices: columnRows)
    rowDiagonal = Self.diagonalPositions(order: n, start: start, indices: columns)
    let wide =
      ParallelBlocks.isParallel(work: count)
      && LevelScheduledSweep.pays(order: n, levelCount: eliminationLevels.levelCount)
    if levelScheduled ?? wide, !columnDiagonal.contains(-1) {
      sweepSchedules = IncompleteLUSchedules(
        order: n, columnStart: columnStart, columnRows: columnRows, columnDiagonal: columnDiagonal,
        columnLevels: eliminationLevels, rowStart: start, rowColumns: columns,
        rowDiagonal: rowDiagonal,
        requiringWideLevels: levelScheduled == nil)
    } else {
      sweepSchedules = nil
    }
  }

  /// Where each of the `n` lines (columns or rows, offsets `start`) has its
  /// diagonal entry among `indices`, or `-1`.
  private static func diagonalPositions(order n: Int, start: [Int], indices: [Int32]) -> [Int] {
    var positions = [Int](repeating: -1, count: n)
    positions.withUnsafeMutableBufferPointer { positions in
      start.withUnsafeBufferPointer { start in
        indices.withUnsafeBufferPointer { indices in
          for j in 0..<n {
            for k in start[j]..<start[j + 1] where indices[k] == Int32(truncatingIfNeeded: j) {
              positions[j] = k
              break
            }
          }
        }
      }
    }
    return positions
  }

  /// The pattern of `matrix` (see `init(order:columnStart:rowIndices:levelScheduled:)`).
  init(_ matrix: SparseMatrix, levelScheduled: Bool? = nil) {
    self.init(
      order: matrix.order, columnStart: matrix.columnStart, rowIndices: matrix.rowIndices,
      levelScheduled: levelScheduled)
  }

  /// Column-wise `values` rearranged row-wise.
  ///
  /// - Complexity: O(nonzeros).
  func rowWise(_ values: [Double]) -> [Double] {
    let count = values.count
    return hugePageArray(count: count) { result in
      values.withUnsafeBufferPointer { values in
        columnPosition.withUnsafeBufferPointer { position in
          ParallelBlocks.forEach(
            count: count, blockLength: 1 << 16, parallel: ParallelBlocks.isParallel(work: count)
          ) { _, entries in
            for r in entries { result[r] = values[position[r]] }
          }
        }
      }
    }
  }
}
