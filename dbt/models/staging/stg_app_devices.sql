-- Staging model over raw.app_devices: one row per device_id.
select
    device_id,
    location_id,
    account_id,
    serial_number,
    model,
    firmware_version,
    status,
    installed_at,
    last_seen_at,
    _loaded_at
from {{ source('raw', 'app_devices') }}
