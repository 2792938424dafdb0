-- TNR progress per area for a fiscal year: surgeries (by procedure), ear tips, money, releases, and the area's
-- known cats now with their neutered share (colonies under about 70 % neutered keep growing).
-- params: scope_prefectures, scope_municipalities, fiscal_year, scope_prefectures, scope_municipalities
WITH event_versions AS (
    SELECT
        e.*,
        row_number() OVER (PARTITION BY entity_id ORDER BY record_id DESC) AS rn
    FROM raw_event AS e
    WHERE (contains(split(?, ','), prefecture_id) OR contains(split(?, ','), municipality_id))
      AND fiscal_year = ?
),
tnr AS (
    SELECT
        municipality_id,
        fiscal_year,
        coalesce(area, '') AS area,
        count_if(type = 'trap') AS traps,
        count_if(type = 'surgery') AS surgeries,
        count_if(type = 'surgery' AND procedure = 'spay') AS spays,
        count_if(type = 'surgery' AND procedure = 'neuter') AS neuters,
        count_if(type = 'surgery' AND ear_tip) AS ear_tips,
        coalesce(sum(CASE WHEN type = 'surgery' THEN cost_yen END), 0) AS cost_yen,
        coalesce(sum(CASE WHEN type = 'surgery' THEN subsidy_yen END), 0) AS subsidy_yen,
        count_if(type = 'release') AS releases
    FROM event_versions
    WHERE rn = 1 AND NOT deleted
    GROUP BY municipality_id, fiscal_year, coalesce(area, '')
),
cat_versions AS (
    SELECT
        c.*,
        row_number() OVER (PARTITION BY entity_id ORDER BY record_id DESC) AS rn
    FROM raw_cat AS c
    WHERE contains(split(?, ','), prefecture_id) OR contains(split(?, ','), municipality_id)
),
known AS (
    SELECT
        municipality_id,
        coalesce(area, '') AS area,
        count(*) AS known_cats,
        count_if(neutered) AS neutered_cats,
        count_if(ear_tipped) AS ear_tipped_cats
    FROM cat_versions
    WHERE rn = 1 AND NOT deleted AND status IN ('owned', 'community', 'ownerless', 'in_care')
    GROUP BY municipality_id, coalesce(area, '')
)
SELECT
    tnr.municipality_id,
    tnr.fiscal_year,
    tnr.area,
    tnr.traps,
    tnr.surgeries,
    tnr.spays,
    tnr.neuters,
    tnr.ear_tips,
    tnr.cost_yen,
    tnr.subsidy_yen,
    tnr.releases,
    coalesce(known.known_cats, 0) AS known_cats,
    coalesce(known.neutered_cats, 0) AS neutered_cats,
    coalesce(known.ear_tipped_cats, 0) AS ear_tipped_cats,
    CASE
        WHEN coalesce(known.known_cats, 0) = 0 THEN NULL
        ELSE round(CAST(known.neutered_cats AS double) / known.known_cats, 4)
    END AS neutered_share
FROM tnr
LEFT JOIN known ON known.municipality_id = tnr.municipality_id AND known.area = tnr.area
ORDER BY tnr.municipality_id, tnr.area
