#!/usr/bin/python3
"""A small forwardAuth server for the tests (Python's http.server, from Debian's python3).

Usage: auth_server.py LOG_FILE
Listens on 127.0.0.1 (a port the kernel picks; prints "listening PORT") and answers GET:
- Authorization "Bearer good": 200, X-Auth-User: alice, X-Auth-Role: admin, two cookies
  (session=s1, tracking=t1), and every X-Forwarded-* it received echoed as X-Seen-<name>;
- Authorization "Bearer slow": the same after 2 s;
- anything else: 302 to the relative /login?rd=<X-Forwarded-Uri> with a small HTML body.
Each request it got is appended to LOG_FILE as one JSON object (method, path, headers).
"""
import http.server
import json
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        with open(sys.argv[1], "a") as log:
            log.write(json.dumps({"method": self.command, "path": self.path,
                                  "headers": [[k, v] for k, v in self.headers.items()]}) + "\n")
        auth = self.headers.get("Authorization", "")
        if auth in ("Bearer good", "Bearer slow"):
            if auth == "Bearer slow":
                time.sleep(2)
            self.send_response(200)
            self.send_header("X-Auth-User", "alice")
            self.send_header("X-Auth-Role", "admin")
            self.send_header("Set-Cookie", "session=s1; Path=/; HttpOnly")
            self.send_header("Set-Cookie", "tracking=t1; Path=/")
            for name, value in self.headers.items():
                if name.lower().startswith("x-forwarded-"):
                    self.send_header("X-Seen-" + name[len("x-forwarded-"):], value)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"<html><body>please log in</body></html>\n"
        self.send_response(302)
        self.send_header("Location", "/login?rd=" + self.headers.get("X-Forwarded-Uri", ""))
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("listening", server.server_address[1], flush=True)
server.serve_forever()
