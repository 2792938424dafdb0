-- Athena compaction (scheduled): fold raw_cat's changes into the Iceberg table curated_cat
-- (Parquet under curated/cat/). Idempotent: running it twice changes nothing; deletions remove rows.
-- The USING subquery is compact/latest_cat.sql (a test checks they stay the same).
MERGE INTO curated_cat AS t
USING (
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
) AS s
ON t.cat_id = s.cat_id
WHEN MATCHED AND s.deleted THEN DELETE
WHEN MATCHED AND s.record_id > t.record_id THEN UPDATE SET
        record_id = s.record_id,
        changed_at = s.changed_at,
        prefecture_id = s.prefecture_id,
        fiscal_year = s.fiscal_year,
        municipality_id = s.municipality_id,
        sex = s.sex,
        status = s.status,
        neutered = s.neutered,
        ear_tipped = s.ear_tipped,
        area = s.area,
        has_microchip = s.has_microchip,
        lat_coarse = s.lat_coarse,
        lon_coarse = s.lon_coarse,
        created_at = s.created_at,
        updated_at = s.updated_at,
        version = s.version
WHEN NOT MATCHED AND NOT s.deleted THEN INSERT (
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
        version
) VALUES (
        s.record_id, s.changed_at, s.prefecture_id, s.fiscal_year, s.municipality_id, s.cat_id, s.sex, s.status, s.neutered, s.ear_tipped, s.area, s.has_microchip, s.lat_coarse, s.lon_coarse, s.created_at, s.updated_at, s.version
)
