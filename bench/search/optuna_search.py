# Optuna's samplers on the benchmark problems of bench/search/problems.mjs (same definitions), and on
# the Step Law cells (lr and batch searched on a log scale, snapped to the nearest run). Whichever Optuna
# is imported: Debian's 3.1 (TPE, random), or 4.7 from ../shared/peers on PYTHONPATH (GPSampler and the
# newer TPE); a sampler the version lacks is left out. A cells file of "-" skips the cells.
import json, math, sys, time
import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)
trials, seeds, cells_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
V = optuna.__version__

def branin(p):
    x1, x2 = p["x1"], p["x2"]
    return (x2 - 5.1 / (4 * math.pi ** 2) * x1 * x1 + 5 / math.pi * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x1) + 10

A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991], [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
def hartmann6(p):
    x = [p[f"x{i}"] for i in range(6)]
    return -sum(a * math.exp(-sum(A[i][j] * (x[j] - P[i][j] * 1e-4) ** 2 for j in range(6))) for i, a in enumerate([1.0, 1.2, 3.0, 3.2]))
def ackley(p):
    x = list(p.values()); d = len(x)
    return -20 * math.exp(-0.2 * math.sqrt(sum(v * v for v in x) / d)) - math.exp(sum(math.cos(2 * math.pi * v) for v in x) / d) + 20 + math.e
def rosenbrock(p):
    x = [p[f"x{i}"] for i in range(len(p))]
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))
def michalewicz(p):
    return -sum(math.sin(x) * math.sin((i + 1) * x * x / math.pi) ** 20 for i, x in enumerate(p[f"x{i}"] for i in range(len(p))))
def griewank(p):
    x = [p[f"x{i}"] for i in range(len(p))]
    return 1 + sum(v * v for v in x) / 4000 - math.prod(math.cos(v / math.sqrt(i + 1)) for i, v in enumerate(x))

PROBLEMS = {
    "branin": ({"x1": (-5, 10), "x2": (0, 15)}, 0.397887, branin),
    "hartmann6": ({f"x{i}": (0, 1) for i in range(6)}, -3.32237, hartmann6),
    "ackley5": ({f"x{i}": (-32.768, 32.768) for i in range(5)}, 0.0, ackley),
    "rosenbrock4": ({f"x{i}": (-5, 10) for i in range(4)}, 0.0, rosenbrock),
    "michalewicz5": ({f"x{i}": (0, math.pi) for i in range(5)}, -4.687658, michalewicz),
    "rosenbrock8": ({f"x{i}": (-5, 10) for i in range(8)}, 0.0, rosenbrock),
    "hartmann6in20": ({f"x{i}": (0, 1) for i in range(20)}, -3.32237, hartmann6),
    "griewank6": ({f"x{i}": (-50, 50) for i in range(6)}, 0.0, griewank),
}
if V.startswith("3."):
    SAMPLERS = {
        "optuna-random": lambda s: optuna.samplers.RandomSampler(seed=s),
        "optuna-tpe": lambda s: optuna.samplers.TPESampler(seed=s),
        "optuna-tpe-mv": lambda s: optuna.samplers.TPESampler(seed=s, multivariate=True),
    }
else:
    SAMPLERS = {
        f"optuna{V}-gp": lambda s: optuna.samplers.GPSampler(seed=s),
        f"optuna{V}-tpe-mv": lambda s: optuna.samplers.TPESampler(seed=s, multivariate=True),
    }
only = [x for x in sys.argv[4].split(",") if x] if len(sys.argv) > 4 else None
if only:
    PROBLEMS = {k: v for k, v in PROBLEMS.items() if k in only}
out = {"functions": {}, "cells": {}}
for pname, (space, fmin, f) in PROBLEMS.items():
    for sname, make in SAMPLERS.items():
        runs = []
        for seed in range(seeds):
            study = optuna.create_study(sampler=make(seed))
            best, curve, times = math.inf, [], []
            for _ in range(trials):
                t0 = time.perf_counter()
                t = study.ask()
                p = {k: t.suggest_float(k, lo, hi) for k, (lo, hi) in space.items()}
                times.append(time.perf_counter() - t0)
                v = f(p)
                study.tell(t, v)
                best = min(best, v)
                curve.append(best - fmin)
            runs.append({"curve": curve, "times": times})
        out["functions"].setdefault(pname, {})[sname] = runs

cells = json.load(open(cells_file)) if cells_file != "-" else {}
for key, runs_in_cell in cells.items():
    lrs = [r[0] for r in runs_in_cell]; bss = [r[1] for r in runs_in_cell]
    best_loss = min(r[2] for r in runs_in_cell)
    for sname, make in SAMPLERS.items():
        counts = []
        for seed in range(seeds):
            study = optuna.create_study(sampler=make(seed))
            n_hit = None
            for i in range(trials):
                t = study.ask()
                lr = t.suggest_float("lr", min(lrs), max(lrs), log=True)
                bs = t.suggest_float("bs", min(bss), max(bss), log=True)
                r = min(runs_in_cell, key=lambda q: (math.log(q[0]) - math.log(lr)) ** 2 + (math.log(q[1]) - math.log(bs)) ** 2)
                study.tell(t, r[2])
                if r[2] <= best_loss * 1.0025:
                    n_hit = i + 1
                    break
            counts.append(n_hit if n_hit is not None else trials + 1)
        out["cells"].setdefault(key, {})[sname] = counts
print(json.dumps(out))
