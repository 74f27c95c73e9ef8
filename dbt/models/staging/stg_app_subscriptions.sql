-- Staging model over raw.app_subscriptions: one row per subscription_id.
select
    subscription_id,
    account_id,
    plan_tier,
    billing_interval,
    mrr,
    status,
    change_type,
    trial_start,
    trial_end,
    started_at,
    ended_at,
    end_reason,
    _loaded_at
from {{ source('raw', 'app_subscriptions') }}
