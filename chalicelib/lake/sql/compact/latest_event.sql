-- Latest state of every event in raw_event: the newest change per entity, deleted ones included (deleted = true),
-- so a MERGE can remove them. Written once for Athena (Trino) and DuckDB (via sqlglot).
SELECT
        record_id,
        changed_at,
        prefecture_id,
        fiscal_year,
        municipality_id,
        event_id,
        cat_id,
        type,
        occurred_on,
        recorded_at,
        intake_type,
        age_class,
        category,
        procedure,
        ear_tip,
        cost_yen,
        subsidy_yen,
        area,
        status_before,
        latest_intake_type,
        deleted
FROM (
    SELECT
        r.*,
        row_number() OVER (PARTITION BY entity_id ORDER BY record_id DESC) AS rn
    FROM raw_event AS r
) AS versions
WHERE rn = 1
