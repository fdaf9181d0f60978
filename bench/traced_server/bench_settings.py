"""The project's settings, unchanged: `--settings-file` is what makes bench.run copy
bench_asgi_memory.py beside it into the servers' import path (see bench/memory.py)."""

from classroom.settings import *  # noqa: F403
