"""Benchmark harness: a raw-websockets floor server, a protocol load generator and
one command (`python -m bench.run`) that runs both against real Daphne processes.

Nothing here imports Django or Channels: the harness talks to the server over HTTP and
websockets only, and reads the database through a `manage.py`-style subprocess.
"""
