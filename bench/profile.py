"""Summarise a py-spy "raw" profile (collapsed stacks): where the server spends time.

    python -m bench.profile /tmp/prof/daphne-1000p-1x-0.txt [--top 25] [--match TEXT]

Prints, per function, the share of samples in which it is on the stack (inclusive)
and on top of the stack (self), so a hot spot like a per-socket thread hop or a
per-answer query stands out.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path


def read_stacks(path: Path) -> Counter[tuple[str, ...]]:
    """Stacks (outermost first) and their sample counts from a py-spy raw file."""
    stacks: Counter[tuple[str, ...]] = Counter()
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks[tuple(stack.split(";"))] += int(count)
    return stacks


def summarise_stacks(
    stacks: Counter[tuple[str, ...]], *, match: str = ""
) -> tuple[int, Counter[str], Counter[str]]:
    """(total samples, inclusive counts, self counts), per frame label."""
    total = 0
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for stack, count in stacks.items():
        if match and not any(match in frame for frame in stack):
            continue
        total += count
        for frame in set(stack):
            inclusive[frame] += count
        if stack:
            own[stack[-1]] += count
    return total, inclusive, own


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Summarise a py-spy raw profile.")
    parser.add_argument("path", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--match", default="", help="only stacks with a frame containing this")
    args = parser.parse_args(argv)
    total, inclusive, own = summarise_stacks(read_stacks(args.path), match=args.match)
    if not total:
        print("no samples")
        return
    print(f"{total} samples")
    for title, counts in (("inclusive", inclusive), ("self", own)):
        print(f"\n{title}:")
        for frame, count in counts.most_common(args.top):
            print(f"{100 * count / total:5.1f}%  {frame}")


if __name__ == "__main__":
    main()
