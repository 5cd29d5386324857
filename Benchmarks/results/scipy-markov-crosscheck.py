import numpy as np, scipy, scipy.sparse as sp, scipy.sparse.linalg as sla, time, sys
n = int(sys.argv[1]); t = 8; gamma = 0.9
rng = np.random.default_rng(7)
rows = np.repeat(np.arange(n), t); cols = rng.integers(0, n, size=n*t)
w = rng.random(n*t); w = w.reshape(n, t); w /= w.sum(axis=1, keepdims=True)
P = sp.csr_matrix((w.ravel(), (rows, cols)), shape=(n, n))
A = (sp.identity(n, format='csr') - gamma * P).tocsr()
AT = A.T.tocsr()
r = rng.random(n); wt = rng.uniform(-1, 1, n)
for rep in range(3):
    t0 = time.perf_counter()
    v, info1 = sla.gmres(A, r, rtol=1e-12, restart=50, maxiter=1000)
    lam, info2 = sla.gmres(AT, wt, rtol=1e-12, restart=50, maxiter=1000)
    t1 = time.perf_counter()
    print(f"scipy {scipy.__version__} n={n}: forward + adjoint GMRES(50), rtol 1e-12, no preconditioner: {1000*(t1-t0):.0f} ms, info {info1},{info2}, residuals {np.linalg.norm(A@v-r)/np.linalg.norm(r):.1e} {np.linalg.norm(AT@lam-wt)/np.linalg.norm(wt):.1e}")
