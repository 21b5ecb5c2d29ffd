"""The one row writer of the generator and every importer: column lists per table, typed by the schema.

Rows are gathered as plain Python column lists (cheap to append on hot paths), turned into Arrow
tables with the types declared in generators.schema, and bulk-inserted by generators.store. The
generator sends the Arrow tables of one persona between processes; importers flush in batches so
memory stays bounded on huge inputs.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import duckdb
import pyarrow as pa

from memcurve.generators.schema import SCHEMA, TABLE_NAMES
from memcurve.generators.store import insert_rows

ROW_TABLES: tuple[str, ...] = tuple(t for t in TABLE_NAMES if t != "meta")  # meta is written by write_meta


class RowBuffer:
    """Pending rows of every table; `buffer[table][column]` is the column's list, for bulk `extend`."""

    def __init__(self) -> None:
        self._cols: dict[str, dict[str, list]] = {}
        self.clear()

    def clear(self) -> None:
        self._cols = {t: {c: [] for c in SCHEMA[t].column_names} for t in ROW_TABLES}
        self._appends = {t: tuple(column.append for column in cols.values()) for t, cols in self._cols.items()}

    def __getitem__(self, table: str) -> dict[str, list]:
        return self._cols[table]

    def add(self, table: str, *values: Any) -> None:
        """One row, values in the schema's column order (all of them: a missing column is an error)."""
        for append, value in zip(self._appends[table], values, strict=True):
            append(value)

    def pending(self, table: str) -> int:
        return len(next(iter(self._cols[table].values())))

    def arrow(self, table: str) -> pa.Table:
        """The pending rows of `table` as an Arrow table of the schema's types."""
        cols = self._cols[table]
        return pa.table({c.name: pa.array(cols[c.name], type=c.arrow) for c in SCHEMA[table].columns})

    def arrow_tables(self) -> dict[str, pa.Table]:
        return {table: self.arrow(table) for table in ROW_TABLES}

    def flush(self, con: duckdb.DuckDBPyConnection) -> Counter:
        """Insert every pending row and start empty; return the rows written per table."""
        written = Counter()
        for table in ROW_TABLES:
            if self.pending(table):
                written[table] = write_arrow(con, table, self.arrow(table))
        self.clear()
        return written


def write_arrow(con: duckdb.DuckDBPyConnection, table: str, arrow: pa.Table) -> int:
    """Bulk-insert an Arrow table into `table` by column name; return its row count."""
    if arrow.num_rows:
        insert_rows(con, table, {name: arrow.column(name) for name in arrow.column_names})
    return arrow.num_rows
