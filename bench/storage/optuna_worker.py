# One benchmark process for Optuna 3.1 on SQLite: N trials of (ask with one parameter, 10 reports, tell).
import json, math, random, sys, time
import optuna
from sqlalchemy.exc import OperationalError

optuna.logging.set_verbosity(optuna.logging.ERROR)
url, name, n, start_at = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
study = optuna.load_study(study_name=name, storage=url, sampler=optuna.samplers.RandomSampler())
time.sleep(max(0.0, start_at / 1000 - time.time()))
locked = done = 0
t0 = time.perf_counter()
for i in range(n):
    try:
        t = study.ask()
        t.suggest_float("lr", 1e-4, 1e-1, log=True)
        for step in range(10):
            t.report(3 - step * 0.1, step)
        study.tell(t, 2.0)
        done += 1
    except OperationalError as e:
        if "locked" in str(e) or "busy" in str(e):
            locked += 1
        else:
            raise
secs = time.perf_counter() - t0
print(json.dumps({"done": done, "locked": locked, "secs": secs, "end": time.time() * 1000}))
