"""Copying a DuckDB warehouse into a lake: the way an existing single-machine warehouse moves to
`storage = "delta"` (and how the benchmark builds a big lake from a generated warehouse).

Every lake table is replaced whole from the warehouse's rows, streamed in Arrow batches; the
stories get their text hash on the way, the tags are nested per story. Then the daily rollups are
rebuilt from the copied rows. Run it on a warehouse no writer is using.
"""
from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pyarrow as pa

from storywatch.scale import lake_flow
from storywatch.scale.lake import TABLES, Lake, lake_schema, select_for_lake, tag_rows
from storywatch.story_record import story_text
from storywatch.warehouse.tags import text_hash

BATCH_ROWS = 200_000


def _conformed(batches: Iterator[pa.RecordBatch], schema: pa.Schema,
               hashed: bool) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        table = pa.Table.from_batches([batch])
        if hashed:
            table = table.append_column("text_hash", pa.array(
                [text_hash(story_text(title, body)) for title, body
                 in zip(batch.column("title").to_pylist(), batch.column("body").to_pylist())],
                pa.string()))
        yield from table.select(schema.names).cast(schema).to_batches()


def copy_warehouse(con: duckdb.DuckDBPyConnection, lake: Lake) -> dict[str, int]:
    """Replace the lake's tables by the warehouse's rows; return the rows copied per table."""
    from deltalake import write_deltalake

    lake.create()
    copied = {}
    for name, table in TABLES.items():
        if table.base is None or table.base.startswith("rollup_"):
            continue
        schema = lake_schema(name)
        cursor = con.cursor()  # a reader of its own: the copy streams while it writes
        reader = cursor.sql(f"SELECT {select_for_lake(table.base)} FROM {table.base}") \
            .fetch_record_batch(BATCH_ROWS)
        write_deltalake(lake.uri(name), pa.RecordBatchReader.from_batches(
            schema, _conformed(reader, schema, hashed=name == "stories")),
            mode="overwrite", storage_options=lake.storage_options)
        cursor.close()
        copied[name] = lake.table(name).to_pyarrow_dataset().count_rows()
    # Tags nested a slice of stories at a time, so a big warehouse never sits in memory whole.
    ((stories,),) = con.execute("SELECT count(*) FROM story_tags").fetchall()
    slices = max(1, -(-stories // (5 * BATCH_ROWS)))
    for number in range(slices):
        rows = tag_rows(con, f"WHERE hash(story_key) % {slices} = {number}")
        write_deltalake(lake.uri("tags"), lake.conform("tags", rows),
                        mode="overwrite" if number == 0 else "append",
                        storage_options=lake.storage_options)
    copied["tags"] = lake.table("tags").to_pyarrow_dataset().count_rows()
    lake_flow.refresh_rollups(lake, None)
    return copied
