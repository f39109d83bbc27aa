"""What every route handler shares: the request, errors, paging.

Owns: ApiError (turned into the error envelope by the server), Req (one
parsed, validated request plus the state and knobs), and `paged`, the one
implementation of the API's cursor pagination (`items` and
`next_starting_after`, the key left out after the last page, or, with the
last-cursor quirk, an extra empty page).

Does not: parse HTTP or hold the lock (the server does both).
"""

import fake_model as M
from fake_state import page_keys

DEFAULT_LIMIT = 10      # the spec gives no default; its examples use 10
MAX_LIMIT = 100

REASONS = {400: "Bad Request", 401: "Unauthorized", 402: "Payment Required",
           403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           409: "Conflict", 413: "Payload Too Large", 415: "Unsupported Media Type",
           422: "Unprocessable Entity", 429: "Too Many Requests",
           500: "Internal Server Error", 502: "Bad Gateway",
           503: "Service Unavailable", 504: "Gateway Timeout"}


class ApiError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def envelope(status, message):
    return {"statusCode": status, "error": REASONS.get(status, "Error"), "message": message}


def not_found(kind):
    return ApiError(404, "%s not found" % kind)


def bad_request(message):
    return ApiError(400, message)


class Req:
    """One request as the handlers see it."""

    def __init__(self, method, template, params, query, body, state, knobs):
        self.method = method
        self.template = template
        self.params = params        # path parameters, decoded
        self.query = query          # query parameters, coerced to their types
        self.body = body            # parsed JSON body, or None
        self.state = state
        self.knobs = knobs

    def q(self, name, default=None):
        return self.query.get(name, default)

    def b(self, name, default=None):
        if isinstance(self.body, dict):
            return self.body.get(name, default)
        return default

    def require(self, *names):
        """Required body fields (the spec check does this too when loaded)."""
        if not isinstance(self.body, dict):
            raise bad_request("body must be object")
        for n in names:
            if n not in self.body:
                raise bad_request("body must have required property '%s'" % n)
        return self.body

    def limit(self, source=None):
        value = (source if source is not None else self.query).get("limit", DEFAULT_LIMIT)
        where = "body" if source is not None else "querystring"
        if isinstance(value, str) and value.lstrip("-").isdigit():
            value = int(value)      # only reached when the spec is not loaded
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or value != int(value):
            raise bad_request("%s/limit must be integer" % where)
        if value < 1:
            raise bad_request("%s/limit must be >= 1" % where)
        if value > MAX_LIMIT:
            raise bad_request("%s/limit must be <= %d" % (where, MAX_LIMIT))
        return int(value)


def paged(req, keys, after, pred, cursor_of, desc=False, limit=None):
    """One page of a list answer.

    keys: the sorted keys to walk; after: the key the cursor stands for (None
    on the first page); pred(key) -> the public object for that key or None
    to skip it; cursor_of(obj) -> its next_starting_after value.
    """
    n = limit if limit is not None else req.limit()
    items, more = page_keys(keys, after, n, pred, desc)
    out = {"items": items}
    if items and (more or req.knobs.quirk_last_cursor):
        out["next_starting_after"] = cursor_of(items[-1])
    return out


def csv_set(value):
    """A comma-separated query value as a set of stripped strings."""
    if value is None:
        return None
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    return {p.strip() for p in str(value).split(",") if p.strip()}


def apply_patch(obj, body, writable):
    """Copy the writable fields of a PATCH body onto the object."""
    for k, v in (body or {}).items():
        if k in writable:
            obj[k] = v
    return obj


def touch(obj, field="timestamp_updated"):
    obj[field] = M.now_iso()
    return obj


def contains(hay, needle):
    return needle.lower() in (hay or "").lower()
