"""gunicorn settings: `gunicorn wsgi:app` reads this file from the working directory."""

import os

from gunicorn import glogging

# Platforms that set PORT expect us on every interface; by hand we stay on loopback.
bind = [f"0.0.0.0:{os.environ['PORT']}"] if os.environ.get("PORT") else ["127.0.0.1:8000"]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
accesslog = "-"
# The path without its query string: searches may one day carry patient details.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
preload_app = True
# gunicorn's largest request line: the app refuses anything over 4,096 characters itself, as JSON.
limit_request_line = 8190


class EscapingLogger(glogging.Logger):
    """gunicorn's logger, with every piece of the request escaped before it is written to the access log.

    PATH_INFO arrives percent-decoded: `GET /x%0A203.0.113.66 "GET /admin" 200` would otherwise write a
    forged second line. Control characters (C0, DEL, C1), quotes and backslashes become `\\xNN`, as nginx
    writes them, so every request is one line whose quoted fields cannot be closed early.
    """

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: value.translate(LOG_ESCAPES) if isinstance(value, str) else value for key, value in atoms.items()}


LOG_ESCAPES = {code: f"\\x{code:02x}" for code in [*range(0x20), *range(0x7F, 0xA0), ord('"'), ord("\\")]}
logger_class = EscapingLogger
