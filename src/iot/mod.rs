//! IoT telemetry from the tap devices: pours (`iot_tap_events`) and one health row per device
//! per day (`iot_device_health`). Both read the same pure per-device, per-day plan, so health
//! pour counts equal the events exactly and every device's last pour is its `last_seen_at`.

pub mod checks;
pub mod device_health;
pub mod tap_events;
