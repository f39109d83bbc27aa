"""HTTP side of the fake: connections, faults, auth, validation, stats and
the /_fake control endpoints.

Owns: one threaded HTTP/1.1 server (keep-alive, always a correct
Content-Length unless a `truncate` fault says otherwise), the order in
which a request is judged (faults, then the edge's User-Agent check, auth,
route, validation, handler), the fault knobs and rules, the request
statistics, and the error envelope on every error.

Rule: a fault is chosen before any state is touched. Most faults come
before the handler and change nothing. Two come after it, as on a real
network where the work is done and the answer is lost: `lost_answer`, and
the random 5xx or reset of a write, a share `after_share` of them. A client
that sends a write again blindly after one of those makes it twice.
Random faults fall on the API only (/api/v2/..., /instantly/...), not on
the connections control host. Handlers run under State.lock, one at a time.
"""

import collections
import json
import random
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import fake_model as M
from fake_common import ApiError, Req, envelope
from fake_routes import Router
from fake_state import STATE_KEYS, State

MAX_BODY = 64 * 1024 * 1024
FAULT_ACTIONS = ("status", "invalid_json", "truncate", "reset", "slow", "late",
                 "repeat_cursor", "lost_answer", "huge")


class Knobs:
    """Run-time settings; POST /_fake/faults changes them."""

    def __init__(self, args):
        self.key = args.key
        self.latency_ms = args.latency_ms
        self.rate_429 = args.rate_429
        self.rate_5xx = args.rate_5xx
        self.rate_reset = args.rate_reset
        self.rate_slow = args.rate_slow
        self.slow_ms = args.slow_ms
        self.after_share = args.after_share
        self.base = {k: getattr(self, k) for k in self.RANDOM}
        self.quirk_last_cursor = args.quirk_last_cursor
        self.leads_out_of_order = 0
        self.verify_pending_polls = args.verify_pending_polls
        self.job_polls = args.job_polls
        self.emails_per_minute = args.emails_per_minute
        self.email_calls = collections.deque()
        self.rules = []
        self.rng = random.Random(args.fault_seed)
        self.lock = threading.Lock()

    RANDOM = ("latency_ms", "rate_429", "rate_5xx", "rate_reset", "rate_slow", "slow_ms",
              "after_share")
    SETTABLE = {"latency_ms": float, "rate_429": float, "rate_5xx": float,
                "rate_reset": float, "rate_slow": float, "slow_ms": float,
                "after_share": float, "quirk_last_cursor": bool,
                "leads_out_of_order": int,
                "verify_pending_polls": int, "job_polls": int, "emails_per_minute": int}

    def as_json(self):
        out = {k: getattr(self, k) for k in self.SETTABLE}
        out["rules"] = self.rules
        return out

    def update(self, data):
        if not isinstance(data, dict):
            raise ApiError(400, "body must be object")
        for k, v in data.items():
            if k == "rules":
                self.rules = [check_rule(r) for r in (v or [])]
            elif k in self.SETTABLE:
                setattr(self, k, self.SETTABLE[k](v))
            else:
                raise ApiError(400, "unknown knob '%s'" % k)

    def clear(self):
        """Rules and the quirk go; the random faults return to their
        start-up values (the command line's)."""
        self.rules = []
        for k, v in self.base.items():
            setattr(self, k, v)
        self.quirk_last_cursor = False
        self.leads_out_of_order = 0

    def pick_fault(self, method, paths):
        """The fault for this request, or None. Consumes rule counts.
        A random fault carries "after": True when it is to come after the
        handler has done the work."""
        with self.lock:
            for rule in self.rules:
                if rule["count"] == 0:
                    continue
                if rule.get("method", "*") not in ("*", method):
                    continue
                prefix = rule.get("path_prefix", "")
                if not any(p.startswith(prefix) for p in paths):
                    continue
                if rule.get("skip", 0) > 0:
                    rule["skip"] -= 1
                    continue
                if rule["count"] > 0:
                    rule["count"] -= 1
                return dict(rule)
            if not any(p.startswith(("/api/v2/", "/instantly/")) for p in paths):
                return None
            return self.random_fault(method)

    def random_fault(self, method):
        roll = self.rng.random()
        fault = None
        if roll < self.rate_reset:
            fault = {"action": "reset"}
        roll -= self.rate_reset
        if fault is None and roll < self.rate_5xx:
            fault = {"action": "status", "status": self.rng.choice([500, 502, 503, 504]),
                     "retry_after": None}
        roll -= self.rate_5xx
        if fault is None and roll < self.rate_429:
            # Without Retry-After, so the client's own backoff is used.
            return {"action": "status", "status": 429, "retry_after": None}
        roll -= self.rate_429
        if fault is None and roll < self.rate_slow:
            return {"action": "slow", "ms": self.slow_ms}
        if fault and method != "GET" and self.rng.random() < self.after_share:
            fault["after"] = True
        return fault


def check_rule(rule):
    if not isinstance(rule, dict) or rule.get("action") not in FAULT_ACTIONS:
        raise ApiError(400, "a rule needs an action, one of %s" % ", ".join(FAULT_ACTIONS))
    out = dict(rule)
    out["count"] = int(out.get("count", -1))
    if out["action"] == "status":
        out["status"] = int(out.get("status", 500))
    return out


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with getattr(self, "lock", threading.Lock()):
            self.total = 0
            self.gateway = 0
            self.requests = collections.Counter()
            self.faults = {}
            self.faults_total = 0

    def count(self, key, gateway):
        with self.lock:
            self.total += 1
            self.gateway += 1 if gateway else 0
            self.requests[key] += 1

    def fault(self, key, kind):
        with self.lock:
            self.faults_total += 1
            per = self.faults.setdefault(key, collections.Counter())
            per[kind] += 1

    def as_json(self):
        with self.lock:
            return {"total": self.total, "gateway": self.gateway,
                    "requests": dict(sorted(self.requests.items())),
                    "faults_total": self.faults_total,
                    "faults": {k: dict(v) for k, v in sorted(self.faults.items())}}


class App:
    """Everything a request handler thread needs."""

    def __init__(self, state, spec, knobs, load_initial, log=None):
        self.state = state
        self.spec = spec
        self.knobs = knobs
        self.stats = Stats()
        self.router = Router()
        self.load_initial = load_initial      # fills a State with the start-up state
        self.log_file = log
        self.log_lock = threading.Lock()
        self.check_routes()

    def check_routes(self):
        if not self.spec:
            return
        for method, template in self.router.templates():
            if template.startswith("/api/") and not self.spec.operation(method, template):
                sys.stderr.write("fake_instantly: warning: %s %s is not in the spec\n"
                                 % (method, template))

    def log(self, line):
        if self.log_file:
            with self.log_lock:
                self.log_file.write(line + "\n")
                self.log_file.flush()


def loose_query(raw):
    """Query coercion when the spec is not loaded."""
    out = {}
    for k, vals in raw.items():
        v = vals[-1]
        if v in ("true", "false"):
            out[k] = v == "true"
        elif v.lstrip("-").isdigit():
            out[k] = int(v)
        else:
            out[k] = v
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-instantly/1.0"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def version_string(self):
        return self.server_version

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = lambda self: self.handle_any()

    # ----- reading -----
    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            total = 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    raise ApiError(413, "Request body is too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ApiError(413, "Request body is too large")
        return self.rfile.read(length) if length > 0 else b""

    # ----- writing -----
    def send_bytes(self, status, data, ctype="application/json; charset=utf-8",
                   headers=None, length=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data) if length is None else length))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
        self.status_sent = status

    def send_json(self, status, obj, headers=None):
        self.send_bytes(status, encode(obj), headers=headers)

    def send_error_envelope(self, status, message, headers=None):
        self.send_json(status, envelope(status, message), headers)

    # ----- the request -----
    def handle_any(self):
        app = self.server.app
        self.t0 = time.monotonic()
        self.status_sent = 0
        self.fault_kind = ""
        url = urlsplit(self.path)
        path = url.path
        try:
            body = self.read_body()
        except (ApiError, ValueError) as e:
            self.close_connection = True
            self.send_error_envelope(getattr(e, "status", 400), str(e))
            return
        try:
            if path == "/_fake" or path.startswith("/_fake/"):
                self.control(app, path, url.query, body)
            else:
                self.api(app, path, url.query, body)
        except ApiError as e:
            self.send_error_envelope(e.status, e.message)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:          # a bug in the fake: say so, keep serving
            import traceback
            traceback.print_exc()
            self.send_error_envelope(500, "fake server error: %s" % e)
        finally:
            app.log("%s %s %s %s %.1fms %s" % (M.now_iso(), self.command, self.path,
                                               self.status_sent,
                                               (time.monotonic() - self.t0) * 1000,
                                               self.fault_kind))

    def api(self, app, path, query, body):
        gateway = path.startswith("/instantly/")
        api_path = path[len("/instantly"):] if gateway else path
        is_api = api_path.startswith("/api/v2/")
        is_conn = not gateway and (path == "/connections" or path.startswith("/connections/"))
        route, params = app.router.match(self.command, api_path) if (is_api or is_conn) \
            else (None, None)
        key = "%s %s" % (self.command, route.template if route else api_path)
        app.stats.count(key, gateway)

        fault = app.knobs.pick_fault(self.command, (path, api_path))
        if app.knobs.latency_ms:
            time.sleep(app.knobs.latency_ms / 1000.0)
        repeat = lost = False
        after = None
        late = 0.0
        if fault:
            kind = fault["action"] if fault["action"] != "status" else str(fault["status"])
            if fault.get("after"):
                kind += " after the work"
            self.fault_kind = "fault:" + kind
            app.stats.fault(key, kind)
            if fault["action"] == "slow":
                time.sleep(float(fault.get("ms", 1000)) / 1000.0)
            elif fault["action"] == "late":
                late = float(fault.get("ms", 1000)) / 1000.0
            elif fault["action"] == "repeat_cursor":
                repeat = True
            elif fault["action"] == "lost_answer":
                # The one fault that changes state: the request is done,
                # the answer never arrives (a timeout after sending).
                lost = True
            elif fault.get("after"):
                after = fault
            else:
                return self.send_fault(fault)

        self.check_edge(app, gateway)
        if route is None:
            raise ApiError(404, "Route %s:%s not found" % (self.command, path))
        req = self.build_request(app, route, params, query, body)
        with app.state.lock:
            result = route.handler(req)
            status = 200
            if isinstance(result, tuple):     # (status, body): not a 200
                status, result = result
            if isinstance(result, dict):
                result = M.public(result)
            if repeat and isinstance(result, dict) and "items" in result:
                self.repeat_cursor(result, req)
            data = encode(result)       # while locked: result may be live state
        if lost:
            return self.reset_connection()
        if after:
            return self.send_fault(after)
        if late:
            time.sleep(late)        # the answer was made before the wait
        self.send_bytes(status, data)

    def check_edge(self, app, gateway):
        if not self.headers.get("User-Agent"):
            raise ApiError(403, "Forbidden: requests need a User-Agent header")
        auth = self.headers.get("Authorization")
        if not auth:
            raise ApiError(401, "Missing Authorization header")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or token.strip() != app.knobs.key:
            raise ApiError(401, "Invalid API key")
        if gateway:
            self.check_connection(app)

    def check_connection(self, app):
        conns = [c for c in app.state.connections.by_id.values() if c["app"] == "instantly"]
        wanted = self.headers.get("Maton-Connection")
        if wanted:
            c = app.state.connections.get(wanted)
            if c is None or c["app"] != "instantly":
                raise ApiError(400, "Connection %s not found for app instantly" % wanted)
            if c["status"] != "ACTIVE":
                raise ApiError(400, "Connection %s is not active" % wanted)
        elif conns and not any(c["status"] == "ACTIVE" for c in conns):
            raise ApiError(400, "No active connection for app instantly")

    def build_request(self, app, route, params, query, body):
        raw_query = parse_qs(query, keep_blank_values=True)
        present, parsed = self.parse_body(body)
        spec = app.spec
        op = spec.operation(self.command, route.template) if spec else None
        if op is not None:
            err = spec.check_path(op, params)
            if err:
                raise ApiError(400, err)
            err, coerced = spec.check_query(op, raw_query)
            if err:
                raise ApiError(400, err)
            err = spec.check_body(op, present, parsed)
            if err:
                raise ApiError(400, err)
        else:
            coerced = loose_query(raw_query)
        return Req(self.command, route.template, params, coerced, parsed, app.state, app.knobs)

    def parse_body(self, body):
        if self.command == "GET":
            return False, None
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        is_json = ctype == "application/json" or ctype.endswith("+json")
        if not body:
            if is_json:
                raise ApiError(400, "Body cannot be empty when content-type is set to "
                                    "'application/json'")
            return False, None
        if not is_json:
            raise ApiError(415, "Unsupported Media Type: %s" % (ctype or "(none)"))
        try:
            return True, json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise ApiError(400, "Body is not valid JSON: %s" % e) from None

    def repeat_cursor(self, result, req):
        sent = req.query.get("starting_after") or req.b("starting_after")
        if sent:
            result["next_starting_after"] = sent
        elif result["items"] and "next_starting_after" not in result:
            last = result["items"][-1]
            result["next_starting_after"] = last.get("id") or last.get("email") or "x"

    # ----- faults -----
    def send_fault(self, fault):
        action = fault["action"]
        if action == "status":
            status = fault["status"]
            after = fault.get("retry_after", 1)
            headers = {"Retry-After": str(after)} \
                if status in (429, 503) and after is not None else None
            msg = fault.get("message") or "Injected fault: %d %s" % (
                status, envelope(status, "")["error"])
            return self.send_error_envelope(status, msg, headers)
        if action == "invalid_json":
            return self.send_bytes(200, b"<html><body>Bad gateway: not JSON</body></html>")
        if action == "huge":
            return self.send_bytes(200, huge_body(int(fault.get("bytes", 10 * 1024 * 1024))))
        if action == "truncate":
            part = b'{"items":[{"id":"019a0000-0000-7000-8000-'
            self.close_connection = True
            return self.send_bytes(200, part, length=len(part) + 4096)
        if action == "reset":
            return self.reset_connection()
        return None

    def reset_connection(self):
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    # ----- control endpoints -----
    def control(self, app, path, query, body):
        data = None
        if body:
            try:
                data = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                raise ApiError(400, "Body is not valid JSON: %s" % e) from None
        key = (self.command, path.rstrip("/"))
        if key == ("GET", "/_fake/stats"):
            return self.send_json(200, app.stats.as_json())
        if key == ("POST", "/_fake/stats/reset"):
            app.stats.reset()
            return self.send_json(200, app.stats.as_json())
        if key == ("GET", "/_fake/state"):
            keys = parse_qs(query).get("keys")
            keys = keys[0].split(",") if keys else None
            with app.state.lock:
                data = encode(app.state.dump(keys))
            return self.send_bytes(200, data)
        if key == ("POST", "/_fake/state"):
            return self.replace_state(app, data)
        if key == ("POST", "/_fake/reset"):
            with app.state.lock:
                app.load_initial(app.state)
                counts = self.state_counts(app)
            return self.send_json(200, counts)
        if key[1] == "/_fake/faults" and key[0] in ("GET", "POST", "DELETE"):
            with app.knobs.lock:
                if key[0] == "POST":
                    app.knobs.update(data or {})
                elif key[0] == "DELETE":
                    app.knobs.clear()
                data = encode(app.knobs.as_json())
            return self.send_bytes(200, data)
        if key == ("GET", "/_fake/health"):
            return self.send_json(200, {"ok": True})
        if key == ("POST", "/_fake/edit"):
            if not isinstance(data, dict) or data.get("table") not in State.EDITABLE \
                    or not isinstance(data.get("set"), dict):
                raise ApiError(400, "edit takes {table, id, set}, table one of "
                               + ", ".join(State.EDITABLE))
            with app.state.lock:
                obj = app.state.edit(data["table"], data.get("id"), data["set"])
                if obj is None:
                    raise ApiError(404, "no %s %s" % (data["table"], data.get("id")))
                data = encode(obj)
            return self.send_bytes(200, data)
        raise ApiError(404, "Route %s:%s not found" % (self.command, path))

    def replace_state(self, app, data):
        if not isinstance(data, dict):
            raise ApiError(400, "body must be a state object")
        unknown = set(data) - set(STATE_KEYS)
        if unknown:
            raise ApiError(400, "unknown state keys: %s" % ", ".join(sorted(unknown)))
        try:
            State().load(data)          # a bad dump must not leave half a state
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise ApiError(400, "invalid state: %s: %s" % (type(e).__name__, e)) from None
        with app.state.lock:
            app.state.load(data)
            counts = self.state_counts(app)
        return self.send_json(200, counts)

    def state_counts(self, app):
        st = app.state
        return {"ok": True, "counts": {"campaigns": len(st.campaigns), "leads": len(st.leads),
                                       "emails": len(st.emails)}}


def encode(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def huge_body(size):
    head, tail = b'{"items":[],"padding":"', b'"}'
    return head + b"x" * max(0, size - len(head) - len(tail)) + tail


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, port, app):
        super().__init__(("127.0.0.1", port), Handler)
        self.app = app
