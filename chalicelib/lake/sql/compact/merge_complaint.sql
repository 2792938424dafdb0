-- Athena compaction (scheduled): fold raw_complaint's changes into the Iceberg table curated_complaint
-- (Parquet under curated/complaint/). Idempotent: running it twice changes nothing; deletions remove rows.
-- The USING subquery is compact/latest_complaint.sql (a test checks they stay the same).
MERGE INTO curated_complaint AS t
USING (
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
) AS s
ON t.complaint_id = s.complaint_id
WHEN MATCHED AND s.deleted THEN DELETE
WHEN MATCHED AND s.record_id > t.record_id THEN UPDATE SET
        record_id = s.record_id,
        changed_at = s.changed_at,
        prefecture_id = s.prefecture_id,
        fiscal_year = s.fiscal_year,
        municipality_id = s.municipality_id,
        category = s.category,
        area = s.area,
        received_on = s.received_on,
        created_at = s.created_at
WHEN NOT MATCHED AND NOT s.deleted THEN INSERT (
        record_id,
        changed_at,
        prefecture_id,
        fiscal_year,
        municipality_id,
        complaint_id,
        category,
        area,
        received_on,
        created_at
) VALUES (
        s.record_id, s.changed_at, s.prefecture_id, s.fiscal_year, s.municipality_id, s.complaint_id, s.category, s.area, s.received_on, s.created_at
)
