"""gunicorn settings of Tricircle's API (`gunicorn -c python:tricircle_site.gunicorn_conf`)."""

import os

worker_class = "gthread"
workers = int(os.environ.get("TRICIRCLE_API_WORKERS", "2"))
threads = int(os.environ.get("TRICIRCLE_API_THREADS", "8"))
# A list waits for the slowest pod, a boot for port copies in the pod: well above POD_TIMEOUT.
timeout = 180
# OpenStack clients keep connections open between calls. With gunicorn's 2 s default, a client
# reusing a connection idle for about 2 s races the server closing it and gets
# "Remote end closed connection without response"; 75 s (nginx's default) makes that rare.
keepalive = 75
