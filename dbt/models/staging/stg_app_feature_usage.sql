-- Staging model over raw.app_feature_usage: one row per usage_id.
select
    usage_id,
    session_id,
    user_id,
    account_id,
    feature_name,
    feature_category,
    plan_tier,
    used_at,
    duration_ms,
    status,
    _loaded_at
from {{ source('raw', 'app_feature_usage') }}
