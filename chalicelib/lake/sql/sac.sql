-- Shelter Animals Count Basic Data Matrix for cats, one row per municipality for a fiscal year
-- (chalicelib.domain.statistics.sac: stray = ownerless + injured; outcomes only from care; juvenile = age_class
-- juvenile on the event). Beginning/ending counts come from every earlier year, so all years up to it are read.
-- params: fiscal_year, scope_prefectures, scope_municipalities, fiscal_year
WITH params AS (
    SELECT CAST(? AS integer) AS fy
),
latest AS (
    SELECT
        e.*,
        row_number() OVER (PARTITION BY entity_id ORDER BY record_id DESC) AS rn
    FROM raw_event AS e
    WHERE (contains(split(?, ','), prefecture_id) OR contains(split(?, ','), municipality_id))
      AND fiscal_year <= ?
),
events AS (
    SELECT
        municipality_id,
        fiscal_year,
        type,
        intake_type,
        coalesce(age_class = 'juvenile', false) AS juvenile,
        fiscal_year - (SELECT fy FROM params) AS year_offset,
        type = 'intake' AS enters_care,
        type IN ('return_to_owner', 'adoption', 'transfer_out', 'release', 'euthanasia', 'death')
            AND status_before = 'in_care' AS leaves_care
    FROM latest
    WHERE rn = 1 AND NOT deleted
),
by_municipality AS (
    SELECT
        municipality_id,
        count_if(year_offset < 0 AND enters_care) - count_if(year_offset < 0 AND leaves_care) AS beginning_count,
        count_if(year_offset = 0 AND enters_care AND intake_type IN ('ownerless', 'injured') AND NOT juvenile) AS intake_stray_adult,
        count_if(year_offset = 0 AND enters_care AND intake_type IN ('ownerless', 'injured') AND juvenile) AS intake_stray_juvenile,
        count_if(year_offset = 0 AND enters_care AND intake_type = 'owner_surrender' AND NOT juvenile) AS intake_relinquished_by_owner_adult,
        count_if(year_offset = 0 AND enters_care AND intake_type = 'owner_surrender' AND juvenile) AS intake_relinquished_by_owner_juvenile,
        count_if(year_offset = 0 AND enters_care AND intake_type = 'transfer_in' AND NOT juvenile) AS intake_transferred_in_adult,
        count_if(year_offset = 0 AND enters_care AND intake_type = 'transfer_in' AND juvenile) AS intake_transferred_in_juvenile,
        count_if(year_offset = 0 AND enters_care) AS intake_total,
        count_if(year_offset = 0 AND leaves_care AND type = 'adoption') AS live_adoption,
        count_if(year_offset = 0 AND leaves_care AND type = 'return_to_owner') AS live_returned_to_owner,
        count_if(year_offset = 0 AND leaves_care AND type = 'transfer_out') AS live_transferred_out,
        count_if(year_offset = 0 AND leaves_care AND type = 'release') AS live_returned_to_field,
        count_if(year_offset = 0 AND leaves_care AND type IN ('adoption', 'return_to_owner', 'transfer_out', 'release'))
            AS live_total,
        count_if(year_offset = 0 AND leaves_care AND type = 'death') AS other_died_in_care,
        count_if(year_offset = 0 AND leaves_care AND type = 'euthanasia') AS other_euthanasia,
        count_if(year_offset = 0 AND leaves_care AND type IN ('death', 'euthanasia')) AS other_total,
        count_if(year_offset <= 0 AND enters_care) - count_if(year_offset <= 0 AND leaves_care) AS ending_count
    FROM events
    GROUP BY municipality_id
)
SELECT
    municipality_id,
    (SELECT fy FROM params) AS fiscal_year,
    beginning_count,
    intake_stray_adult,
    intake_stray_juvenile,
    intake_relinquished_by_owner_adult,
    intake_relinquished_by_owner_juvenile,
    intake_transferred_in_adult,
    intake_transferred_in_juvenile,
    intake_total,
    live_adoption,
    live_returned_to_owner,
    live_transferred_out,
    live_returned_to_field,
    live_total,
    other_died_in_care,
    other_euthanasia,
    other_total,
    ending_count,
    CASE
        WHEN live_total + other_total = 0 THEN NULL
        ELSE round(CAST(live_total AS double) / (live_total + other_total), 4)
    END AS live_release_rate
FROM by_municipality
ORDER BY municipality_id
