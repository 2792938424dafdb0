-- 環境省 intake/outcome table: one row per municipality and fiscal year, one column per cell
-- (chalicelib.domain.statistics.moe.MOE_COLUMNS, same definitions: outcomes count only from care, outcomes of
-- injured-intake cats count in the injured block, 譲渡 = adoption + transfer_out, ③ = death in care).
-- params: scope_prefectures, scope_municipalities, fiscal_year
WITH latest AS (
    SELECT
        e.*,
        row_number() OVER (PARTITION BY entity_id ORDER BY record_id DESC) AS rn
    FROM raw_event AS e
    WHERE (contains(split(?, ','), prefecture_id) OR contains(split(?, ','), municipality_id))
      AND fiscal_year = ?
),
events AS (
    SELECT
        municipality_id,
        fiscal_year,
        type,
        intake_type,
        category,
        coalesce(age_class = 'juvenile', false) AS juvenile,
        type <> 'intake' AND status_before = 'in_care' AS from_care,
        coalesce(latest_intake_type = 'injured', false) AS injured
    FROM latest
    WHERE rn = 1 AND NOT deleted
)
SELECT
    municipality_id,
    fiscal_year,
    count_if(type = 'intake' AND intake_type = 'owner_surrender' AND NOT juvenile) AS intake_owner_surrender_adult,
    count_if(type = 'intake' AND intake_type = 'owner_surrender' AND juvenile) AS intake_owner_surrender_juvenile,
    count_if(type = 'intake' AND intake_type = 'ownerless' AND NOT juvenile) AS intake_ownerless_adult,
    count_if(type = 'intake' AND intake_type = 'ownerless' AND juvenile) AS intake_ownerless_juvenile,
    count_if(type = 'intake' AND intake_type IN ('owner_surrender', 'ownerless')) AS intake_total,
    count_if(from_care AND NOT injured AND type = 'return_to_owner') AS outcome_returned_to_owner_total,
    count_if(from_care AND NOT injured AND type = 'return_to_owner' AND juvenile) AS outcome_returned_to_owner_juvenile,
    count_if(from_care AND NOT injured AND type IN ('adoption', 'transfer_out')) AS outcome_adopted_total,
    count_if(from_care AND NOT injured AND type IN ('adoption', 'transfer_out') AND juvenile) AS outcome_adopted_juvenile,
    count_if(from_care AND NOT injured AND type = 'euthanasia' AND category = 1) AS outcome_euthanized_category_1,
    count_if(from_care AND NOT injured AND type = 'euthanasia' AND category = 2) AS outcome_euthanized_category_2,
    count_if(from_care AND NOT injured AND type = 'death') AS outcome_euthanized_died_in_care,
    count_if(from_care AND NOT injured AND type IN ('euthanasia', 'death')) AS outcome_euthanized_total,
    count_if(from_care AND NOT injured AND type IN ('euthanasia', 'death') AND juvenile) AS outcome_euthanized_juvenile,
    count_if(type = 'intake' AND intake_type = 'injured') AS injured_intake,
    count_if(from_care AND injured AND type = 'return_to_owner') AS injured_returned_to_owner,
    count_if(from_care AND injured AND type IN ('adoption', 'transfer_out')) AS injured_adopted,
    count_if(from_care AND injured AND type IN ('euthanasia', 'death')) AS injured_euthanized
FROM events
GROUP BY municipality_id, fiscal_year
ORDER BY municipality_id, fiscal_year
