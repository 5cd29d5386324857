// Shim over SuiteSparse's UMFPACK (sparse LU) and AMD (its ordering) for LagrangeProp.
// Debian: libsuitesparse-dev, which installs its headers under
// /usr/include/suitesparse and ships no pkg-config file for UMFPACK, so the
// libraries are named by the link directives of module.modulemap.
// The name is deliberately unlike any system header so that it never
// shadows one on the include path.
#ifndef LAGRANGEPROP_SUITESPARSE_SHIM_H
#define LAGRANGEPROP_SUITESPARSE_SHIM_H

#if __has_include(<suitesparse/umfpack.h>)
#include <suitesparse/umfpack.h>
#include <suitesparse/amd.h>
#else
#include <umfpack.h>
#include <amd.h>
#endif

#endif
