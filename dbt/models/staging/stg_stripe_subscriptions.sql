-- Staging model over raw.stripe_subscriptions: one row per id.
select
    id,
    customer_id,
    app_subscription_id,
    status,
    collection_method,
    recurring_interval,
    start_date,
    billing_cycle_anchor,
    current_period_start,
    current_period_end,
    trial_start,
    trial_end,
    cancel_at_period_end,
    canceled_at,
    ended_at,
    cancellation_reason,
    metadata,
    created,
    _loaded_at
from {{ source('raw', 'stripe_subscriptions') }}
