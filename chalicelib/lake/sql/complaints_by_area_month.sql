-- Complaints by area, month and category for a fiscal year (no descriptions or reporters: never in the lake).
-- params: scope_prefectures, scope_municipalities, fiscal_year
WITH latest AS (
    SELECT
        c.*,
        row_number() OVER (PARTITION BY entity_id ORDER BY record_id DESC) AS rn
    FROM raw_complaint AS c
    WHERE (contains(split(?, ','), prefecture_id) OR contains(split(?, ','), municipality_id))
      AND fiscal_year = ?
)
SELECT
    municipality_id,
    fiscal_year,
    area,
    year(received_on) AS year,
    month(received_on) AS month,
    category,
    count(*) AS complaints
FROM latest
WHERE rn = 1 AND NOT deleted
GROUP BY municipality_id, fiscal_year, area, year(received_on), month(received_on), category
ORDER BY municipality_id, area, year, month, category
