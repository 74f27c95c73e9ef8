-- Staging model over raw.hubspot_companies: one row per id.
select
    id,
    portal_id,
    is_deleted,
    account_id,
    property_name,
    property_domain,
    property_industry,
    property_numberofemployees,
    property_annualrevenue,
    property_city,
    property_state,
    property_country,
    property_lifecyclestage,
    property_hubspot_owner_id,
    property_createdate,
    _loaded_at
from {{ source('raw', 'hubspot_companies') }}
