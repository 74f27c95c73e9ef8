//! IoT telemetry from the tap devices: pours (`iot_tap_events`) and one health row per device
//! per day (`iot_device_health`), written from the tap plan (`plans::taps`); `checks` holds their
//! rules.

pub mod checks;
pub mod device_health;
pub mod tap_events;

/// What this part of the model leaves out, and why: shown in `datagen report`.
pub const SIMPLIFICATIONS: &[&str] = &[
    "Tap telemetry is one event per pour plus a daily health roll-up per device: no raw sensor streams, firmware rollouts or alerts.",
];
