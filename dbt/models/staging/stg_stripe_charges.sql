-- Staging model over raw.stripe_charges: one row per id.
select
    id,
    invoice_id,
    customer_id,
    amount,
    currency,
    status,
    paid,
    failure_code,
    failure_message,
    outcome_network_status,
    outcome_type,
    payment_method_brand,
    payment_method_country,
    created,
    _loaded_at
from {{ source('raw', 'stripe_charges') }}
