-- Staging model over raw.stripe_customers: one row per id.
select
    id,
    account_id,
    email,
    name,
    currency,
    delinquent,
    address_city,
    address_state,
    address_country,
    metadata,
    livemode,
    created,
    _loaded_at
from {{ source('raw', 'stripe_customers') }}
