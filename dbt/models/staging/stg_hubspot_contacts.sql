-- Staging model over raw.hubspot_contacts: one row per id.
select
    id,
    portal_id,
    is_deleted,
    company_id,
    property_email,
    property_firstname,
    property_lastname,
    property_jobtitle,
    property_lifecyclestage,
    property_hs_lead_status,
    property_hubspotscore,
    property_createdate,
    _loaded_at
from {{ source('raw', 'hubspot_contacts') }}
