//! IoT telemetry from the tap devices: pours (`iot_tap_events`) and one health row per device
//! per day (`iot_device_health`), written from the tap plan (`plans::taps`); `checks` holds their
//! rules.

pub mod checks;
pub mod device_health;
pub mod tap_events;
