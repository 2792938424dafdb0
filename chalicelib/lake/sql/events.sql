-- Every recorded event of a fiscal year (current state: replays collapsed, deleted cats' events gone).
-- No notes, contacts or destinations: they never reach the lake.
-- params: scope_prefectures, scope_municipalities, fiscal_year
WITH latest AS (
    SELECT
        e.*,
        row_number() OVER (PARTITION BY entity_id ORDER BY record_id DESC) AS rn
    FROM raw_event AS e
    WHERE (contains(split(?, ','), prefecture_id) OR contains(split(?, ','), municipality_id))
      AND fiscal_year = ?
)
SELECT
    municipality_id,
    fiscal_year,
    event_id,
    cat_id,
    type,
    occurred_on,
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
FROM latest
WHERE rn = 1 AND NOT deleted
ORDER BY municipality_id, occurred_on, event_id
