-- Staging model over raw.app_user_sessions: one row per session_id.
select
    session_id,
    user_id,
    account_id,
    started_at,
    ended_at,
    duration_s,
    device_type,
    ip_address,
    geo_state,
    page_count,
    _loaded_at
from {{ source('raw', 'app_user_sessions') }}
