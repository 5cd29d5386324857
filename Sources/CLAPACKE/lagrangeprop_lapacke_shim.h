// Shim over LAPACKE and CBLAS for LagrangeProp.
// Debian: liblapacke-dev (LAPACKE) and libopenblas-dev (BLAS, CBLAS, LAPACK).
// The name is deliberately unlike any system header so that it never
// shadows one on the include path.
#ifndef LAGRANGEPROP_LAPACKE_SHIM_H
#define LAGRANGEPROP_LAPACKE_SHIM_H

#include <lapacke.h>
#include <cblas.h>

// Thread control of OpenBLAS (declared here so that the benchmark can report
// and set the thread count without depending on openblas_config.h).
int openblas_get_num_threads(void);
void openblas_set_num_threads(int num_threads);

// sin and cos of one argument in one call (the sweep's `sin` partial). glibc's
// `sincos` (a GNU extension, declared by math.h only under _GNU_SOURCE) shares
// sin's and cos's code paths and returns the same bits; elsewhere two calls.
#include <math.h>
#if defined(__GLIBC__)
void sincos(double x, double *sine, double *cosine);
static inline void lagrangeprop_sincos(double x, double *sine, double *cosine) {
  sincos(x, sine, cosine);
}
#else
static inline void lagrangeprop_sincos(double x, double *sine, double *cosine) {
  *sine = sin(x);
  *cosine = cos(x);
}
#endif

// Asks for the cache line at `address` ahead of a read (a hint: no effect on
// results; the latency-bound loops over scattered sparse rows use it).
static inline void lagrangeprop_prefetch(const void *address) {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(address, 0, 3);
#endif
}

#endif
