# The same two fits in Python with scipy's L-BFGS-B, for the side-by-side benchmark.
# Chinchilla: Epoch's procedure (Huber delta=1e-3 on log-residuals of the LSE form, L-BFGS-B with an
# analytic gradient and scipy's default tolerances from each of the 4,500 grid starts, best kept).
# Step Law: the 0.25% band per (N, D) cell, least squares in log space, 1,000 bootstrap resamples.
import csv, json, sys, time
import numpy as np
from scipy.optimize import minimize

data = sys.argv[1]

def chinchilla():
    rows = list(csv.DictReader(open(f"{data}/epoch_chinchilla_svg_extracted_data.csv")))
    rows.sort(key=lambda r: -float(r["loss"]))
    rows = rows[5:]
    N = np.array([float(r["Model Size"]) for r in rows]); C = np.array([float(r["Training FLOP"]) for r in rows])
    L = np.array([float(r["loss"]) for r in rows]); D = C / (6 * N)
    lN, lD, lL = np.log(N), np.log(D), np.log(L)
    delta = 1e-3

    def f(x):
        a, b, e, al, be = x
        t = np.stack([a - al * lN, b - be * lD, np.full_like(lN, e)])
        mx = t.max(axis=0); ex = np.exp(t - mx); s = ex.sum(axis=0)
        r = mx + np.log(s) - lL
        ar = np.abs(r)
        small = ar <= delta
        value = np.where(small, 0.5 * r * r, delta * (ar - 0.5 * delta)).sum()
        dr = np.where(small, r, delta * np.sign(r))
        w = dr * ex / s
        return value, np.array([w[0].sum(), w[1].sum(), w[2].sum(), -(w[0] * lN).sum(), -(w[1] * lD).sum()])

    t0 = time.perf_counter()
    best = None
    for al in np.arange(0, 2.01, 0.5):
        for be in np.arange(0, 2.01, 0.5):
            for e in np.arange(-1, 1.01, 0.5):
                for a in np.arange(0, 25.01, 5):
                    for b in np.arange(0, 25.01, 5):
                        r = minimize(f, [a, b, e, al, be], jac=True, method="L-BFGS-B")
                        if np.isfinite(r.fun) and (best is None or r.fun < best.fun):
                            best = r
    secs = time.perf_counter() - t0
    a, b, e, al, be = best.x
    return {"seconds": secs, "objective": float(best.fun), "params": {"E": float(np.exp(e)), "A": float(np.exp(a)), "B": float(np.exp(b)), "alpha": float(al), "beta": float(be)}}

def steplaw():
    rows = list(csv.DictReader(open(f"{data}/steplaw_dense_lr_bs_loss.csv")))
    t0 = time.perf_counter()
    cells = {}
    for r in rows:
        cells.setdefault((r["N"], r["D"]), []).append(r)
    kept = []
    for c in cells.values():
        best = min(float(r["smooth loss"]) for r in c)
        kept += [r for r in c if float(r["smooth loss"]) <= best * 1.0025]
    lN = np.log([float(r["N"]) for r in kept]); lD = np.log([float(r["D"]) for r in kept])
    llr = np.log([float(r["lr"]) for r in kept]); lbs = np.log([float(r["bs"]) * 2048 for r in kept])
    X1 = np.column_stack([np.ones_like(lN), lN, lD]); X2 = np.column_stack([np.ones_like(lD), lD])
    def fit(idx):
        c1 = np.linalg.lstsq(X1[idx], llr[idx], rcond=None)[0]
        c2 = np.linalg.lstsq(X2[idx], lbs[idx], rcond=None)[0]
        return c1, c2
    c1, c2 = fit(np.arange(len(kept)))
    rng = np.random.default_rng(1)
    boots = [fit(rng.integers(0, len(kept), len(kept))) for _ in range(1000)]
    secs = time.perf_counter() - t0
    sse = float(((X1 @ c1 - llr) ** 2).sum())
    return {"seconds": secs, "objective": sse, "params": {"a": float(np.exp(c1[0])), "alpha": float(c1[1]), "beta": float(c1[2]), "b": float(np.exp(c2[0])), "gamma": float(c2[1])}, "resamples": len(boots)}

print(json.dumps({"chinchilla": chinchilla(), "steplaw": steplaw()}))
