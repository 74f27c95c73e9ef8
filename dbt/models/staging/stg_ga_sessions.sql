-- Staging model over raw.ga_sessions: one row per session_id.
select
    session_id,
    client_id,
    session_start,
    source,
    medium,
    channel_grouping,
    campaign_id,
    device_category,
    landing_page,
    pageviews,
    duration_s,
    engaged,
    bounced,
    is_new_user,
    _loaded_at
from {{ source('raw', 'ga_sessions') }}
