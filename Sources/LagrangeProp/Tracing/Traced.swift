/// A value computed inside `Program.trace`: it stands for one variable of the
/// program being recorded, or for an affine combination of a few of them.
///
/// Write ordinary Swift with it: `+ − * /` and unary `−` between `Traced` values
/// and with `Double` on either side; `exp`, `log`, `sin`, `cos`, `tanh`, `sigmoid`,
/// `sqrt`, `square`, `pow(_:_:)`, `sum(_:)`, `product(_:)` and `dot(_:_:)`.
///
/// Affine operations are folded rather than recorded one by one: `2 * x + 1`,
/// `a + b + y`, `0.5 * (d + e)` stay *pending* as `c₀ + Σ_k c_k·z_k` (up to eight
/// terms, kept inline: no allocation) and become one `.sum`, `.linear` or
/// `.affine` constraint when a nonlinear function, a `define` or the objective
/// first needs them — once, however often they are used. Nonlinear operations
/// record one constraint each (`x * x` records `.square`).
///
/// A `Traced` belongs to the trace that made it. Mixing values of two traces,
/// or using a value after its trace returned, is a misuse that the tracer
/// records (operators cannot throw) and `Program.trace` throws.
public struct Traced {
  /// The tracer that made the value.
  let tracer: Tracer
  /// The value is `constant + Σ_{k < count} coefficients[k] · z[indices[k]]`.
  var indices: SIMD8<Int32>
  var coefficients: SIMD8<Double>
  var constant: Double
  /// The number of terms, `1 ... Traced.capacity`; `0` for a value poisoned by a
  /// recorded misuse (every operation on it yields a poisoned value, silently).
  var count: Int32
  /// Identifies a composite value, so that storing it twice reuses the first
  /// variable; `0` for a plain variable.
  var serial: UInt64

  /// The most terms a pending affine value keeps inline.
  static let capacity: Int32 = 8

  /// The variable `z_i` itself.
  @inline(__always)
  init(variable i: Int32, tracer: Tracer) {
    self.tracer = tracer
    indices = SIMD8(repeating: i)
    coefficients = SIMD8(repeating: 0)
    coefficients[0] = 1
    constant = 0
    count = 1
    serial = 0
  }

  /// A value poisoned by a misuse already recorded (or made by a finished trace).
  @inline(__always)
  init(poisonedBy tracer: Tracer) {
    self.tracer = tracer
    indices = SIMD8(repeating: -1)
    coefficients = SIMD8(repeating: 0)
    constant = 0
    count = 0
    serial = 0
  }

  /// A composite value with the given terms (a fresh serial is drawn).
  @inline(__always)
  init(
    tracer: Tracer, indices: SIMD8<Int32>, coefficients: SIMD8<Double>, constant: Double,
    count: Int32
  ) {
    self.tracer = tracer
    self.indices = indices
    self.coefficients = coefficients
    self.constant = constant
    self.count = count
    self.serial = tracer.drawSerial()
  }

  /// Whether the value is one variable, unscaled (`z_i` itself).
  @inline(__always)
  var isPlain: Bool { count == 1 && coefficients[0] == 1 && constant == 0 }

  /// Whether the value is `c·z_i` for one variable (no constant term).
  @inline(__always)
  var isScaledVariable: Bool { count == 1 && constant == 0 }

  /// Whether a misuse poisoned the value.
  @inline(__always)
  var isPoisoned: Bool { count == 0 }

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
    let id = tracer.graph.id
    if isPoisoned { return Variable(-1, graph: id) }
    if isPlain { return Variable(Int(indices[0]), graph: id) }
    if tracer.isOpen { return Variable(Int(tracer.store(self)), graph: id) }
    if let i = tracer.storedIndex(of: self) { return Variable(Int(i), graph: id) }
    return Variable(-1, graph: id)
  }
}

extension Traced: CustomStringConvertible {
  /// The variable's name (`x`, `z#5`) or a description of a pending affine value.
  public var description: String { tracer.describe(self) }
}
