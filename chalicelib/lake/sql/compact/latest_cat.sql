-- Latest state of every cat in raw_cat: the newest change per entity, deleted ones included (deleted = true),
-- so a MERGE can remove them. Written once for Athena (Trino) and DuckDB (via sqlglot).
SELECT
        record_id,
        changed_at,
        prefecture_id,
        fiscal_year,
        municipality_id,
        cat_id,
        sex,
        status,
        neutered,
        ear_tipped,
        area,
        has_microchip,
        lat_coarse,
        lon_coarse,
        created_at,
        updated_at,
        version,
        deleted
FROM (
    SELECT
        r.*,
        row_number() OVER (PARTITION BY entity_id ORDER BY record_id DESC) AS rn
    FROM raw_cat AS r
) AS versions
WHERE rn = 1
