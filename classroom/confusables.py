"""Unicode TS #39 confusable skeletons, from the Unicode data file shipped beside this.

Two strings are confusable when their skeletons are equal (Unicode Technical Standard
#39, "Unicode Security Mechanisms", section 4 "Confusable Detection"):

    skeleton(X) = NFD( the prototype of each character of NFD(X), concatenated )

The prototypes are those of `data/confusables.txt`, Unicode's own file, shipped
unchanged with its copyright and terms-of-use header (see `UNICODE_VERSION` for its
version, and docs/security.md for where it came from and how to update it). Since
Unicode 8.0 the file has one table, MA: mixed-script, any-case. A skeleton is only for
comparing; it is not a name to show anyone ("paypal" becomes "paypal", but "m" becomes
"rn" and "0" becomes "O").

No Python library implements `skeleton()` from this table (confusable_homoglyphs and
confusables test characters one by one against their own derived maps; PyICU needs the
ICU C library and a compiler), so it is these few lines over the official data.

Pure: stdlib only.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

DATA_PATH = Path(__file__).with_name("data") / "confusables.txt"

_VERSION_LINE = re.compile(r"^#\s*Version:\s*(\S+)")


class ConfusablesDataError(ValueError):
    """The data file is not in the format of Unicode's confusables.txt."""


def load_prototypes(path: Path = DATA_PATH) -> tuple[str, dict[int, str]]:
    """(Unicode version, {code point: prototype}) read from a confusables.txt file.

    Each data line is `source ; target ; type # comment`, the source one code point
    and the target one or more, all in hex.
    """
    version = ""
    table: dict[int, str] = {}
    # utf-8-sig: Unicode's files start with a byte-order mark.
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        found = _VERSION_LINE.match(line)
        if found and not version:
            version = found.group(1)
        data = line.split("#", 1)[0].strip()
        if not data:
            continue
        fields = [field.strip() for field in data.split(";")]
        try:
            source = fields[0].split()
            target = fields[1].split()
            if len(source) != 1 or not target:
                raise ValueError
            table[int(source[0], 16)] = "".join(chr(int(cp, 16)) for cp in target)
        except (IndexError, ValueError):
            raise ConfusablesDataError(f"{path.name} line {number}: {line!r}") from None
    if not version or not table:
        raise ConfusablesDataError(f"{path.name} has no version line or no data.")
    return version, table


UNICODE_VERSION, PROTOTYPES = load_prototypes()


def skeleton(text: str) -> str:
    """The TS #39 skeleton of `text` (case-sensitive, as the standard defines it)."""
    mapped = unicodedata.normalize("NFD", text).translate(PROTOTYPES)
    return unicodedata.normalize("NFD", mapped)


def confusable(a: str, b: str) -> bool:
    """Whether `a` and `b` look alike by TS #39 (their skeletons are equal)."""
    return skeleton(a) == skeleton(b)
