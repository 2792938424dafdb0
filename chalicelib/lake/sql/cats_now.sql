-- Known cats now, by municipality, area and status, with days in care (since the latest intake) as of a date.
-- params: scope_prefectures, scope_municipalities, scope_prefectures, scope_municipalities, as_of
WITH cat_versions AS (
    SELECT
        c.*,
        row_number() OVER (PARTITION BY entity_id ORDER BY record_id DESC) AS rn
    FROM raw_cat AS c
    WHERE contains(split(?, ','), prefecture_id) OR contains(split(?, ','), municipality_id)
),
cats AS (
    SELECT * FROM cat_versions WHERE rn = 1 AND NOT deleted
),
intake_versions AS (
    SELECT
        e.entity_id,
        e.cat_id,
        e.occurred_on,
        e.type,
        e.deleted,
        row_number() OVER (PARTITION BY e.entity_id ORDER BY e.record_id DESC) AS rn
    FROM raw_event AS e
    WHERE contains(split(?, ','), e.prefecture_id) OR contains(split(?, ','), e.municipality_id)
),
latest_intake AS (
    SELECT cat_id, max(occurred_on) AS intake_on
    FROM intake_versions
    WHERE rn = 1 AND NOT deleted AND type = 'intake'
    GROUP BY cat_id
),
stays AS (
    SELECT
        cats.*,
        CASE
            WHEN cats.status = 'in_care' AND latest_intake.intake_on IS NOT NULL
                THEN date_diff('day', latest_intake.intake_on, CAST(? AS date))
        END AS days_in_care
    FROM cats
    LEFT JOIN latest_intake ON latest_intake.cat_id = cats.cat_id
)
SELECT
    municipality_id,
    coalesce(area, '') AS area,
    status,
    count(*) AS cats,
    count_if(neutered) AS neutered,
    count_if(ear_tipped) AS ear_tipped,
    avg(days_in_care) AS avg_days_in_care,
    max(days_in_care) AS max_days_in_care
FROM stays
GROUP BY municipality_id, coalesce(area, ''), status
ORDER BY municipality_id, area, status
