#!/usr/bin/env python3
"""A local fake SMS provider for kopilkad's tests (tests/functional/outbox_test.cpp).

It speaks one provider's documented HTTP API on 127.0.0.1, with its errors
(or, as `webhook`, is a POS's webhook receiver: it logs each raw body and its
headers for the test to check the signature and order, and answers 200, or
500 for the first --fail-first):
  generic  POST <any path>, JSON {"to","text","link","idempotency_key"} and an
           Idempotency-Key header; 200 {"id"}; a key seen before gets the same
           id again (what a provider that honours the key does).
  smsru    POST /sms/send, form api_id, to (digits, no '+'), msg, json=1; SMS.ru's
           JSON answer: {"status":"OK","status_code":100,"sms":{"<to>":{...}}},
           per-number {"status":"ERROR","status_code":207,...}, and
           {"status":"ERROR","status_code":220} for "service unavailable, later".
  push     a web push service (RFC 8030): POST <any path>, the encrypted body
           logged in base64url for the test to decrypt; 201 with a Location;
           410 Gone for a path under /gone/ (a subscription the browser dropped).
  twilio   POST /2010-04-01/Accounts/<sid>/Messages.json, HTTP Basic sid:token,
           form To, From, Body; 201 {"sid":"SM...","status":"queued"}; 400
           {"code":21211,...} for a bad number; 429 {"code":20429} for "later".
Every request is appended to --log as one JSON line (path, headers, body
fields, what was answered, and how many requests were being handled at once
when it came: "concurrent", counting itself). Credentials that do not match --secret are
refused as the provider would (401 / SMS.ru 200), and logged.
"""
import argparse
import base64
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

args = None
lock = threading.Lock()
seen = 0          # requests so far
busy = 0          # requests being handled now
ids = {}          # generic: idempotency key -> id


def log(entry):
    with lock:
        with open(args.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):  # quiet: the JSON log is the record
        pass

    def answer(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        global busy
        with lock:
            busy += 1
            concurrent = busy
        try:
            self.handle_post(concurrent)
        finally:
            with lock:
                busy -= 1

    def handle_post(self, concurrent):
        global seen
        length = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(length)
        raw = "" if args.mode == "push" else data.decode("utf-8")
        with lock:
            seen += 1
            n = seen
        if args.delay_ms > 0:
            time.sleep(args.delay_ms / 1000)  # a provider's round trip
        entry = {"n": n, "path": self.path, "concurrent": concurrent,
                 "headers": {k.lower(): v for k, v in self.headers.items()}}
        if args.mode == "generic":
            entry["json"] = json.loads(raw)
        elif args.mode == "push":
            entry["body"] = base64.urlsafe_b64encode(data).decode().rstrip("=")
        elif args.mode == "webhook":
            entry["raw"] = raw  # the signature is over these bytes: the test checks it
        else:
            entry["form"] = {k: v[0] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}
        failing = n <= args.fail_first or (args.fail_every > 0 and n % args.fail_every == 0)
        lose = args.lose_every > 0 and n % args.lose_every == 0
        status, body, headers = getattr(self, "answer_" + args.mode)(entry, failing)
        entry["answered"] = {"status": status, "body": body, "lost": lose}
        log(entry)
        if lose:
            # Took it, and the answer never reaches the node.
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.answer(status, body, headers)

    def answer_generic(self, entry, failing):
        if entry["headers"].get("authorization") != "Bearer " + args.secret:
            return 401, {"error": "bad token"}, ()
        if failing:
            return 503, {"error": "busy"}, ()
        msg = entry["json"]
        if msg["to"] == args.reject:
            return 400, {"error": "this number cannot receive messages"}, ()
        key = entry["headers"].get("idempotency-key", "")
        with lock:
            entry["duplicate"] = key in ids
            ids.setdefault(key, "gw-%d" % len(ids))
            return 200, {"id": ids[key]}, ()

    def answer_smsru(self, entry, failing):
        form = entry.get("form", {})
        if self.path != "/sms/send" or form.get("json") != "1":
            return 404, {"status": "ERROR", "status_code": 211}, ()
        if form.get("api_id") != args.secret:
            return 200, {"status": "ERROR", "status_code": 200, "status_text": "Неправильный api_id"}, ()
        if failing:
            return 200, {"status": "ERROR", "status_code": 220,
                         "status_text": "Сервис временно недоступен, попробуйте чуть позже."}, ()
        to = form.get("to", "")
        if "+" + to == args.reject:
            one = {"status": "ERROR", "status_code": 207,
                   "status_text": "На этот номер нельзя отправлять сообщения"}
        else:
            one = {"status": "OK", "status_code": 100, "sms_id": "000000-%07d" % entry["n"]}
        return 200, {"status": "OK", "status_code": 100, "sms": {to: one}, "balance": 4122.56}, ()

    def answer_twilio(self, entry, failing):
        want = "/2010-04-01/Accounts/%s/Messages.json" % args.account
        auth = entry["headers"].get("authorization", "")
        expected = "Basic " + base64.b64encode(("%s:%s" % (args.account, args.secret)).encode()).decode()
        if self.path != want:
            return 404, {"code": 20404, "message": "The requested resource was not found", "status": 404}, ()
        if auth != expected:
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}, ()
        if failing:
            return 429, {"code": 20429, "message": "Too Many Requests", "status": 429}, (("Retry-After", "0"),)
        form = entry.get("form", {})
        if form.get("To") == args.reject:
            return 400, {"code": 21211, "message": "The 'To' number %s is not a valid phone number." % form["To"],
                         "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}, ()
        return 201, {"sid": "SM%032d" % entry["n"], "status": "queued", "to": form.get("To"),
                     "from": form.get("From"), "body": form.get("Body")}, ()

    def answer_push(self, entry, failing):
        if failing:
            return 503, {"error": "later"}, ()
        if self.path.startswith("/gone/"):
            return 410, {"error": "push subscription has unsubscribed or expired"}, ()
        return 201, {}, (("Location", "http://127.0.0.1/m/%d" % entry["n"]),)

    def answer_webhook(self, entry, failing):
        # A POS's receiver: takes any event; "later" while failing.
        if failing:
            return 500, {"error": "the till is restarting"}, ()
        return 200, {"ok": True}, ()


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=["generic", "smsru", "twilio", "webhook", "push"], required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--secret", required=True)
    p.add_argument("--account", default="")
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--lose-every", type=int, default=0)
    p.add_argument("--fail-every", type=int, default=0)   # every n-th request: "later" (503, 220, 429)
    p.add_argument("--delay-ms", type=int, default=0)     # each answer this late
    p.add_argument("--reject", default="")
    args = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    import os
    os.replace(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
