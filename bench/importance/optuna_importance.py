# Optuna's importance evaluators on the trial sets bench/importance/run.mjs hands over (JSON on stdin:
# [{space: {name: {type, min, max, values}}, trials: [{params, value}]}]): fANOVA (its default; needs
# scikit-learn) and PED-ANOVA where the version has it. Prints, per set, each evaluator's normalised
# importances and its time in milliseconds.
import json, sys, time, warnings
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.importance import FanovaImportanceEvaluator, get_param_importances

optuna.logging.set_verbosity(optuna.logging.ERROR)
# PED-ANOVA is marked experimental in 4.7; the warning would fill the benchmark's output
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
try:
    from optuna.importance import PedAnovaImportanceEvaluator
except ImportError:
    PedAnovaImportanceEvaluator = None

def dist(d):
    if d["type"] == "categorical":
        return CategoricalDistribution(d["values"])
    return FloatDistribution(d["min"], d["max"], log=d["type"] == "log_uniform_values")

out = []
for s in json.load(sys.stdin):
    dists = {k: dist(d) for k, d in s["space"].items()}
    study = optuna.create_study()
    study.add_trials([optuna.trial.create_trial(params=t["params"], distributions=dists, value=t["value"]) for t in s["trials"]])
    row = {}
    evaluators = {"fanova": lambda: FanovaImportanceEvaluator(seed=0)}
    if PedAnovaImportanceEvaluator is not None:
        evaluators["ped-anova"] = lambda: PedAnovaImportanceEvaluator()
    for name, make in evaluators.items():
        t0 = time.perf_counter()
        imp = get_param_importances(study, evaluator=make())
        row[name] = {"importances": dict(imp), "ms": 1000 * (time.perf_counter() - t0)}
    out.append(row)
print(json.dumps({"version": optuna.__version__, "sets": out}))
