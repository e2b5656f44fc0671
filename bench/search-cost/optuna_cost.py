# Optuna 4.7's GPSampler (which does not model cost) on Hartmann-6, for bench/search-cost/run.mjs:
# each trial's x0 (what the cost depends on) and value, per seed.
import json, math, sys
import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)
trials, seeds = int(sys.argv[1]), int(sys.argv[2])
A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991], [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
def hartmann6(x):
    return -sum(a * math.exp(-sum(A[i][j] * (x[j] - P[i][j] * 1e-4) ** 2 for j in range(6))) for i, a in enumerate([1.0, 1.2, 3.0, 3.2]))
out = []
for seed in range(seeds):
    study = optuna.create_study(sampler=optuna.samplers.GPSampler(seed=seed))
    run = []
    for _ in range(trials):
        t = study.ask()
        x = [t.suggest_float(f"x{i}", 0, 1) for i in range(6)]
        v = hartmann6(x)
        study.tell(t, v)
        run.append([x[0], v])
    out.append(run)
print(json.dumps(out))
