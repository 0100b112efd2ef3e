"""What every part of the store shares: the engine, the clock, and portable SQL helpers
(an upsert for SQLite and PostgreSQL alike, keys that fit their columns)."""

import hashlib
import time
from collections.abc import Callable, Sequence

from sqlalchemy import ColumnElement, Connection, Engine, Table, and_
from sqlalchemy.dialects import postgresql, sqlite


class StoreBase:
    """The engine and clock behind one store; each method is one short transaction."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.clock = clock


def upsert(
    connection: Connection,
    table: Table,
    rows: Sequence[dict],
    keys: Sequence[str],
    changes: Sequence[str],
    where: ColumnElement[bool] | None = None,
) -> int:
    """One `INSERT ... ON CONFLICT (keys) DO UPDATE` of `rows`: an existing row takes the
    new values of `changes` (only where `where` holds, if given). The number of rows
    inserted or changed (counted by RETURNING: drivers differ on rowcount)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(list(rows))
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: statement.excluded[name] for name in changes},
        where=where,
    )
    returned = connection.execute(statement.returning(*table.primary_key.columns))
    return len(returned.all())


def fit(text: str, size: int) -> str:
    """`text` within a column of `size` characters: a long one keeps its start and ends in a
    digest of the whole, so two long texts never share a key (PostgreSQL refuses what is
    longer than its column; SQLite would silently keep it)."""
    if len(text) <= size:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"{text[: size - len(digest) - 1]}~{digest}"


def match(table: Table, **values: str) -> ColumnElement[bool]:
    """`column = value` for each keyword, all together."""
    return and_(*(table.c[name] == value for name, value in values.items()))
