/// GMRES solvers kept from one call to the next (by a `Program.Workspace`), by
/// program and block: a block whose Jacobian comes back unchanged, entry by
/// entry, reuses its solver — ILU(0) factors, equilibrated operator and
/// singularity check — instead of building it again.
///
/// Only one program's solvers are kept at a time, and a block's solver is
/// released before its replacement is built, so the memory held is that of
/// one set of solvers.
struct KeptKrylovSolvers {
  private struct Entry {
    /// The program's structure cache: shared by the program and its copies,
    /// kept alive here, so identity comparison names the program.
    let structure: SparseStructureCache
    let range: Range<Int>
    var solver: KrylovSolver
  }

  private var entries: [Entry] = []
  /// How many times a kept solver was reused.
  private(set) var reuseCount = 0

  /// The GMRES solver (ILU(0) preconditioner) for block `range` of `program`
  /// with Jacobian `matrix`: the kept one when its matrix and settings are
  /// the same, else a new one, which is kept. `checked` asks for the
  /// singularity check to be started (a kept solver without one starts it).
  ///
  /// - Complexity: O(nonzeros) to compare the kept matrix; building a solver
  ///   costs that of ILU(0) (`KrylovSolver`).
  mutating func solver(
    for matrix: SparseMatrix, range: Range<Int>, program: Program, settings: KrylovSettings,
    checked: Bool
  ) -> KrylovSolver {
    let structure = program.sparseStructure
    if let i = entries.firstIndex(where: { $0.structure === structure && $0.range == range }) {
      let kept = entries[i].solver
      if kept.settings == settings && kept.matrix.values == matrix.values {
        if checked && !kept.isCheckStarted {
          entries[i].solver = kept.startingSingularityCheck()
        }
        reuseCount += 1
        return entries[i].solver
      }
      entries.remove(at: i)
    }
    entries.removeAll { $0.structure !== structure }
    let solver = program.krylovSolver(
      for: matrix, range: range, settings: settings, checked: checked)
    entries.append(Entry(structure: structure, range: range, solver: solver))
    return solver
  }

  /// The bytes the kept solvers hold (an estimate, see `KrylovSolver.byteCount`).
  var byteCount: Int { entries.reduce(0) { $0 + $1.solver.byteCount } }
}

extension Program {
  /// A new GMRES solver (ILU(0)) for the block `range` with Jacobian `matrix`,
  /// on the program's kept two-way pattern of `range` and Krylov basis pool
  /// (the solves of the next call on the block reuse its basis), its
  /// singularity check started when `checked`.
  ///
  /// - Complexity: that of ILU(0) (`KrylovSolver`); the pattern on first use.
  func krylovSolver(
    for matrix: SparseMatrix, range: Range<Int>, settings: KrylovSettings, checked: Bool
  ) -> KrylovSolver {
    let solver = KrylovSolver(
      matrix, settings: settings, preconditioner: .incompleteLU,
      pattern: sparseStructure.orientations(range) { SparsePattern(matrix) },
      bases: sparseStructure.krylovBases(range))
    return checked ? solver.startingSingularityCheck() : solver
  }
}
