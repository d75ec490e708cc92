"""gunicorn settings: `gunicorn wsgi:app` reads this file from the working directory."""

import os

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
