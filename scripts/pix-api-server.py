#!/usr/bin/env python3
"""scripts/pix-api-server.py STATE_DIR - the server behind scripts/pix-api-server.

HTTPS on 127.0.0.1 (a free port, written to STATE_DIR/port), client
certificate required (signed by STATE_DIR/ca.crt). POST /oauth/token checks
the client credentials (HTTP Basic, client_id settle-test, the secret in
STATE_DIR/client_secret); GET /pix checks the bearer token and serves
SETTLE_PIX_SERVER_ITEMS generated items in the window asked for. Faults:
STATE_DIR/fault, see scripts/pix-api-server. Standard library only.
"""
import base64
import json
import os
import secrets
import ssl
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

STATE = sys.argv[1]
ITEMS = int(os.environ.get("SETTLE_PIX_SERVER_ITEMS", "250"))
SLEEP = float(os.environ.get("SETTLE_PIX_SERVER_SLEEP", "5"))
# SETTLE_PIX_SERVER_FIXTURE: a JSON file holding a list of Pix objects to
# serve (every window gets the same list, paginated) instead of generated ones
FIXTURE = None
if os.environ.get("SETTLE_PIX_SERVER_FIXTURE"):
    with open(os.environ["SETTLE_PIX_SERVER_FIXTURE"]) as fx:
        FIXTURE = json.load(fx)
CLIENT_ID = "settle-test"
with open(os.path.join(STATE, "client_secret")) as f:
    SECRET = f.read().strip()
TOKENS = set()
LOCK = threading.Lock()


def fault():
    """The current fault mode; a *-once mode is consumed by reading it."""
    with LOCK:
        try:
            with open(os.path.join(STATE, "fault")) as f:
                mode = f.read().strip() or "none"
        except FileNotFoundError:
            return "none"
        if mode.endswith("-once"):
            tmp = os.path.join(STATE, "fault.srv")
            with open(tmp, "w") as f:
                f.write("none\n")
            os.replace(tmp, os.path.join(STATE, "fault"))
        return mode


def peek_fault():
    try:
        with open(os.path.join(STATE, "fault")) as f:
            return f.read().strip() or "none"
    except FileNotFoundError:
        return "none"


def parse_time(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def fmt(t):
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - http.server's name
        sys.stderr.write("%s %s\n" % (self.address_string(), format % args))

    def record(self, status):
        with LOCK, open(os.path.join(STATE, "requests.log"), "a") as f:
            f.write("%s %s %d\n" % (self.command, self.path, status))

    def reply(self, status, body=None, headers=None):
        data = json.dumps(body, ensure_ascii=False, indent=1).encode() if body is not None else b""
        self.record(status)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(n).decode())
        if urlsplit(self.path).path != "/oauth/token":
            return self.reply(404, {"title": "not found"})
        auth = self.headers.get("Authorization", "")
        ok = False
        if auth.startswith("Basic "):
            try:
                user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
                ok = user == CLIENT_ID and pw == SECRET
            except ValueError:
                ok = False
        if peek_fault() == "token-401" or not ok or form.get("grant_type") != ["client_credentials"]:
            return self.reply(401, {"error": "invalid_client"})
        tok = "tok-" + secrets.token_hex(16)
        TOKENS.add(tok)
        with open(os.path.join(STATE, "tokens.log"), "a") as f:
            f.write(tok + "\n")
        self.reply(200, {"access_token": tok, "token_type": "Bearer", "expires_in": 3600, "scope": "pix.read"})

    def do_GET(self):
        u = urlsplit(self.path)
        if u.path != "/pix":
            return self.reply(404, {"title": "not found"})
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in TOKENS:
            return self.reply(401, {"title": "token invalido"})
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        page = int(q.get("paginacao.paginaAtual", "0"))
        size = int(q.get("paginacao.itensPorPagina", "100"))
        mode = peek_fault()
        if mode in ("401-once", "401-always", "429-once", "429-long", "500-once", "500-always"):
            mode = fault()
            if mode.startswith("401"):
                return self.reply(401, {"title": "token expirado"})
            if mode.startswith("429"):
                return self.reply(429, {"title": "muitas requisicoes"},
                                  {"Retry-After": "1" if mode == "429-once" else "3600"})
            return self.reply(500, {"title": "erro interno"})
        inicio, fim = parse_time(q["inicio"]), parse_time(q["fim"])
        total = len(FIXTURE) if FIXTURE is not None else ITEMS
        pages = (total + size - 1) // size
        served = page
        if mode == "missing" and page == 2:
            served = 1
        if mode == "timeout" and page == 1:
            time.sleep(SLEEP)
        lo, hi = served * size, min(total, (served + 1) * size)
        span = max(1, int((fim - inicio).total_seconds()))
        items = [] if FIXTURE is None else list(FIXTURE[lo:hi])
        for i in range(lo, hi) if FIXTURE is None else ():
            t = inicio + timedelta(seconds=(i * 7) % span)
            items.append({
                "endToEndId": "E1234567820261129%014dx" % i,
                "txid": "settletest%022d" % i,
                "valor": "%d.%02d" % (10 + i, i % 100),
                "horario": fmt(t),
                "infoPagador": "PED-%d" % (1000 + i),
            })
        if mode == "short" and page == 1 and items:
            items.pop()
        paginacao = {"paginaAtual": served, "itensPorPagina": size,
                     "quantidadeDePaginas": pages, "quantidadeTotalDeItens": total}
        if mode == "badjson" and page == 0:
            paginacao = None
        echo_fim = fim + timedelta(hours=1) if mode == "window" else fim
        body = {"parametros": {"inicio": fmt(inicio), "fim": fmt(echo_fim)}, "pix": items}
        if paginacao is not None:
            body["parametros"]["paginacao"] = paginacao
        if mode == "huge" and page == 0:
            body["padding"] = "x" * (2 * 1024 * 1024)
        self.reply(200, body)


def main():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(STATE, "server.crt"), os.path.join(STATE, "server.key"))
    ctx.load_verify_locations(os.path.join(STATE, "ca.crt"))
    ctx.verify_mode = ssl.CERT_REQUIRED
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(os.path.join(STATE, "server.pid.tmp"), "w") as f:
        f.write("%d\n" % os.getpid())
    os.replace(os.path.join(STATE, "server.pid.tmp"), os.path.join(STATE, "server.pid"))
    tmp = os.path.join(STATE, "port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.replace(tmp, os.path.join(STATE, "port"))
    srv.serve_forever()


if __name__ == "__main__":
    main()
