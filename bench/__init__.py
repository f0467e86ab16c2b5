"""Benchmarks: each script builds its own database, prints its figures and cleans up after itself.

`bench.settings` and `bench.urls` are the settings and URLs of the real server the HTTP benchmarks
start (gunicorn); `bench._server` holds the helpers they share.
"""
