-- Staging model over raw.stripe_prices: one row per id.
select
    id,
    product_id,
    nickname,
    lookup_key,
    unit_amount,
    currency,
    recurring_interval,
    recurring_interval_count,
    type,
    billing_scheme,
    usage_type,
    active,
    created,
    _loaded_at
from {{ source('raw', 'stripe_prices') }}
