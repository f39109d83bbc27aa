"""Request validation against the official OpenAPI spec.

Owns: loading the spec file, finding the operation for a (method, path
template), and checking path parameters, query parameters and JSON bodies
against the operation's schemas, the way the real API's validator does
(ajv behind Fastify): the first error wins and the message looks like
"body must have required property 'name'" or "querystring/limit must be
<= 100". Query values are strings on the wire and are coerced to the
schema's type first, as the real server does.

Does not: touch server state or know any route's semantics.
"""

import json
import math
import os
import re
import sys

UUID_RE = re.compile(r"^(?:urn:uuid:)?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$", re.I)
EMAIL_RE = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")
DATE_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
DATETIME_RE = re.compile(
    r"^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:?\d\d)$")
URI_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S*$")

FORMATS = {
    "uuid": UUID_RE.match,
    "email": EMAIL_RE.match,
    "date": DATE_RE.match,
    "date-time": DATETIME_RE.match,
    "uri": URI_RE.match,
}


def find_spec(explicit, script_dir):
    """Return the path of the spec file, or None when it cannot be found."""
    if explicit:
        return explicit if os.path.isfile(explicit) else None
    candidates = [
        os.path.join(script_dir, "..", "..", "..", "shared", "instantly-openapi.json"),
        os.path.join(os.getcwd(), "..", "shared", "instantly-openapi.json"),
        os.path.join(os.getcwd(), "shared", "instantly-openapi.json"),
    ]
    for c in candidates:
        if os.path.isfile(c):
            return os.path.normpath(c)
    return None


def _is_type(value, t):
    if t == "null":
        return value is None
    if t == "boolean":
        return isinstance(value, bool)
    if t == "string":
        return isinstance(value, str)
    if t == "object":
        return isinstance(value, dict)
    if t == "array":
        return isinstance(value, list)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if t == "number":
        return not (isinstance(value, float) and (math.isnan(value) or math.isinf(value)))
    if t == "integer":
        return isinstance(value, int) or value.is_integer()
    return True


class Validator:
    """Checks values against JSON Schema (the subset the spec uses)."""

    def __init__(self, doc):
        self.doc = doc

    def resolve(self, schema):
        while isinstance(schema, dict) and "$ref" in schema:
            node = self.doc
            for part in schema["$ref"].lstrip("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def check(self, schema, value, path):
        """Return the first error message, or None when value is valid."""
        s = self.resolve(schema)
        if not isinstance(s, dict) or not s:
            return None
        types = s.get("type")
        if types is not None:
            tl = types if isinstance(types, list) else [types]
            if s.get("nullable"):
                tl = tl + ["null"]
            if not any(_is_type(value, t) for t in tl):
                return "%s must be %s" % (path, ",".join(tl))
        if "enum" in s and not any(_same(value, e) for e in s["enum"]):
            return "%s must be equal to one of the allowed values" % path
        if "const" in s and not _same(value, s["const"]):
            return "%s must be equal to constant" % path
        err = (self._check_number(s, value, path) or self._check_string(s, value, path)
               or self._check_array(s, value, path) or self._check_object(s, value, path))
        if err:
            return err
        return self._check_combinators(s, value, path)

    def _check_number(self, s, v, path):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return None
        if "minimum" in s and v < s["minimum"]:
            return "%s must be >= %s" % (path, _num(s["minimum"]))
        if "maximum" in s and v > s["maximum"]:
            return "%s must be <= %s" % (path, _num(s["maximum"]))
        if isinstance(s.get("exclusiveMinimum"), (int, float)) and v <= s["exclusiveMinimum"]:
            return "%s must be > %s" % (path, _num(s["exclusiveMinimum"]))
        if isinstance(s.get("exclusiveMaximum"), (int, float)) and v >= s["exclusiveMaximum"]:
            return "%s must be < %s" % (path, _num(s["exclusiveMaximum"]))
        return None

    def _check_string(self, s, v, path):
        if not isinstance(v, str):
            return None
        if "minLength" in s and len(v) < s["minLength"]:
            return "%s must NOT have fewer than %d characters" % (path, s["minLength"])
        if "maxLength" in s and len(v) > s["maxLength"]:
            return "%s must NOT have more than %d characters" % (path, s["maxLength"])
        if "pattern" in s and not re.search(s["pattern"], v):
            return '%s must match pattern "%s"' % (path, s["pattern"])
        fmt = FORMATS.get(s.get("format"))
        if fmt and not fmt(v):
            return '%s must match format "%s"' % (path, s["format"])
        return None

    def _check_array(self, s, v, path):
        if not isinstance(v, list):
            return None
        if "minItems" in s and len(v) < s["minItems"]:
            return "%s must NOT have fewer than %d items" % (path, s["minItems"])
        if "maxItems" in s and len(v) > s["maxItems"]:
            return "%s must NOT have more than %d items" % (path, s["maxItems"])
        if isinstance(s.get("items"), dict):
            for i, item in enumerate(v):
                err = self.check(s["items"], item, "%s/%d" % (path, i))
                if err:
                    return err
        return None

    def _check_object(self, s, v, path):
        if not isinstance(v, dict):
            return None
        for name in s.get("required", []):
            if name not in v:
                return "%s must have required property '%s'" % (path, name)
        if "minProperties" in s and len(v) < s["minProperties"]:
            return "%s must NOT have fewer than %d properties" % (path, s["minProperties"])
        props = s.get("properties", {})
        extra = s.get("additionalProperties", True)
        for key, item in v.items():
            if key in props:
                err = self.check(props[key], item, "%s/%s" % (path, key))
            elif extra is False:
                return "%s must NOT have additional properties ('%s')" % (path, key)
            elif isinstance(extra, dict):
                err = self.check(extra, item, "%s/%s" % (path, key))
            else:
                err = None
            if err:
                return err
        return None

    def _check_combinators(self, s, v, path):
        if "allOf" in s:
            for sub in s["allOf"]:
                err = self.check(sub, v, path)
                if err:
                    return err
        if "anyOf" in s and not any(self.check(sub, v, path) is None for sub in s["anyOf"]):
            return "%s must match a schema in anyOf" % path
        if "oneOf" in s:
            n = sum(1 for sub in s["oneOf"] if self.check(sub, v, path) is None)
            if n != 1:
                return "%s must match exactly one schema in oneOf" % path
        if "not" in s and isinstance(s["not"], dict) and self.check(s["not"], v, path) is None:
            return "%s must NOT be valid" % path
        return None


def _same(a, b):
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    return a == b


def _num(x):
    return int(x) if isinstance(x, float) and x.is_integer() else x


def coerce_query(schema, raw_values):
    """Turn the query strings of one parameter into the schema's type.

    raw_values is the list of values given for the parameter. Values that
    cannot be coerced stay strings, so the type check reports them.
    """
    t = schema.get("type")
    tl = t if isinstance(t, list) else [t]
    if "array" in tl:
        item = schema.get("items", {})
        vals = []
        for v in raw_values:
            vals.extend(v.split(",") if "," in v else [v])
        return [coerce_scalar(item, v) for v in vals]
    return coerce_scalar(schema, raw_values[-1])


def coerce_scalar(schema, v):
    t = schema.get("type")
    tl = t if isinstance(t, list) else [t]
    if "integer" in tl and re.match(r"^-?\d+$", v):
        return int(v)
    if "number" in tl:
        try:
            f = float(v)
            if not (math.isnan(f) or math.isinf(f)):
                return int(f) if f.is_integer() and re.match(r"^-?\d+$", v) else f
        except ValueError:
            pass
    if "boolean" in tl and v in ("true", "false"):
        return v == "true"
    if "null" in tl and v == "":
        return None
    return v


class Spec:
    """The loaded OpenAPI document and per-operation checks."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.doc = json.load(f)
        self.validator = Validator(self.doc)

    def operation(self, method, template):
        return self.doc.get("paths", {}).get(template, {}).get(method.lower())

    def parameters(self, op, where):
        return [p for p in op.get("parameters", []) if p.get("in") == where]

    def check_path(self, op, params):
        for p in self.parameters(op, "path"):
            if p["name"] in params:
                err = self.validator.check(p.get("schema", {}), params[p["name"]],
                                           "params/" + p["name"])
                if err:
                    return err
        return None

    def check_query(self, op, query):
        """Validate and coerce the query; returns (error, coerced dict)."""
        out = {}
        for p in self.parameters(op, "query"):
            name, schema = p["name"], p.get("schema", {})
            if name not in query:
                if p.get("required"):
                    return "querystring must have required property '%s'" % name, out
                continue
            value = coerce_query(schema, query[name])
            err = self.validator.check(schema, value, "querystring/" + name)
            if err:
                return err, out
            out[name] = value
        return None, out

    def body_schema(self, op):
        rb = op.get("requestBody")
        if not rb:
            return None, False
        content = rb.get("content", {}).get("application/json")
        if not content:
            return None, False
        return content.get("schema"), bool(rb.get("required"))

    def check_body(self, op, present, body):
        schema, required = self.body_schema(op)
        if schema is None:
            return None
        if not present:
            if required:
                return "body must be object"
            return None
        return self.validator.check(schema, body, "body")


def load_spec(explicit, script_dir):
    path = find_spec(explicit, script_dir)
    if not path:
        sys.stderr.write("fake_instantly: warning: OpenAPI spec not found; "
                         "request bodies and parameters are not validated\n")
        return None
    try:
        return Spec(path)
    except (OSError, ValueError) as e:
        sys.stderr.write("fake_instantly: warning: cannot load spec %s: %s; "
                         "validation is off\n" % (path, e))
        return None
