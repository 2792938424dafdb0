-- Latest state of every complaint in raw_complaint: the newest change per entity, deleted ones included (deleted = true),
-- so a MERGE can remove them. Written once for Athena (Trino) and DuckDB (via sqlglot).
SELECT
        record_id,
        changed_at,
        prefecture_id,
        fiscal_year,
        municipality_id,
        complaint_id,
        category,
        area,
        received_on,
        created_at,
        deleted
FROM (
    SELECT
        r.*,
        row_number() OVER (PARTITION BY entity_id ORDER BY record_id DESC) AS rn
    FROM raw_complaint AS r
) AS versions
WHERE rn = 1
