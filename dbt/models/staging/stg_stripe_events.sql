-- Staging model over raw.stripe_events: one row per id.
select
    id,
    type,
    created,
    object_type,
    object_id,
    customer_id,
    api_version,
    request_id,
    data,
    livemode,
    _loaded_at
from {{ source('raw', 'stripe_events') }}
