import LagrangeProp

/// The reciprocal condition estimate a gradient result reports (`nil` for the sweep).
func reportedReciprocalCondition(_ g: GradientResult) -> Double? { nil }
