// The blog chain (see include/blog_chain_baseline.h): the same operations in the
// same order as the compiled program, so the answers agree to the last bits
// except for the order of the objective's sum.
#include "blog_chain_baseline.h"

#include <math.h>

double lp_blog_chain_forward(size_t steps, double x0, double y) {
  double h = 0.5 * x0;
  double total = 0.0;
  for (size_t k = 0; k < steps; k++) {
    double a = exp(h);
    double c = a + a * a + y;
    h = 0.5 * tanh(c) + 0.5 * sin(c);
    total += h;
  }
  return total * (2.0 / (double)steps);
}

double lp_blog_chain_gradient(size_t steps, double x0, double y, double *tape, double *gradient) {
  double h = 0.5 * x0;
  double total = 0.0;
  for (size_t k = 0; k < steps; k++) {
    double a = exp(h);
    double c = a + a * a + y;
    double d = tanh(c);
    tape[3 * k] = a;
    tape[3 * k + 1] = d;
    tape[3 * k + 2] = cos(c);
    h = 0.5 * d + 0.5 * sin(c);
    total += h;
  }
  const double weight = 2.0 / (double)steps;  // ∂f/∂h_k
  double hBar = weight;                         // the adjoint of h_K
  double yBar = 0.0;
  for (size_t j = steps; j-- > 0;) {
    const double a = tape[3 * j];
    const double d = tape[3 * j + 1];
    const double cBar = 0.5 * hBar * (1.0 - d * d + tape[3 * j + 2]);
    yBar += cBar;
    const double inBar = cBar * (1.0 + 2.0 * a) * a;  // the adjoint of h_{k−1}
    hBar = inBar + (j > 0 ? weight : 0.0);
  }
  gradient[0] = 0.5 * hBar;  // h_0 = 0.5·x0 (hBar is the adjoint of h_0 here, without a weight)
  gradient[1] = yBar;
  return total * weight;
}
