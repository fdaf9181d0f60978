"""What each connected phone holds in the server, by library and by line (tracemalloc).

Record two snapshots of one Daphne process, before the first phone and once N phones
have joined, with bench.run and the traced application of bench/traced_server/:

    MEM_PLAYERS=500 MEM_OUT=/tmp/mem .venv/bin/python -m bench.run --players 500 \\
        --questions 1 --join-rate 40 --settle 10 --no-floor \\
        --settings-file bench/traced_server/bench_settings.py \\
        --asgi-app bench_asgi_memory:application
    .venv/bin/python -m bench.memory /tmp/mem-0.snap /tmp/mem-n.snap 500

(tracemalloc makes the server several times slower: a slow join rate keeps every phone
in; `--settle` keeps the first question out of the second snapshot; bench.run's own
KiB/player column means nothing here, tracemalloc's tables are in the server's RSS.) Each allocation
still alive is charged to the innermost frame of the first library it passes through on
its way out (an `asyncio.Queue` Daphne made is Daphne's), and divided by the phones.
"""

from __future__ import annotations

import argparse
import collections
import tracemalloc

LIBRARIES = (
    "classroom/",
    "channels/",
    "daphne/",
    "autobahn/",
    "twisted/",
    "txaio/",
    "asgiref/",
    "django/",
    "bench_asgi",
)


def owner(traceback: tracemalloc.Traceback) -> tuple[str, str]:
    """(library, "file:line") of the innermost frame in one of LIBRARIES."""
    frames = list(traceback)[::-1]  # innermost first
    for frame in frames:
        for library in LIBRARIES:
            if library in frame.filename:
                where = frame.filename.split(library, 1)[1]
                return library.rstrip("/"), f"{library}{where}:{frame.lineno}"
    first = frames[0]
    return "other", f"{first.filename.rsplit('/', 1)[-1]}:{first.lineno}"


def per_player(
    before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, players: int
) -> tuple[dict[str, float], list[tuple[str, float, float]]]:
    """Bytes per player by library, and (line, bytes, blocks) per player by line."""
    libraries: collections.Counter[str] = collections.Counter()
    lines: collections.Counter[str] = collections.Counter()
    blocks: collections.Counter[str] = collections.Counter()
    for stat in after.compare_to(before, "traceback"):
        library, line = owner(stat.traceback)
        libraries[library] += stat.size_diff
        lines[line] += stat.size_diff
        blocks[line] += stat.count_diff
    by_library = {name: size / players for name, size in libraries.most_common()}
    by_line = [(line, size / players, blocks[line] / players) for line, size in lines.most_common()]
    return by_library, by_line


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("players", type=int)
    parser.add_argument("--lines", type=int, default=30, help="how many lines to list")
    args = parser.parse_args(argv)
    by_library, by_line = per_player(
        tracemalloc.Snapshot.load(args.before), tracemalloc.Snapshot.load(args.after), args.players
    )
    print(f"bytes per player: {sum(by_library.values()):,.0f}")
    for library, size in by_library.items():
        print(f"  {library:10} {size:8,.0f}")
    print("\nbytes  blocks  allocated at (innermost frame of the library)")
    for line, size, count in by_line[: args.lines]:
        print(f"{size:7,.0f} {count:6.2f}  {line}")


if __name__ == "__main__":
    main()
