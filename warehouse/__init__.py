"""The warehouse: a DuckDB file holding stories, tags and the named views everyone reads.

Only this package writes SQL. Writers (load, tag) open the file read-write in short transactions;
the dashboard, exports and `storywatch sql` open it read-only.
"""
from warehouse.db import (
    WarehouseBusy,
    WarehouseCorrupt,
    WarehouseError,
    connect,
    connect_read_only,
    database_path,
)

__all__ = ["WarehouseBusy", "WarehouseCorrupt", "WarehouseError", "connect", "connect_read_only",
           "database_path"]
