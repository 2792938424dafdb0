-- Athena compaction (scheduled): fold raw_event's changes into the Iceberg table curated_event
-- (Parquet under curated/event/). Idempotent: running it twice changes nothing; deletions remove rows.
-- The USING subquery is compact/latest_event.sql (a test checks they stay the same).
MERGE INTO curated_event AS t
USING (
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
) AS s
ON t.event_id = s.event_id
WHEN MATCHED AND s.deleted THEN DELETE
WHEN MATCHED AND s.record_id > t.record_id THEN UPDATE SET
        record_id = s.record_id,
        changed_at = s.changed_at,
        prefecture_id = s.prefecture_id,
        fiscal_year = s.fiscal_year,
        municipality_id = s.municipality_id,
        cat_id = s.cat_id,
        type = s.type,
        occurred_on = s.occurred_on,
        recorded_at = s.recorded_at,
        intake_type = s.intake_type,
        age_class = s.age_class,
        category = s.category,
        procedure = s.procedure,
        ear_tip = s.ear_tip,
        cost_yen = s.cost_yen,
        subsidy_yen = s.subsidy_yen,
        area = s.area,
        status_before = s.status_before,
        latest_intake_type = s.latest_intake_type
WHEN NOT MATCHED AND NOT s.deleted THEN INSERT (
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
        latest_intake_type
) VALUES (
        s.record_id, s.changed_at, s.prefecture_id, s.fiscal_year, s.municipality_id, s.event_id, s.cat_id, s.type, s.occurred_on, s.recorded_at, s.intake_type, s.age_class, s.category, s.procedure, s.ear_tip, s.cost_yen, s.subsidy_yen, s.area, s.status_before, s.latest_intake_type
)
