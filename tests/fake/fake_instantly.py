#!/usr/bin/env python3
"""A stateful fake of the Instantly API v2, for the tests and the demo.

Owns: the command line and start-up: load the spec (for validation), build
the initial state (--seed FILE, --demo, or an empty workspace, plus
--leads N generated leads), bind 127.0.0.1, write --port-file once
listening, serve until killed. The rest lives in the fake_*.py modules
beside this file; README.md describes the behaviour and the test seed.

Python 3 standard library only.
"""

import argparse
import json
import os
import ssl
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True      # keep __pycache__ out of the source tree

import fake_seeds  # noqa: E402
import fake_validate  # noqa: E402
from fake_server import App, Knobs, Server  # noqa: E402
from fake_state import State  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(description="Fake Instantly API v2 server.")
    p.add_argument("--port", type=int, default=0, help="port to bind (0 = any free port)")
    p.add_argument("--port-file", help="write the bound port to this file once listening")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--seed", help="JSON state file (the GET /_fake/state shape)")
    src.add_argument("--demo", action="store_true", help="built-in sample workspace")
    p.add_argument("--leads", type=int, default=0, help="generate N extra leads")
    p.add_argument("--leads-campaign", help="campaign id for --leads (default: the first)")
    p.add_argument("--emails", type=int, default=0,
                   help="generate N extra inbox messages, four to a thread")
    p.add_argument("--latency-ms", type=float, default=0, help="delay every API answer")
    p.add_argument("--rate-429", type=float, default=0, help="probability of a 429")
    p.add_argument("--rate-5xx", type=float, default=0, help="probability of a 5xx")
    p.add_argument("--rate-reset", type=float, default=0,
                   help="probability of closing the connection without an answer")
    p.add_argument("--rate-slow", type=float, default=0,
                   help="probability of answering --slow-ms late")
    p.add_argument("--slow-ms", type=float, default=300, help="delay of a slow answer")
    p.add_argument("--after-share", type=float, default=0.5,
                   help="share of random 5xx and resets of writes that come after "
                        "the work is done")
    p.add_argument("--quirk-last-cursor", action="store_true",
                   help="last pages keep a cursor; the page after is empty")
    p.add_argument("--verify-pending-polls", type=int, default=1,
                   help="answers that say 'pending' before a verification is final")
    p.add_argument("--job-polls", type=int, default=1,
                   help="GETs of a new background job before it reports success")
    p.add_argument("--emails-per-minute", type=int, default=0,
                   help="rate limit of GET /emails like the real API's 20 (0 = off)")
    p.add_argument("--fault-seed", type=int, default=1, help="seed for random faults")
    p.add_argument("--key", default="test-key", help="the API key Bearer must carry")
    p.add_argument("--spec", help="OpenAPI spec path (default: ../../../shared/...)")
    p.add_argument("--log", help="append one line per request to this file")
    p.add_argument("--tls-cert", help="serve HTTPS with this PEM certificate")
    p.add_argument("--tls-key", help="the certificate's PEM private key")
    return p.parse_args(argv)


def state_builder(args):
    """A function that returns the start-up state as a dump."""
    def build():
        if args.seed:
            with open(args.seed, encoding="utf-8") as f:
                return json.load(f)
        if args.demo:
            return fake_seeds.demo_seed()
        return {"workspace": {"id": fake_seeds.WS, "owner": fake_seeds.OWNER,
                              "name": "Empty Workspace",
                              "timestamp_created": fake_seeds.ts(),
                              "timestamp_updated": fake_seeds.ts()}}
    return build


def state_loader(args, build):
    """Load the start-up state into a State (also used by /_fake/reset)."""
    def load(state):
        state.load(build())
        fake_seeds.add_generated_leads(state, args.leads, args.leads_campaign)
        fake_seeds.add_generated_emails(state, args.emails)
    return load


def write_port_file(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def main(argv=None):
    args = parse_args(argv)
    t0 = time.monotonic()
    spec = fake_validate.load_spec(args.spec, HERE)
    load = state_loader(args, state_builder(args))
    state = State()
    try:
        load(state)
    except (OSError, ValueError) as e:
        sys.exit("fake_instantly: %s" % e)
    log = open(args.log, "a", encoding="utf-8") if args.log else None
    app = App(state, spec, Knobs(args), load, log)
    server = Server(args.port, app)
    scheme = "http"
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    port = server.server_address[1]
    if args.port_file:
        write_port_file(args.port_file, port)
    sys.stderr.write("fake_instantly: listening on %s://127.0.0.1:%d (%d campaigns, "
                     "%d leads, ready in %.2fs)\n" % (scheme, port, len(state.campaigns),
                                                      len(state.leads),
                                                      time.monotonic() - t0))
    sys.stderr.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
