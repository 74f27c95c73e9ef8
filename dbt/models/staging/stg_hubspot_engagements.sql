-- Staging model over raw.hubspot_engagements: one row per id.
select
    id,
    portal_id,
    is_deleted,
    type,
    deal_id,
    contact_id,
    company_id,
    hubspot_owner_id,
    timestamp,
    duration_ms,
    _loaded_at
from {{ source('raw', 'hubspot_engagements') }}
