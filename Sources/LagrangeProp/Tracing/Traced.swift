/// A value computed inside `Program.trace`: it stands for one variable of the
/// program being recorded, or for an affine combination of variables.
///
/// Write ordinary Swift with it: `+ − * /` and unary `−` between `Traced` values
/// and with `Double` on either side; `exp`, `log`, `sin`, `cos`, `tanh`, `sigmoid`,
/// `sqrt`, `square`, `pow(_:_:)`, `sum(_:)`, `product(_:)` and `dot(_:_:)`.
///
/// Affine operations are folded rather than recorded one by one: `2 * x + 1`,
/// `a + b + y`, `0.5 * (d + e)`, `dot(w, xs)` stay *pending* as `c₀ + Σ_k c_k·z_k`
/// and become one `.sum`, `.linear` or `.affine` constraint when a nonlinear
/// function, a `define`/`constrain` or the objective first needs them — once,
/// however often they are used. Nonlinear operations record one constraint each
/// (`x * x` records `.square`). (`+` and scaling store an operand of more than
/// 64 terms first, so that long chains `s = s + x` stay linear in time; `sum` and
/// `dot` fold any number of terms.)
///
/// A `Traced` is two words: its tracer and a number. It belongs to the trace that
/// made it: mixing values of two traces, or using a value after its trace
/// returned, is a misuse that the tracer records (operators cannot throw) and
/// `Program.trace` throws.
public struct Traced {
  /// The tracer that made the value.
  let tracer: Tracer
  /// `≥ 0`: the variable `z_id` itself; `≤ -2`: the pending affine value number
  /// `-id - 2` of the tracer; `-1`: a value poisoned by a recorded misuse (every
  /// operation on it yields a poisoned value, silently).
  let id: Int32

  /// The variable `z_i` itself.
  @inline(__always)
  init(variable i: Int32, tracer: Tracer) {
    self.tracer = tracer
    self.id = i
  }

  /// The pending affine value number `c`.
  @inline(__always)
  init(composite c: Int32, tracer: Tracer) {
    self.tracer = tracer
    self.id = -c - 2
  }

  /// A value poisoned by a misuse already recorded (or made by a finished trace).
  @inline(__always)
  init(poisonedBy tracer: Tracer) {
    self.tracer = tracer
    self.id = -1
  }

  /// Whether a misuse poisoned the value.
  @inline(__always)
  var isPoisoned: Bool { id == -1 }

  /// Whether the value is a variable itself (not pending, not poisoned).
  @inline(__always)
  var isVariable: Bool { id >= 0 }

  /// The number of the pending affine value (`id ≤ -2`).
  @inline(__always)
  var composite: Int { Int(-id - 2) }

  /// The variable of the program that holds this value, for indexing the
  /// program's results (`values`, `implicitJacobian()` rows, `tangents`) and for
  /// `program.name(of:)`.
  ///
  /// Inside the trace body, a pending affine value that no operation has stored
  /// yet is stored now (one `.sum`, `.linear` or `.affine` constraint). After the
  /// trace returned, nothing can be stored any more: a pending value that was never
  /// stored (and a value poisoned by a misuse) then has no variable, and this
  /// property returns a handle with index `-1` that every program and graph
  /// refuses with `.unknownVariable`. Ask for the variables you need inside the body.
  ///
  /// - Complexity: O(1); storing a pending value is O(its terms).
  public var variable: Variable {
    let graphID = tracer.graph.id
    if isPoisoned { return Variable(-1, graph: graphID) }
    if isVariable { return Variable(Int(id), graph: graphID) }
    if tracer.isOpen { return Variable(Int(tracer.store(self)), graph: graphID) }
    let stored = composite < tracer.compositeStored.count ? tracer.compositeStored[composite] : -1
    return Variable(Int(stored), graph: graphID)
  }
}

extension Traced: CustomStringConvertible {
  /// The variable's name (`x`, `z#5`) or a description of a pending affine value.
  public var description: String { tracer.describe(self) }
}
