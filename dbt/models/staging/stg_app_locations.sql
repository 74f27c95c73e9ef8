-- Staging model over raw.app_locations: one row per location_id.
select
    location_id,
    account_id,
    location_name,
    location_type,
    street_address,
    city,
    state,
    zip_code,
    timezone,
    created_at,
    _loaded_at
from {{ source('raw', 'app_locations') }}
