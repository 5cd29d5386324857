// The physical floor of `lagrange-bench cheap-gradient`: the blog chain of
// Benchmarks/lagrange-bench/Problems/BlogChain.swift as a plain C loop and its
// hand-written adjoint (compiled with -O2).
#ifndef LAGRANGEPROP_BLOG_CHAIN_BASELINE_H
#define LAGRANGEPROP_BLOG_CHAIN_BASELINE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The objective f = (2/K) Σ_k h_k of the chain h_0 = 0.5·x0,
/// a = exp(h), b = a², c = a + b + y, h' = 0.5·tanh(c) + 0.5·sin(c), K steps,
/// by a plain forward loop (no tape). O(K) time, O(1) memory.
double lp_blog_chain_forward(size_t steps, double x0, double y);

/// The objective and its gradient (∂f/∂x0, ∂f/∂y) by a forward loop that writes
/// a tape of 3 doubles per step (a, tanh c, cos c) into `tape` (3·steps entries,
/// supplied by the caller so that repeated calls fault in no fresh pages), then
/// the hand-written reverse loop. Returns f; writes the gradient to gradient[0..1].
double lp_blog_chain_gradient(size_t steps, double x0, double y, double *tape, double *gradient);

#ifdef __cplusplus
}
#endif

#endif
