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

#endif
