"""The data lake: record format, layout, table definitions and the SQL written once for Athena and DuckDB."""
