"""scaletune's wandb stand-in: lets a program written for W&B sweeps run as a scaletune trial unchanged.

scaletune puts the folder holding this package first on the trainer's PYTHONPATH only when the study
says ``wandb: stand-in``. ``wandb.init`` reads the trial's parameters from ``$SCALETUNE_PARAMS``; every
committed ``wandb.log`` row becomes one JSON report on stdout (scaletune's command protocol), with W&B's
step counting; explicit ``run.summary`` values are reported once more at the end, since a W&B sweep
reads the metric's summary.

Nothing leaves the machine. What W&B does that a local trial cannot (the API, artifacts' downloads,
integrations) fails loudly, naming the attribute, rather than doing nothing in silence.
"""
import atexit as _atexit
import json as _json
import os as _os
import sys as _sys
from collections.abc import Mapping as _Mapping

# PEP 440, so that version checks in user code parse; the API mirrored is that of the 0.19 series
__version__ = "0.19.0+scaletune"

_MISSING = (
    "scaletune's wandb stand-in does not implement {what}; report metrics with wandb.log or print JSON "
    "lines (scaletune's docs/wandb.md), or run without `wandb: stand-in` to use the real wandb"
)


class Error(Exception):
    """Raised where W&B raises wandb.Error (e.g. wandb.log before wandb.init)."""


def _warn(msg):
    print(f"wandb: WARNING {msg}", file=_sys.stderr, flush=True)


def termlog(msg="", **_):
    print(f"wandb: {msg}", file=_sys.stderr, flush=True)


def termwarn(msg, **_):
    _warn(msg)


def termerror(msg, **_):
    print(f"wandb: ERROR {msg}", file=_sys.stderr, flush=True)


# ---------------------------------------------------------------- reports on stdout

try:
    # a duplicate of fd 1 taken now: reports reach scaletune even if the program later points
    # sys.stdout or fd 1 somewhere else (loggers and notebooks do)
    _OUT_FD = _os.dup(1)
except OSError:
    _OUT_FD = None


def _emit(obj):
    line = (_json.dumps(obj) + "\n").encode()
    try:
        _sys.stdout.flush()  # keep the program's own prints before this report
    except Exception:
        pass
    if _OUT_FD is None:
        _sys.stdout.write(line.decode())
        _sys.stdout.flush()
        return
    # one write per line, so that reports of processes sharing the pipe do not interleave
    view = memoryview(line)
    while view:
        n = _os.write(_OUT_FD, view)
        view = view[n:]


def _emit_row(step, row):
    # the step is W&B's own count: a metric the program names `step` cannot replace it
    line = {"step": step}
    line.update((k, v) for k, v in row.items() if k != "step")
    _emit(line)


def _reportable(v):
    """The value as a JSON scalar, or None when it is not one (media, tables, lists)."""
    if isinstance(v, (bool, int, float, str)):
        return v
    item = getattr(v, "item", None)
    if callable(item):
        # numpy scalars and one-element tensors, as W&B accepts them
        try:
            x = item()
        except Exception:
            return None
        if isinstance(x, (bool, int, float)):
            return x
    return None


def _flatten(data, prefix="", out=None):
    out = {} if out is None else out
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, _Mapping):
            _flatten(v, f"{key}/", out)
        else:
            out[key] = v
    return out


def _scalars(flat):
    out = {}
    for k, v in flat.items():
        x = _reportable(v)
        if x is not None:
            out[k] = x
    return out


# ---------------------------------------------------------------- config and summary


def _as_dict(config, what="wandb.init(config=...)"):
    if config is None:
        return {}
    if isinstance(config, _Mapping):
        return dict(config)
    if hasattr(config, "__dict__") and not isinstance(config, type):
        # argparse.Namespace and other plain objects, as W&B reads them
        return {k: v for k, v in vars(config).items() if not k.startswith("_")}
    raise TypeError(f"{what} takes a dict or an argparse Namespace; found {type(config).__name__}")


class _Items:
    """The dict-like part of config and summary: keys by item or by attribute."""

    _what = "items"

    def __init__(self, items=None):
        object.__setattr__(self, "_items", dict(items or {}))

    def _set(self, key, value):
        self._items[key] = value

    def get(self, key, default=None):
        return self._items.get(key, default)

    def keys(self):
        return self._items.keys()

    def items(self):
        return self._items.items()

    def values(self):
        return self._items.values()

    def __getitem__(self, key):
        return self._items[key]

    def __setitem__(self, key, value):
        self._set(key, value)

    def __setattr__(self, key, value):
        self._set(key, value)

    def __delitem__(self, key):
        del self._items[key]

    def __contains__(self, key):
        return key in self._items

    def __iter__(self):
        return iter(self._items)

    def __len__(self):
        return len(self._items)

    def __getattr__(self, key):
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            return self._items[key]
        except KeyError:
            raise AttributeError(f"{self._what} has no key {key!r}; it has: {', '.join(map(str, self._items)) or 'none'}") from None

    def __repr__(self):
        return repr(self._items)


class Config(_Items):
    """``run.config``: the trial's parameters over the program's defaults."""

    _what = "wandb.config"

    def __init__(self, items=None, locked=()):
        super().__init__(items)
        object.__setattr__(self, "_locked", set(locked))

    def _set(self, key, value):
        if key in self._locked:
            if self._items.get(key) != value:
                _warn(f"Config item '{key}' was locked by 'sweep' (ignored update).")
            return
        self._items[key] = value

    def update(self, d=None, allow_val_change=None, **kw):
        for k, v in {**_as_dict(d, "config.update(...)"), **kw}.items():
            self._set(k, v)

    def setdefaults(self, d):
        for k, v in _as_dict(d, "config.setdefaults(...)").items():
            self._items.setdefault(k, v)

    def as_dict(self):
        return dict(self._items)


class Summary(_Items):
    """``run.summary``: values set here are reported once more when the run finishes."""

    _what = "wandb.summary"

    def update(self, d=None, **kw):
        self._items.update({**_as_dict(d, "summary.update(...)"), **kw})


# isinstance(x, Mapping) holds for them: they nest, flatten and convert like dicts
_Mapping.register(_Items)


class _PreInit:
    """What ``wandb.config`` and ``wandb.summary`` are outside a run, as in W&B."""

    def __init__(self, name):
        object.__setattr__(self, "_name", name)

    def _fail(self, *_, **__):
        raise Error(f"You must call wandb.init() before {self._name}")

    __getitem__ = __setitem__ = __contains__ = __iter__ = __len__ = _fail

    def __getattr__(self, key):
        if key.startswith("__"):
            raise AttributeError(key)
        self._fail()

    def __setattr__(self, key, value):
        self._fail()


# ---------------------------------------------------------------- media and artifacts: accepted, not reported


class _Media:
    """Images, tables, histograms…: accepted so that programs run; wandb.log drops them (not numbers)."""

    def __init__(self, *args, **kwargs):
        self._args, self._kwargs = args, kwargs


class Image(_Media):
    pass


class Video(_Media):
    pass


class Audio(_Media):
    pass


class Html(_Media):
    pass


class Object3D(_Media):
    pass


class Molecule(_Media):
    pass


class Histogram(_Media):
    pass


class Table(_Media):
    def __init__(self, columns=None, data=None, **kwargs):
        super().__init__(columns=columns, data=data, **kwargs)
        self.columns = list(columns or [])
        self.data = [list(r) for r in (data or [])]

    def add_data(self, *row):
        self.data.append(list(row))

    def add_column(self, name, data, **_):
        self.columns.append(name)


class _Plot:
    """``wandb.plot.line(...)`` and the rest: each returns a chart, which wandb.log drops."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return lambda *a, **k: _Media(*a, **k)


plot = _Plot()


class Artifact:
    """Files are recorded on the object only; fetching an artifact (download, get) needs W&B's servers."""

    def __init__(self, name, type=None, description=None, metadata=None, **_):
        self.name, self.type, self.description = name, type, description
        self.metadata = dict(metadata or {})
        self.files = []

    def add_file(self, local_path, name=None, **_):
        self.files.append(local_path)

    def add_dir(self, local_path, name=None, **_):
        self.files.append(local_path)

    def add_reference(self, uri, name=None, **_):
        self.files.append(uri)

    def add(self, obj, name, **_):
        pass

    def wait(self, *_, **__):
        return self

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(_MISSING.format(what=f"Artifact.{name}"))


class Settings:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


# ---------------------------------------------------------------- runs


def _trial_params():
    raw = _os.environ.get("SCALETUNE_PARAMS")
    if not raw:
        return {}
    try:
        params = _json.loads(raw)
    except ValueError:
        raise Error(f"SCALETUNE_PARAMS is not JSON: {raw[:80]!r}") from None
    return params if isinstance(params, dict) else {}


def _study():
    return _os.environ.get("SCALETUNE_STUDY")


# the process that first imported wandb in this trial: runs made elsewhere (pool workers) get their own ids
_ROOT_PID = int(_os.environ.setdefault("SCALETUNE_WANDB_ROOT_PID", str(_os.getpid())))
_runs_here = [0]


def _new_id():
    study, number = _study() or "local", _os.environ.get("SCALETUNE_TRIAL_NUMBER", "0")
    base = f"{study}-{number}"
    k = _runs_here[0]
    _runs_here[0] += 1
    if _os.getpid() == _ROOT_PID and k == 0:
        return base
    return f"{base}-{_os.getpid()}-{k}"


class Run:
    """One W&B run; in scaletune a trial is one run (or several, when the program starts several)."""

    def __init__(self, config, project, entity, name, notes, group, job_type, tags, run_id):
        self.config = config
        self.summary = Summary()
        self.id = run_id or _new_id()
        self.name = name or self.id
        self.notes = notes
        self.project = project or _study() or "uncategorized"
        self.entity = entity or "scaletune"
        self.group = group
        self.job_type = job_type
        self.tags = tuple(tags or ())
        self.sweep_id = _study()
        checkpoints = _os.environ.get("SCALETUNE_CHECKPOINT_DIR")
        self.dir = _os.path.dirname(checkpoints) if checkpoints else _os.getcwd()
        self.resumed = False
        self.offline = False
        self.disabled = False
        self._step = 0
        self._pending = {}
        self._committed = None
        self._finished = False

    @property
    def step(self):
        return self._step

    @property
    def path(self):
        return f"{self.entity}/{self.project}/{self.id}"

    @property
    def url(self):
        return self.get_url()

    def get_url(self):
        n = _os.environ.get("SCALETUNE_TRIAL_NUMBER")
        return f"scaletune://{self.project}/trials/{n}" if n is not None else f"scaletune://{self.project}/runs/{self.id}"

    def get_project_url(self):
        return f"scaletune://{self.project}"

    def get_sweep_url(self):
        return f"scaletune://{self.sweep_id}" if self.sweep_id else None

    def _commit(self):
        if self._pending:
            row = _scalars(self._pending)
            if row:
                _emit_row(self._step, row)
            self._committed = self._step
            self._step += 1
        self._pending = {}

    def log(self, data, step=None, commit=None, sync=None):
        """W&B's step rules: a row is committed (one report) by a plain log, by commit=True, or by a later, larger step."""
        if self._finished:
            _warn(f"Run ({self.id}) is finished. The call to `log` will be ignored. Please make sure that you are using an active run.")
            return
        if not isinstance(data, _Mapping):
            raise ValueError("wandb.log must be passed a dictionary")
        if step is not None:
            step = int(step)
            if step < self._step:
                _warn(f"Tried to log to step {step} that is less than the current step {self._step}. Steps must be monotonically increasing, so this data will be ignored.")
                return
            if step > self._step:
                self._commit()
                self._step = step
        elif commit is None:
            commit = True
        self._pending.update(_flatten(data))
        if commit:
            self._commit()

    def finish(self, exit_code=None, quiet=None):
        global run, config, summary
        if self._finished:
            return
        self._commit()
        explicit = _scalars(_flatten(self.summary._items))
        if explicit:
            _emit_row(self._committed if self._committed is not None else 0, explicit)
        self._finished = True
        if run is self:
            run, config, summary = None, _PreInit("wandb.config"), _PreInit("wandb.summary")

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.finish(exit_code=1 if exc_type else 0)
        return False

    # accepted and ignored: they upload files or watch gradients on W&B's servers
    def save(self, *_, **__):
        return []

    def watch(self, *_, **__):
        return None

    def unwatch(self, *_, **__):
        return None

    def define_metric(self, *_, **__):
        return None

    def alert(self, *_, **__):
        return None

    def log_code(self, *_, **__):
        return None

    def mark_preempting(self):
        return None

    def log_artifact(self, artifact, *_, **__):
        return artifact if isinstance(artifact, Artifact) else Artifact(str(artifact))

    def use_artifact(self, artifact, *_, **__):
        return artifact if isinstance(artifact, Artifact) else Artifact(str(artifact))

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(_MISSING.format(what=f"Run.{name}"))


run = None
config = _PreInit("wandb.config")
summary = _PreInit("wandb.summary")


def init(
    project=None,
    entity=None,
    config=None,
    name=None,
    notes=None,
    group=None,
    job_type=None,
    tags=None,
    reinit=None,
    id=None,
    config_exclude_keys=None,
    config_include_keys=None,
    settings=None,
    **_,
):
    """A new run whose config is the program's defaults with the trial's parameters over them (as in a sweep)."""
    g = globals()
    current = g["run"]
    if current is not None and not current._finished:
        if reinit in (False, "return_previous"):
            return current
        current.finish()
    defaults = _as_dict(config)
    if config_include_keys:
        defaults = {k: v for k, v in defaults.items() if k in config_include_keys}
    if config_exclude_keys:
        defaults = {k: v for k, v in defaults.items() if k not in config_exclude_keys}
    params = _trial_params()
    cfg = Config({**defaults, **params}, locked=params.keys())
    new = Run(cfg, project, entity, name, notes, group, job_type, tags, id)
    g["run"], g["config"], g["summary"] = new, new.config, new.summary
    _finish_in_pool_worker()
    return new


def _finish_in_pool_worker():
    # a multiprocessing child (fork) ends with os._exit, which skips atexit; its own finalizers still run
    mp = _sys.modules.get("multiprocessing")
    if mp is not None and mp.parent_process() is not None:
        import multiprocessing.util as mpu

        mpu.Finalize(None, _finish_current, exitpriority=10)


def _finish_current():
    if run is not None:
        run.finish()


def _after_fork_in_child():
    # the child holds a copy of the parent's run: what the parent had pending is the parent's to report
    if run is not None:
        run._pending = {}
        run.summary._items.clear()


_os.register_at_fork(after_in_child=_after_fork_in_child)
_atexit.register(_finish_current)


def _current(what):
    if run is None:
        raise Error(f"You must call wandb.init() before {what}()")
    return run


def log(data, step=None, commit=None, sync=None):
    _current("wandb.log").log(data, step=step, commit=commit)


def finish(exit_code=None, quiet=None):
    if run is not None:
        run.finish(exit_code=exit_code)


def join(exit_code=None, quiet=None):
    finish(exit_code=exit_code)


def login(*_, **__):
    return True


def save(*args, **kwargs):
    return run.save(*args, **kwargs) if run is not None else []


def _nothing(*_, **__):
    return None


# calls sweep programs make that change nothing a local trial reports
setup = require = watch = unwatch = define_metric = alert = _nothing


def log_artifact(artifact, *args, **kwargs):
    return _current("wandb.log_artifact").log_artifact(artifact, *args, **kwargs)


def use_artifact(artifact, *args, **kwargs):
    return _current("wandb.use_artifact").use_artifact(artifact, *args, **kwargs)


def sweep(sweep, entity=None, project=None, prior_runs=None):
    """The study is the sweep: scaletune already searched, so this only names it."""
    return _study() or "scaletune-local"


def agent(sweep_id, function=None, entity=None, project=None, count=None):
    """Runs `function` once: a scaletune trial is one run of the sweep, with the trial's parameters."""
    if function is None:
        raise Error("scaletune's wandb stand-in runs wandb.agent(sweep_id, function=...) only; give the training function")
    function()


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(_MISSING.format(what=f"wandb.{name}"))


class _MissingSubmodules:
    """Last on sys.meta_path: `import wandb.integration.keras` and the like, which the stand-in does not
    ship, fail naming the stand-in, rather than as a bare ModuleNotFoundError that reads as a broken
    install."""

    def find_spec(self, name, path=None, target=None):
        if name.startswith("wandb."):
            raise ModuleNotFoundError(_MISSING.format(what=f"the module {name}"), name=name)
        return None


_sys.meta_path.append(_MissingSubmodules())
