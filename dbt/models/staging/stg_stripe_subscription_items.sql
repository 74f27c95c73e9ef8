-- Staging model over raw.stripe_subscription_items: one row per id.
select
    id,
    subscription_id,
    price_id,
    quantity,
    created,
    _loaded_at
from {{ source('raw', 'stripe_subscription_items') }}
