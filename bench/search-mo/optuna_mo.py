# Optuna 4.7's multi-objective samplers (GPSampler, TPE, NSGA-II) on the problems of
# bench/search-mo/problems.mjs (same definitions): each trial's objective vector, per seed.
import json, math, sys, time
import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)
trials, seeds, only = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(",")
D = 6

def zdt(kind):
    def f(x):
        g = 1 + 9 * sum(x[1:]) / (len(x) - 1)
        h = {"1": 1 - math.sqrt(x[0] / g), "2": 1 - (x[0] / g) ** 2, "3": 1 - math.sqrt(x[0] / g) - (x[0] / g) * math.sin(10 * math.pi * x[0])}[kind]
        return [x[0], g * h]
    return f

def dtlz2(x, m=3):
    g = sum((v - 0.5) ** 2 for v in x[m - 1:])
    out = []
    for i in range(m):
        v = 1 + g
        for j in range(m - 1 - i):
            v *= math.cos(x[j] * math.pi / 2)
        if i > 0:
            v *= math.sin(x[m - 1 - i] * math.pi / 2)
        out.append(v)
    return out

PROBLEMS = {"zdt1": (2, zdt("1")), "zdt2": (2, zdt("2")), "zdt3": (2, zdt("3")), "dtlz2": (3, dtlz2)}
SAMPLERS = {
    "optuna-gp": lambda s: optuna.samplers.GPSampler(seed=s),
    "optuna-tpe": lambda s: optuna.samplers.TPESampler(seed=s),
    "optuna-nsga2": lambda s: optuna.samplers.NSGAIISampler(seed=s),
}
out = {}
for pname in only:
    m, f = PROBLEMS[pname]
    for sname, make in SAMPLERS.items():
        runs = []
        for seed in range(seeds):
            study = optuna.create_study(directions=["minimize"] * m, sampler=make(seed))
            ys, times = [], []
            for _ in range(trials):
                t0 = time.perf_counter()
                t = study.ask()
                x = [t.suggest_float(f"x{i}", 0, 1) for i in range(D)]
                times.append(time.perf_counter() - t0)
                y = f(x)
                study.tell(t, y)
                ys.append(y)
            runs.append({"ys": ys, "times": times})
        out.setdefault(pname, {})[sname] = runs
        print(f"{pname} {sname} done", file=sys.stderr, flush=True)
print(json.dumps(out))
