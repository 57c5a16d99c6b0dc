"""The warehouse: a DuckDB file holding stories, tags and the named views everyone reads.

Only this package writes SQL. Writers (load, tag) open the file read-write in short transactions
(`with writing(workdir) as con:`, or a `SharedWriter` for a long run); the dashboard, exports and
`storywatch sql` open it read-only (`with reading(workdir) as con:`) and ask the named queries
(`queries`, `report_queries`, `reply_queries`; what they share is `query_base`).
"""
from storywatch.warehouse.db import (
    WarehouseBusy,
    WarehouseCorrupt,
    WarehouseError,
    connect,
    connect_read_only,
    database_path,
    reading,
    writing,
)

__all__ = ["WarehouseBusy", "WarehouseCorrupt", "WarehouseError", "connect", "connect_read_only",
           "database_path", "reading", "writing"]
