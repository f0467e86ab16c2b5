"""Gunicorn's production settings: `gunicorn -c rental/gunicorn.conf.py rental.wsgi`.

Chosen with bench/reserve.py (see the README's Performance section): the reservation POST is
CPU-bound Python with short database waits, so processes (one per core) do the work and a few
threads per process fill those waits. On the 2-core machine, 20 s reserve phases, 50 clients,
two runs each: 2 × 4 served 64 reservations/s at p95 1.0 s with every client served evenly
(24–30 each) for 28.7 ms of CPU a reservation; 3 × 2 served 64–70/s at p95 1.0–1.5 s, less
evenly (17–67); 3 × 4 (the earlier choice, cores + 1 processes) 45–56/s at p95 1.6–1.8 s for
34–40 ms a reservation: twelve threads on two cores only add GIL and scheduler contention.
Each thread holds one persistent PostgreSQL connection (CONN_MAX_AGE), so the server opens
workers x threads connections: keep that under the database's max_connections, together with
the Celery workers'. Every value can be overridden from the environment for a bigger machine.
"""

import multiprocessing
import os

_cores = multiprocessing.cpu_count()

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = int(os.environ.get("GUNICORN_WORKERS", _cores))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# A request is answered in well under a second; one still running after 30 s is stuck (a lock it
# will not get): the worker is replaced rather than kept out of service.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30  # on reload or stop, running requests get this long to finish
# Behind a proxy that reuses its upstream connections; longer than the proxy's idle timeout would
# leave gunicorn closing connections the proxy is about to reuse.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))
# Recycle workers now and then, so a slow leak never grows for weeks; jitter keeps them from all
# restarting at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = 500
# Load the application once in the master, so workers start fast and share its memory pages.
preload_app = True
# The proxy in front logs every request; set GUNICORN_ACCESSLOG=- to have gunicorn log them too.
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
# Request lines and headers bigger than this are refused before Django sees them.
limit_request_line = 8190
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
