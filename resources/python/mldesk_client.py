"""A small MLflow-compatible tracking client for mldesk (or any MLflow tracking server).

Standard library only: copy this file next to your script, or add ``resources/python`` to
``PYTHONPATH``. It speaks the MLflow REST API (``/api/2.0/mlflow/...``) and the artifact proxy
(``/api/2.0/mlflow-artifacts/artifacts/<path>``).

Two layers:

* ``MldeskClient`` -- explicit calls, like ``mlflow.MlflowClient``. Results are the MLflow JSON
  entities as plain dicts (``run["info"]["run_id"]``, ``run["data"]["metrics"]``, ...); metric
  values come back as floats, including NaN and +/-inf.
* the fluent API -- ``start_run()``, ``log_param()``, ``log_metric()``, ... like ``mlflow``'s.
  ``start_run()`` attaches to ``MLFLOW_RUN_ID`` when it is set (``mldesk run`` sets it) and then
  leaves ending the run to the launcher.

Configuration (environment):
    MLFLOW_TRACKING_URI     server URL (default http://127.0.0.1:5000)
    MLFLOW_TRACKING_TOKEN   bearer token (or MLDESK_TOKEN)
    MLFLOW_RUN_ID           attach the fluent API to this run
    MLFLOW_EXPERIMENT_ID / MLFLOW_EXPERIMENT_NAME   experiment for new runs (else "Default")
"""

from __future__ import annotations

import atexit
import contextlib
import getpass
import hashlib
import json
import math
import mimetypes
import os
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

__all__ = [
    "MldeskClient",
    "MldeskError",
    "ActiveRun",
    "start_run",
    "end_run",
    "active_run",
    "set_tracking_uri",
    "get_tracking_uri",
    "set_experiment",
    "log_param",
    "log_params",
    "log_metric",
    "log_metrics",
    "set_tag",
    "set_tags",
    "log_artifact",
    "log_artifacts",
    "log_dict",
    "log_text",
    "log_input",
    "get_client",
]

DEFAULT_TRACKING_URI = "http://127.0.0.1:5000"

# MLflow's batch limits (mlflow/utils/validation.py).
MAX_METRICS_PER_BATCH = 1000
MAX_PARAMS_TAGS_PER_BATCH = 100
MAX_ENTITIES_PER_BATCH = 1000
MAX_BATCH_LOG_REQUEST_SIZE = 1000000
# Budget for the entities of one log-batch body (the rest covers run_id and JSON framing).
_BATCH_BYTES_BUDGET = MAX_BATCH_LOG_REQUEST_SIZE - 10000

_RUN_STATUSES = ("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED")


class MldeskError(Exception):
    """An MLflow REST error (``error_code`` like ``INVALID_PARAMETER_VALUE``), or a transport failure
    (``CONNECTION_ERROR``, status None)."""

    def __init__(self, error_code, message, status=None):
        super().__init__("%s: %s" % (error_code, message))
        self.error_code = error_code
        self.message = message
        self.status = status


# ── JSON helpers ────────────────────────────────────────────────────────────────


def _now_ms():
    return int(time.time() * 1000)


def _double(value):
    """proto3 JSON for a double: non-finite numbers travel as strings."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def _parse_double(value):
    if isinstance(value, str):
        return float(value)  # float() understands "NaN", "Infinity", "-Infinity"
    return value


def _fix_metrics(metrics):
    out = []
    for m in metrics or []:
        m = dict(m)
        if "value" in m:
            m["value"] = _parse_double(m["value"])
        for k in ("timestamp", "step"):
            if isinstance(m.get(k), str):
                m[k] = int(m[k])
        out.append(m)
    return out


def _fix_run(run):
    """Fills the lists MLflow omits when empty and turns metric values into floats."""
    run = dict(run or {})
    data = dict(run.get("data") or {})
    data["metrics"] = _fix_metrics(data.get("metrics"))
    data["params"] = list(data.get("params") or [])
    data["tags"] = list(data.get("tags") or [])
    run["data"] = data
    inputs = dict(run.get("inputs") or {})
    inputs["dataset_inputs"] = list(inputs.get("dataset_inputs") or [])
    run["inputs"] = inputs
    outputs = dict(run.get("outputs") or {})
    outputs["model_outputs"] = list(outputs.get("model_outputs") or [])
    run["outputs"] = outputs
    return run


def _key_values(items):
    """A dict, or a list of {"key", "value"} dicts / (key, value) pairs -> MLflow key/value list."""
    if items is None:
        return []
    if isinstance(items, dict):
        items = items.items()
    out = []
    for it in items:
        if isinstance(it, dict):
            out.append({"key": str(it["key"]), "value": _str_value(it.get("value", ""))})
        else:
            k, v = it
            out.append({"key": str(k), "value": _str_value(v)})
    return out


def _str_value(v):
    if isinstance(v, str):
        return v
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, (dict, list, tuple)):
        return json.dumps(v)
    return str(v)


def _metric(key, value, step=0, timestamp=None):
    return {
        "key": str(key),
        "value": _double(value),
        "timestamp": int(timestamp if timestamp is not None else _now_ms()),
        "step": int(step or 0),
    }


def _json_size(obj):
    return len(json.dumps(obj, separators=(",", ":")).encode("utf-8"))


def split_batch(metrics=(), params=(), tags=()):
    """Splits entities into log-batch bodies within MLflow's limits: <=1000 metrics, <=100 params,
    <=100 tags, <=1000 entities and about 1 MB per request. Params go first (a conflicting param then
    fails before any metric is written), then tags, then metrics. Yields dicts with metrics/params/tags."""
    limits = {"metrics": MAX_METRICS_PER_BATCH, "params": MAX_PARAMS_TAGS_PER_BATCH, "tags": MAX_PARAMS_TAGS_PER_BATCH}
    cur = {"metrics": [], "params": [], "tags": []}
    count = 0
    size = 0
    for kind, items in (("params", params), ("tags", tags), ("metrics", metrics)):
        for item in items:
            item_size = _json_size(item) + 1
            if count and (
                len(cur[kind]) >= limits[kind] or count >= MAX_ENTITIES_PER_BATCH or size + item_size > _BATCH_BYTES_BUDGET
            ):
                yield cur
                cur = {"metrics": [], "params": [], "tags": []}
                count = 0
                size = 0
            cur[kind].append(item)
            count += 1
            size += item_size
    if count:
        yield cur


def _artifact_root(artifact_uri):
    """``mlflow-artifacts:/<exp>/<run>/artifacts`` (or ``mlflow-artifacts://host/...``) -> proxy path."""
    scheme = "mlflow-artifacts:"
    if not artifact_uri or not artifact_uri.startswith(scheme):
        raise MldeskError(
            "INVALID_PARAMETER_VALUE",
            "Artifact URI %r is not served by the tracking server's artifact proxy (mlflow-artifacts:/...)" % (artifact_uri,),
        )
    rest = artifact_uri[len(scheme):]
    if rest.startswith("//"):
        rest = rest[2:]
        rest = rest[rest.find("/") :] if "/" in rest else ""
    return rest.strip("/")


def _join(*parts):
    return "/".join(p.strip("/") for p in parts if p and p.strip("/"))


# ── client ──────────────────────────────────────────────────────────────────────


class MldeskClient(object):
    """Explicit MLflow REST client. ``tracking_uri`` defaults to ``MLFLOW_TRACKING_URI``; ``token``
    to ``MLFLOW_TRACKING_TOKEN`` or ``MLDESK_TOKEN`` (sent as ``Authorization: Bearer``)."""

    def __init__(self, tracking_uri=None, token=None, retries=3, backoff=0.5, timeout=None):
        uri = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI
        if not uri.startswith(("http://", "https://")):
            raise MldeskError("INVALID_PARAMETER_VALUE", "tracking URI must be http(s)://..., got %r" % (uri,))
        self.tracking_uri = uri.rstrip("/")
        self.token = token if token is not None else (os.environ.get("MLFLOW_TRACKING_TOKEN") or os.environ.get("MLDESK_TOKEN"))
        self.retries = max(1, int(retries))
        self.backoff = float(backoff)
        self.timeout = float(timeout if timeout is not None else os.environ.get("MLFLOW_HTTP_REQUEST_TIMEOUT", 120))
        self._artifact_roots = {}
        self._lock = threading.Lock()

    def __repr__(self):
        return "MldeskClient(%r)" % (self.tracking_uri,)

    # ── transport ──

    def _headers(self, extra=None):
        h = {"Accept": "application/json", "User-Agent": "mldesk-client-python"}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        if extra:
            h.update(extra)
        return h

    def _send(self, method, url, body_factory=None, headers=None, raw=False):
        """One HTTP exchange with retries on connection errors, 429 and 5xx. Returns bytes (raw) or JSON."""
        last = None
        for attempt in range(self.retries):
            if attempt:
                time.sleep(self.backoff * (2 ** (attempt - 1)))
            data = body_factory() if body_factory else None
            req = urllib.request.Request(url, data=data, method=method, headers=self._headers(headers))
            try:
                with contextlib.closing(urllib.request.urlopen(req, timeout=self.timeout)) as res:
                    payload = res.read()
                if raw:
                    return payload
                return json.loads(payload.decode("utf-8")) if payload.strip() else {}
            except urllib.error.HTTPError as e:
                status = e.code
                try:
                    text = e.read().decode("utf-8", "replace")
                finally:
                    e.close()
                err = self._error_from(status, text)
                if status >= 500 or status == 429:
                    last = err
                    continue
                raise err
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as e:
                reason = getattr(e, "reason", e)
                last = MldeskError("CONNECTION_ERROR", "%s %s failed: %s" % (method, url, reason), None)
                continue
            finally:
                close = getattr(data, "close", None)
                if close:
                    close()
        raise last

    @staticmethod
    def _error_from(status, text):
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("error_code"):
            return MldeskError(str(body["error_code"]), str(body.get("message", "")), status)
        code = {400: "BAD_REQUEST", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "ENDPOINT_NOT_FOUND", 429: "REQUEST_LIMIT_EXCEEDED"}
        if isinstance(body, dict) and isinstance(body.get("message"), str):  # mldesk's own {code, message}
            return MldeskError(code.get(status, "INTERNAL_ERROR"), body["message"], status)
        return MldeskError(code.get(status, "INTERNAL_ERROR"), "HTTP %d: %s" % (status, text[:500]), status)

    def _call(self, method, endpoint, body=None):
        url = "%s/api/2.0/mlflow/%s" % (self.tracking_uri, endpoint)
        body = {k: v for k, v in (body or {}).items() if v is not None}
        if method == "GET":
            if body:
                url += "?" + urllib.parse.urlencode(body, doseq=True)
            return self._send("GET", url)
        encoded = json.dumps(body).encode("utf-8")
        return self._send(method, url, lambda: encoded, {"Content-Type": "application/json"})

    def _proxy_url(self, path, query=None):
        url = "%s/api/2.0/mlflow-artifacts/artifacts" % self.tracking_uri
        if path:
            url += "/" + urllib.parse.quote(path, safe="/")
        if query:
            url += "?" + urllib.parse.urlencode(query)
        return url

    # ── experiments ──

    def create_experiment(self, name, artifact_location=None, tags=None):
        """Creates an experiment; returns its id."""
        body = {"name": name, "artifact_location": artifact_location, "tags": _key_values(tags) or None}
        return self._call("POST", "experiments/create", body)["experiment_id"]

    def get_experiment(self, experiment_id):
        return self._call("GET", "experiments/get", {"experiment_id": str(experiment_id)})["experiment"]

    def get_experiment_by_name(self, name):
        """The experiment dict, or None when there is none with that name."""
        try:
            return self._call("GET", "experiments/get-by-name", {"experiment_name": name})["experiment"]
        except MldeskError as e:
            if e.error_code == "RESOURCE_DOES_NOT_EXIST":
                return None
            raise

    def get_or_create_experiment(self, name, artifact_location=None, tags=None):
        """The experiment dict named ``name``, created when missing (safe against concurrent creators)."""
        exp = self.get_experiment_by_name(name)
        if exp is None:
            try:
                self.create_experiment(name, artifact_location, tags)
            except MldeskError as e:
                if e.error_code != "RESOURCE_ALREADY_EXISTS":
                    raise
            exp = self.get_experiment_by_name(name)
            if exp is None:
                raise MldeskError("RESOURCE_DOES_NOT_EXIST", "Experiment %r vanished right after it was created" % (name,))
        if exp.get("lifecycle_stage") == "deleted":
            raise MldeskError("INVALID_STATE", "Experiment %r (id %s) is deleted; restore it or pick another name" % (name, exp["experiment_id"]))
        return exp

    def search_experiments(self, filter_string=None, order_by=None, max_results=None, view_type="ACTIVE_ONLY", page_size=1000):
        """All matching experiments (follows page tokens), at most ``max_results`` when given."""
        out = []
        token = None
        while True:
            want = page_size if max_results is None else min(page_size, max_results - len(out))
            if want <= 0:
                break
            body = {"filter": filter_string or None, "order_by": list(order_by or []) or None, "max_results": want, "view_type": view_type, "page_token": token}
            r = self._call("POST", "experiments/search", body)
            out.extend(r.get("experiments") or [])
            token = r.get("next_page_token")
            if not token:
                break
        return out

    def delete_experiment(self, experiment_id):
        self._call("POST", "experiments/delete", {"experiment_id": str(experiment_id)})

    def set_experiment_tag(self, experiment_id, key, value):
        self._call("POST", "experiments/set-experiment-tag", {"experiment_id": str(experiment_id), "key": key, "value": _str_value(value)})

    # ── runs ──

    def create_run(self, experiment_id, run_name=None, tags=None, start_time=None):
        """Creates a RUNNING run; returns the run dict."""
        tags = _key_values(tags)
        user = next((t["value"] for t in tags if t["key"] == "mlflow.user"), None)
        body = {
            "experiment_id": str(experiment_id) if experiment_id is not None else "0",
            "run_name": run_name,
            "tags": tags or None,
            "start_time": int(start_time if start_time is not None else _now_ms()),
            "user_id": user,
        }
        run = _fix_run(self._call("POST", "runs/create", body)["run"])
        self._remember(run)
        return run

    def get_run(self, run_id):
        run = _fix_run(self._call("GET", "runs/get", {"run_id": run_id})["run"])
        self._remember(run)
        return run

    def _remember(self, run):
        info = run.get("info") or {}
        if info.get("run_id") and info.get("artifact_uri"):
            with self._lock:
                self._artifact_roots[info["run_id"]] = info["artifact_uri"]

    def update_run(self, run_id, status=None, end_time=None, run_name=None):
        """Updates status / end_time / name; returns the run_info dict."""
        if status is not None and status not in _RUN_STATUSES:
            raise MldeskError("INVALID_PARAMETER_VALUE", "status must be one of %s, got %r" % (", ".join(_RUN_STATUSES), status))
        body = {"run_id": run_id, "status": status, "end_time": int(end_time) if end_time is not None else None, "run_name": run_name}
        return self._call("POST", "runs/update", body).get("run_info")

    def set_terminated(self, run_id, status="FINISHED", end_time=None):
        """Ends a run (FINISHED, FAILED or KILLED)."""
        return self.update_run(run_id, status=status, end_time=end_time if end_time is not None else _now_ms())

    def delete_run(self, run_id):
        self._call("POST", "runs/delete", {"run_id": run_id})

    def restore_run(self, run_id):
        self._call("POST", "runs/restore", {"run_id": run_id})

    def search_runs(self, experiment_ids, filter_string="", order_by=None, max_results=None, run_view_type="ACTIVE_ONLY", page_size=1000):
        """All matching runs (follows page tokens), at most ``max_results`` when given."""
        if isinstance(experiment_ids, (str, int)):
            experiment_ids = [experiment_ids]
        out = []
        token = None
        while True:
            want = page_size if max_results is None else min(page_size, max_results - len(out))
            if want <= 0:
                break
            body = {
                "experiment_ids": [str(e) for e in experiment_ids],
                "filter": filter_string or None,
                "order_by": list(order_by or []) or None,
                "max_results": want,
                "run_view_type": run_view_type,
                "page_token": token,
            }
            r = self._call("POST", "runs/search", body)
            out.extend(_fix_run(x) for x in r.get("runs") or [])
            token = r.get("next_page_token")
            if not token:
                break
        return out

    # ── params, metrics, tags ──

    def log_param(self, run_id, key, value):
        self._call("POST", "runs/log-parameter", {"run_id": run_id, "key": str(key), "value": _str_value(value)})

    def log_params(self, run_id, params):
        self.log_batch(run_id, params=params)

    def log_metric(self, run_id, key, value, step=0, timestamp=None):
        """Logs one metric value; NaN and +/-inf are sent as proto3 strings."""
        body = dict(_metric(key, value, step, timestamp), run_id=run_id)
        self._call("POST", "runs/log-metric", body)

    def log_metrics(self, run_id, metrics, step=0, timestamp=None):
        ts = timestamp if timestamp is not None else _now_ms()
        self.log_batch(run_id, metrics=[_metric(k, v, step, ts) for k, v in metrics.items()])

    def set_tag(self, run_id, key, value):
        self._call("POST", "runs/set-tag", {"run_id": run_id, "key": str(key), "value": _str_value(value)})

    def set_tags(self, run_id, tags):
        self.log_batch(run_id, tags=tags)

    def delete_tag(self, run_id, key):
        self._call("POST", "runs/delete-tag", {"run_id": run_id, "key": key})

    def log_batch(self, run_id, metrics=None, params=None, tags=None):
        """Logs metrics (dicts with key/value/step/timestamp), params and tags (dicts or key/value lists),
        split into as many requests as MLflow's limits need. Each request is atomic; the whole call is not.
        Returns the number of requests made."""
        ms = [_metric(m["key"], m["value"], m.get("step", 0), m.get("timestamp")) for m in (metrics or [])]
        n = 0
        for chunk in split_batch(ms, _key_values(params), _key_values(tags)):
            body = {"run_id": run_id}
            body.update({k: v for k, v in chunk.items() if v})
            self._call("POST", "runs/log-batch", body)
            n += 1
        return n

    def get_metric_history(self, run_id, key, page_size=25000):
        """Every value of one metric (follows page tokens), as dicts with float values."""
        out = []
        token = None
        while True:
            r = self._call("GET", "metrics/get-history", {"run_id": run_id, "metric_key": key, "max_results": page_size, "page_token": token})
            out.extend(_fix_metrics(r.get("metrics")))
            token = r.get("next_page_token")
            if not token:
                return out

    def log_inputs(self, run_id, datasets):
        """Records dataset inputs. Each item is MLflow's ``{"dataset": {...}, "tags": [...]}`` or a flat dict
        ``{"name", "source", "digest"?, "source_type"?, "schema"?, "profile"?, "context"?, "tags"?}``;
        a missing digest is the sha256 (8 hex chars) of the local file at ``source``, else of name+source."""
        items = []
        for d in datasets:
            if "dataset" in d:
                ds = dict(d["dataset"])
                tags = _key_values(d.get("tags"))
            else:
                ds = {k: d[k] for k in ("name", "digest", "source_type", "source", "schema", "profile") if d.get(k) is not None}
                tags = _key_values(d.get("tags"))
                if d.get("context"):
                    tags.append({"key": "mlflow.data.context", "value": str(d["context"])})
            ds.setdefault("source_type", "local")
            ds.setdefault("source", "")
            ds["name"] = str(ds.get("name") or "dataset")
            if not ds.get("digest"):
                ds["digest"] = _digest(ds["source"], ds["name"])
            for k in ("schema", "profile"):
                if k in ds and not isinstance(ds[k], str):
                    ds[k] = json.dumps(ds[k])
            items.append({"dataset": ds, "tags": tags})
        self._call("POST", "runs/log-inputs", {"run_id": run_id, "datasets": items})

    # ── artifacts ──

    def _run_artifact_path(self, run_id, artifact_path=None):
        with self._lock:
            uri = self._artifact_roots.get(run_id)
        if uri is None:
            uri = self.get_run(run_id)["info"]["artifact_uri"]
        return _join(_artifact_root(uri), artifact_path or "")

    def log_artifact(self, run_id, local_path, artifact_path=None):
        """Uploads one file to ``<artifact_path>/<basename>`` of the run's artifacts (streamed PUT)."""
        if not os.path.isfile(local_path):
            raise MldeskError("INVALID_PARAMETER_VALUE", "Not a file: %r" % (local_path,))
        name = os.path.basename(local_path)
        target = self._run_artifact_path(run_id, _join(artifact_path or "", name))
        size = os.path.getsize(local_path)
        ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        self._send("PUT", self._proxy_url(target), lambda: open(local_path, "rb"), {"Content-Type": ctype, "Content-Length": str(size)})

    def log_artifacts(self, run_id, local_dir, artifact_path=None):
        """Uploads a folder tree under ``artifact_path``; returns the number of files uploaded."""
        if not os.path.isdir(local_dir):
            raise MldeskError("INVALID_PARAMETER_VALUE", "Not a directory: %r" % (local_dir,))
        n = 0
        for root, dirs, files in os.walk(local_dir):
            dirs.sort()
            rel = os.path.relpath(root, local_dir)
            rel = "" if rel == "." else rel.replace(os.sep, "/")
            for f in sorted(files):
                self.log_artifact(run_id, os.path.join(root, f), _join(artifact_path or "", rel))
                n += 1
        return n

    def log_bytes(self, run_id, data, artifact_file):
        """Uploads bytes (or text, utf-8) as ``artifact_file`` (a path relative to the run's artifacts)."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        target = self._run_artifact_path(run_id, artifact_file)
        ctype = mimetypes.guess_type(artifact_file)[0] or "application/octet-stream"
        self._send("PUT", self._proxy_url(target), lambda: data, {"Content-Type": ctype})

    def log_text(self, run_id, text, artifact_file):
        self.log_bytes(run_id, text, artifact_file)

    def log_dict(self, run_id, dictionary, artifact_file):
        self.log_bytes(run_id, json.dumps(dictionary, indent=2, sort_keys=True), artifact_file)

    def list_artifacts(self, run_id, path=None):
        """Files directly under ``path`` (dicts: path relative to the run root, is_dir, file_size)."""
        r = self._call("GET", "artifacts/list", {"run_id": run_id, "path": path or None})
        return list(r.get("files") or [])

    def read_artifact(self, run_id, path):
        """The bytes of one artifact file."""
        return self._send("GET", self._proxy_url(self._run_artifact_path(run_id, path)), raw=True)

    def download_artifact(self, run_id, path, dst_path=None):
        """Downloads a file or folder of a run's artifacts into ``dst_path`` (default: current folder);
        returns the local path."""
        dst_path = dst_path or "."
        local = os.path.join(dst_path, *[p for p in path.split("/") if p])
        try:
            data = self.read_artifact(run_id, path)
        except MldeskError as e:
            if e.error_code != "RESOURCE_DOES_NOT_EXIST":
                raise
            entries = self.list_artifacts(run_id, path)
            if not entries:
                raise
            os.makedirs(local, exist_ok=True)
            for entry in entries:
                self.download_artifact(run_id, entry["path"], dst_path)
            return local
        parent = os.path.dirname(local)
        if parent:
            os.makedirs(parent, exist_ok=True)
        with open(local, "wb") as f:
            f.write(data)
        return local


def _digest(source, name):
    h = hashlib.sha256()
    if source and os.path.isfile(source):
        with open(source, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    else:
        h.update(("%s\0%s" % (name, source)).encode("utf-8"))
    return h.hexdigest()[:8]


# ── fluent API ──────────────────────────────────────────────────────────────────


class _Info(object):
    """Attribute access over a dict (``run.info.run_id``), like mlflow's entities."""

    def __init__(self, d):
        self.__dict__.update(d)

    def __getitem__(self, k):
        return self.__dict__[k]

    def __repr__(self):
        return "<%s>" % ", ".join("%s=%r" % kv for kv in sorted(self.__dict__.items()))


class ActiveRun(object):
    """The run the fluent API logs to; a context manager that ends it on exit (FINISHED, FAILED on an
    exception, KILLED on KeyboardInterrupt) -- unless it was attached from ``MLFLOW_RUN_ID``."""

    def __init__(self, run, attached, client):
        self._run = run
        self.attached = attached
        self.client = client
        self.info = _Info(run["info"])
        self.run_id = run["info"]["run_id"]
        self.experiment_id = run["info"]["experiment_id"]

    @property
    def data(self):
        """Fresh params/metrics/tags from the server."""
        d = self.client.get_run(self.run_id)["data"]
        return _Info(
            {
                "params": {p["key"]: p["value"] for p in d["params"]},
                "metrics": {m["key"]: m["value"] for m in d["metrics"]},
                "tags": {t["key"]: t["value"] for t in d["tags"]},
            }
        )

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            status = "FINISHED"
        elif issubclass(exc_type, KeyboardInterrupt):
            status = "KILLED"
        else:
            status = "FAILED"
        _end(self, status)
        return False

    def __repr__(self):
        return "<ActiveRun run_id=%s experiment_id=%s attached=%s>" % (self.run_id, self.experiment_id, self.attached)


_state_lock = threading.RLock()
_state = {"client": None, "uri": None, "experiment_id": None, "stack": []}


def set_tracking_uri(uri):
    """Overrides MLFLOW_TRACKING_URI for the fluent API."""
    with _state_lock:
        _state["uri"] = uri
        _state["client"] = None


def get_tracking_uri():
    return _state["uri"] or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI


def get_client():
    """The fluent API's client (created from the environment on first use)."""
    with _state_lock:
        if _state["client"] is None:
            _state["client"] = MldeskClient(_state["uri"])
        return _state["client"]


def set_experiment(experiment_name=None, experiment_id=None):
    """Sets the experiment for new fluent runs (created when missing); returns the experiment dict."""
    c = get_client()
    exp = c.get_experiment(experiment_id) if experiment_id is not None else c.get_or_create_experiment(experiment_name)
    with _state_lock:
        _state["experiment_id"] = exp["experiment_id"]
    return exp


def _resolve_experiment_id(client, experiment_id, experiment_name):
    if experiment_id is not None:
        return str(experiment_id)
    if experiment_name:
        return client.get_or_create_experiment(experiment_name)["experiment_id"]
    if _state["experiment_id"] is not None:
        return _state["experiment_id"]
    if os.environ.get("MLFLOW_EXPERIMENT_ID"):
        return os.environ["MLFLOW_EXPERIMENT_ID"]
    if os.environ.get("MLFLOW_EXPERIMENT_NAME"):
        return client.get_or_create_experiment(os.environ["MLFLOW_EXPERIMENT_NAME"])["experiment_id"]
    return "0"


def _get_user():
    """The OS user, as MLflow records it (``getpass.getuser()``: LOGNAME, USER, LNAME, USERNAME, then the
    password database); "unknown" when there is none."""
    try:
        return getpass.getuser() or "unknown"
    except Exception:  # KeyError / OSError / ImportError: no name for this uid (containers), no pwd module
        return "unknown"


def _default_tags():
    """Tags a new fluent run gets unless the caller gives them: source type and name, and ``mlflow.user``."""
    tags = {"mlflow.source.type": "LOCAL", "mlflow.user": _get_user()}
    if sys.argv and sys.argv[0]:
        tags["mlflow.source.name"] = os.path.basename(sys.argv[0]) if sys.argv[0] != "-c" else "<string>"
    return tags


def start_run(run_id=None, experiment_name=None, run_name=None, experiment_id=None, tags=None, nested=False):
    """Starts (or attaches to) the run the fluent API logs to; use it as a context manager.

    * ``MLFLOW_RUN_ID`` set (and no ``run_id``, not nested): attaches to that run and never ends it
      (the launcher that created it does).
    * ``run_id``: resumes that run (RUNNING again, renamed if ``run_name``) and ends it on exit.
    * otherwise creates a run in ``experiment_id`` / ``experiment_name`` / ``set_experiment()`` /
      ``MLFLOW_EXPERIMENT_ID`` / ``MLFLOW_EXPERIMENT_NAME`` / Default, in that order.
    ``nested=True`` creates a child run (tag ``mlflow.parentRunId``) of the active one.
    """
    client = get_client()
    with _state_lock:
        stack = _state["stack"]
        if stack and not nested:
            raise MldeskError(
                "INVALID_STATE",
                "Run %s is already active. End it with end_run() first, or pass nested=True." % stack[-1].run_id,
            )
        env_run = os.environ.get("MLFLOW_RUN_ID")
        if run_id is None and env_run and not stack:
            run = client.get_run(env_run)
            if tags:
                client.set_tags(env_run, tags)
            active = ActiveRun(run, True, client)
        elif run_id is not None:
            run = client.get_run(run_id)
            attached = run_id == env_run
            if not attached and (run["info"]["status"] != "RUNNING" or run_name):
                client.update_run(run_id, status="RUNNING", run_name=run_name)
                run = client.get_run(run_id)
            if tags:
                client.set_tags(run_id, tags)
            active = ActiveRun(run, attached, client)
        else:
            all_tags = _default_tags()
            all_tags.update({str(k): _str_value(v) for k, v in (tags or {}).items()})
            if stack:
                all_tags["mlflow.parentRunId"] = stack[-1].run_id
            exp_id = _resolve_experiment_id(client, experiment_id, experiment_name)
            if stack and experiment_id is None and not experiment_name:
                exp_id = stack[-1].experiment_id
            run = client.create_run(exp_id, run_name=run_name, tags=all_tags)
            active = ActiveRun(run, False, client)
        stack.append(active)
        return active


def _end(active, status):
    with _state_lock:
        stack = _state["stack"]
        if active in stack:
            # ending a parent ends its children first
            while stack:
                top = stack.pop()
                if not top.attached:
                    top.client.set_terminated(top.run_id, status)
                if top is active:
                    break


def end_run(status="FINISHED"):
    """Ends the active fluent run (an attached MLFLOW_RUN_ID run is only detached)."""
    with _state_lock:
        if _state["stack"]:
            _end(_state["stack"][-1], status)


def active_run():
    """The active fluent run, or None."""
    stack = _state["stack"]
    return stack[-1] if stack else None


def _run():
    r = active_run()
    return r if r is not None else start_run()


def log_param(key, value):
    r = _run()
    r.client.log_param(r.run_id, key, value)


def log_params(params):
    r = _run()
    r.client.log_params(r.run_id, params)


def log_metric(key, value, step=None, timestamp=None):
    r = _run()
    r.client.log_metric(r.run_id, key, value, step or 0, timestamp)


def log_metrics(metrics, step=None, timestamp=None):
    r = _run()
    r.client.log_metrics(r.run_id, metrics, step or 0, timestamp)


def set_tag(key, value):
    r = _run()
    r.client.set_tag(r.run_id, key, value)


def set_tags(tags):
    r = _run()
    r.client.set_tags(r.run_id, tags)


def log_artifact(local_path, artifact_path=None):
    r = _run()
    r.client.log_artifact(r.run_id, local_path, artifact_path)


def log_artifacts(local_dir, artifact_path=None):
    r = _run()
    return r.client.log_artifacts(r.run_id, local_dir, artifact_path)


def log_dict(dictionary, artifact_file):
    r = _run()
    r.client.log_dict(r.run_id, dictionary, artifact_file)


def log_text(text, artifact_file):
    r = _run()
    r.client.log_text(r.run_id, text, artifact_file)


def log_input(name, source="", digest=None, source_type="local", schema=None, profile=None, context=None, tags=None):
    """Records a dataset input of the active run (see ``MldeskClient.log_inputs``)."""
    r = _run()
    r.client.log_inputs(
        r.run_id,
        [{"name": name, "source": source, "digest": digest, "source_type": source_type, "schema": schema, "profile": profile, "context": context, "tags": tags}],
    )


@atexit.register
def _end_at_exit():
    """Runs started without ``with`` end when the interpreter exits (FAILED after an uncaught exception)."""
    if not _state["stack"]:
        return
    exc = getattr(sys, "last_value", None)
    status = "FINISHED" if exc is None else ("KILLED" if isinstance(exc, KeyboardInterrupt) else "FAILED")
    try:
        while _state["stack"]:
            _end(_state["stack"][-1], status)
    except Exception as e:  # the server may be gone; never mask the script's own exit
        sys.stderr.write("mldesk_client: could not end the active run: %s\n" % (e,))
