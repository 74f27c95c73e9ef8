-- Staging model over raw.iot_tap_events: one row per event_id.
select
    event_id,
    device_id,
    location_id,
    poured_at,
    product_type,
    volume_ml,
    duration_ms,
    flow_rate_ml_s,
    temperature_c,
    pressure_psi,
    _loaded_at
from {{ source('raw', 'iot_tap_events') }}
