-- Staging model over raw.marketing_campaigns: one row per campaign_id.
select
    campaign_id,
    campaign_name,
    channel,
    objective,
    start_date,
    end_date,
    daily_budget,
    total_budget,
    _loaded_at
from {{ source('raw', 'marketing_campaigns') }}
