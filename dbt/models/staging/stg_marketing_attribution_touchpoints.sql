-- Staging model over raw.marketing_attribution_touchpoints: one row per touchpoint_id.
select
    touchpoint_id,
    conversion_id,
    conversion_type,
    mql_id,
    account_id,
    contact_id,
    touched_at,
    converted_at,
    channel,
    campaign_id,
    touch_number,
    touch_count,
    attribution_model,
    attribution_weight,
    _loaded_at
from {{ source('raw', 'marketing_attribution_touchpoints') }}
