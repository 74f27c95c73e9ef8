-- Staging model over raw.marketing_campaign_performance: one row per performance_id.
select
    performance_id,
    campaign_id,
    date,
    impressions,
    clicks,
    spend,
    conversions,
    _loaded_at
from {{ source('raw', 'marketing_campaign_performance') }}
