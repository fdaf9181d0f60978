"""A group of rows in one INSERT, each row failing alone (docs/architecture.md,
"Answers: stored before acknowledged, in groups").

The normal case is one INSERT for the whole group, inside a savepoint. If one row's
data breaks it (a constraint such as one answer per player and question, a value a
column cannot hold), the savepoint is rolled back and each row is inserted in its own
savepoint: the others are stored and only that row's item gets an error. A failing
database (`OperationalError` and the like) is no row's fault: it is raised on, the
caller's transaction fails and every item of the group gets `try_again`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

from django.db import DataError, IntegrityError, models, transaction

from classroom.errors import ClientError

logger = logging.getLogger(__name__)

T = TypeVar("T")

# What one row's data can make an INSERT raise: a constraint it breaks (IntegrityError),
# a value its column cannot hold (DataError; sqlite3 raises OverflowError for an int over
# 64 bits), a value the driver cannot convert. A failing database (OperationalError,
# InterfaceError...) is none of these: that fails the whole group.
ROW_ERRORS = (IntegrityError, DataError, OverflowError, ValueError, TypeError)


def insert_each(
    rows: Sequence[T],
    insert: Callable[[Sequence[T]], None],
    *,
    noun: str,
    conflict: Callable[[T], ClientError],
    bad_row: ClientError,
) -> list[ClientError | None]:
    """Insert `rows` with `insert` (see the module docstring); per row, None if it is
    stored, else the error its item gets: `conflict(row)` when it broke a constraint,
    `bad_row` for any other fault of its data. `noun` names the rows in the log."""
    if not rows:
        return []
    try:
        with transaction.atomic():
            insert(rows)
        return [None] * len(rows)
    except ROW_ERRORS:
        logger.warning("a group of %d %s failed; storing them one by one", len(rows), noun)
    outcomes: list[ClientError | None] = []
    for row in rows:
        try:
            with transaction.atomic():
                insert([row])
        except IntegrityError:
            outcomes.append(conflict(row))
        except ROW_ERRORS:
            logger.exception("one of a group of %s could not be stored", noun)
            outcomes.append(bad_row)
        else:
            outcomes.append(None)
    return outcomes


def update_each(rows: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Write `fields` of each of `rows` (one model) with one prepared UPDATE run for every
    row, inside the caller's transaction.

    `bulk_update` builds one `CASE WHEN id=... THEN ...` per field over every row: ~1 s
    of CPU for 1,000 players at each reveal, against ~5 ms for this.
    """
    if not rows:
        return
    db = transaction.get_connection()
    quote = db.ops.quote_name
    meta = rows[0]._meta
    columns = [meta.get_field(f) for f in fields]
    assignments = ", ".join(f"{quote(c.column)} = %s" for c in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    data = [
        (*(c.get_db_prep_save(getattr(row, c.attname), db) for c in columns), row.pk)
        for row in rows
    ]
    with db.cursor() as cursor:
        cursor.executemany(sql, data)
