-- Staging model over raw.hubspot_deals: one row per id.
select
    id,
    portal_id,
    is_deleted,
    company_id,
    contact_id,
    property_dealname,
    property_pipeline,
    property_dealstage,
    property_hs_deal_stage_probability,
    property_amount,
    property_createdate,
    property_closedate,
    property_hubspot_owner_id,
    _loaded_at
from {{ source('raw', 'hubspot_deals') }}
