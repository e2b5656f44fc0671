"""The peer of bench/ladder/run.mjs: Optuna 3.1's TPE searching lr and batch size at each scale of the
simulated ladder, with the same budget per scale, on the same simulated objective (the formulas of
src/backends/sim/model.ts, ported: final loss only, no learning curve). Optuna has no scale ladder:
each scale is its own study, and it fits no law. Prints JSON: per scale the best parameters and every
completed run, and the wall time.

Usage: python3 optuna_ladder.py <ladder.json> <seed>
"""
import json
import math
import random
import sys
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)

spec = json.load(open(sys.argv[1]))
seed = int(sys.argv[2])
c = spec["constants"]


def law(N, d):
    return c["E"] + c["A"] / N ** c["alpha"] + c["B"] / d ** c["beta"]


def loss(N, D, lr, batch, rng):
    lr_star = c["lrCoef"] * N ** c["lrExpN"] * D ** c["lrExpD"]
    b_star = c["batchCoef"] * D ** c["batchExpD"]
    u = math.log(lr / lr_star)
    if u > c["lrDiverge"]:
        return float("nan")
    v = math.log(batch / b_star)
    pen = (c["lrCurv"] * u * u if u <= 0 else c["lrCurv"] * u * u * (1 + c["lrSkew"] * u)) + c["bCurv"] * v * v
    b_crit = c["bCritStar"] / law(N, D) ** (1 / c["alphaB"])
    eff = D / (1 + max(0.0, batch - b_star) / b_crit)
    return law(N, max(1.0, eff)) * (1 + pen) * (1 + c["noise"] * rng.gauss(0, 1))


out = []
t0 = time.time()
for i, s in enumerate(spec["scales"]):
    rng = random.Random(seed * 1000 + i)

    def objective(trial):
        lr = trial.suggest_float("lr", spec["lr"][0], spec["lr"][1], log=True)
        bs = trial.suggest_int("batch_size", spec["batch"][0], spec["batch"][1], log=True)
        return loss(s["params"], s["tokens"], lr, bs * spec["seq_len"], rng)

    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed + i))
    study.optimize(objective, n_trials=spec["run_cap"])
    done = [t for t in study.trials if t.value is not None and not math.isnan(t.value)]
    best = min(done, key=lambda t: t.value)
    runs = [{"lr": t.params["lr"], "batch_size": t.params["batch_size"], "loss": t.value} for t in done]
    out.append({"name": s["name"], "lr": best.params["lr"], "batch_size": best.params["batch_size"], "loss": best.value, "runs": runs})
print(json.dumps({"seconds": time.time() - t0, "scales": out}))
