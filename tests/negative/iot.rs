// Broken copies of the IoT tables' rules (included by tests/negative.rs).

/// What else fails when pours are dropped: the health rows and devices no longer match them.
const LOST_POURS: &[&str] = &[
    "iot_device_health: pour_count per device equals its tap events",
    "iot_device_health: pour_count per local day equals its tap events around daylight-time switches",
    "iot_tap_events: every device reporting for 30 days or more inside the window has pours",
    "iot_tap_events: exact row count",
    "iot_tap_events: no pour after its device's last contact (last_seen_at)",
    "iot_device_health: avg_temperature_c is the mean of the day's pours",
];

fn iot_cases() -> Vec<Case> {
    vec![
        case("iot_tap_events: product mix: all 8 styles, lager most poured, none above 40 %", true, &[], |d| {
            rewrite(d, "iot_tap_events", |b| edit_text(b, "product_type", |_, v| if v == "ipa" || v == "pale_ale" { "lager".into() } else { v.into() }))
        }),
        case("iot_tap_events: volume by product: stout, sour and cider poured smaller than lager", true, &[
            "iot_tap_events: duration = volume / flow rate",
            "iot_tap_events: volumes are serving sizes (5, 10, 12, 16, 20 oz, 64 oz pitcher) within 10 %",
        ], |d| {
            // Sours and ciders poured as pitchers.
            rewrite(d, "iot_tap_events", |b| {
                let p = other_text(&b, "product_type");
                let b = edit::<Float64Type>(b, "volume_ml", {
                    let p = p.clone();
                    move |i, v| if p[i] == "sour" || p[i] == "cider" { v * 3.0 } else { v }
                });
                edit::<Int32Type>(b, "duration_ms", move |i, v| if p[i] == "sour" || p[i] == "cider" { v * 3 } else { v })
            })
        }),
        case("iot_tap_events: volumes are serving sizes (5, 10, 12, 16, 20 oz, 64 oz pitcher) within 10 %", false, &[], |d| {
            rewrite(d, "iot_tap_events", |b| {
                let b = edit::<Float64Type>(b, "volume_ml", |i, v| if i == 0 { 700.0 } else { v });
                let flow = other::<Float64Type>(&b, "flow_rate_ml_s");
                edit::<Int32Type>(b, "duration_ms", move |i, v| if i == 0 { (700.0 / flow[0] * 1000.0) as i32 } else { v })
            })
        }),
        case("iot_tap_events: pours after the device's install, inside the window", false, &[
            "iot_device_health: pour_count per local day equals its tap events around daylight-time switches",
            "iot_tap_events: no pour after its device's last contact (last_seen_at)",
            "iot_device_health: avg_temperature_c is the mean of the day's pours",
        ], |d| {
            rewrite(d, "iot_tap_events", |b| edit::<Ts>(b, "poured_at", |i, v| if i == 5 { v - 3_000 * DAY } else { v }))
        }),
        case("iot_tap_events: every device reporting for 30 days or more inside the window has pours", false, &[
            "iot_tap_events: exact row count",
            "iot_tap_events: no pour after its device's last contact (last_seen_at)",
            "iot_device_health: pour_count per device equals its tap events",
            "iot_device_health: pour_count per local day equals its tap events around daylight-time switches",
            "iot_device_health: days with pours have uptime",
            "iot_device_health: avg_temperature_c is the mean of the day's pours",
        ], |d| {
            rewrite(d, "iot_tap_events", |b| {
                let dev = other::<Int64Type>(&b, "device_id");
                let first = dev[0];
                keep_rows(b, move |_, i| dev[i] != first)
            })
        }),
        case("iot_tap_events: no pour after its device's last contact (last_seen_at)", false, &[
            "iot_device_health: avg_temperature_c is the mean of the day's pours",
            "iot_device_health: pour_count per local day equals its tap events around daylight-time switches",
        ], |d| {
            // A pour stamped at the last instant of the cut, after its device was last heard (and
            // so on another local day than the one its health row counts it in).
            rewrite(d, "iot_tap_events", |b| edit::<Ts>(b, "poured_at", |i, v| if i == 0 { END - 1 } else { v }))
        }),
        case("iot_tap_events: location_id is the device's location", false, &[], |d| {
            rewrite(d, "iot_tap_events", |b| edit::<Int64Type>(b, "location_id", |i, v| if i == 0 { v + 1 } else { v }))
        }),
        case("iot_tap_events: duration = volume / flow rate", false, &[], |d| {
            rewrite(d, "iot_tap_events", |b| edit::<Int32Type>(b, "duration_ms", |i, v| if i == 0 { v + 500 } else { v }))
        }),
        case("iot_tap_events: line temperature within 0–8 °C", false, &[
            "iot_device_health: avg_temperature_c is the mean of the day's pours",
        ], |d| {
            rewrite(d, "iot_tap_events", |b| edit::<Float64Type>(b, "temperature_c", |i, v| if i == 0 { 9.5 } else { v }))
        }),
        case("iot_tap_events: busiest 4 local hours inside 18:00–22:00", true, &[
            "iot_tap_events: draft peaks on St Patrick's Day, Super Bowl Sunday, Cinco de Mayo and July 4",
            "iot_device_health: pour_count per local day equals its tap events around daylight-time switches",
            "iot_tap_events: no pour after its device's last contact (last_seen_at)",
            "iot_tap_events: pours after the device's install, inside the window",
            "iot_device_health: avg_temperature_c is the mean of the day's pours",
        ], |d| {
            // Every pour moved to 09:00 UTC (small hours in the US), keeping its UTC day: an
            // evening's pours land on the next local day, off the peak days.
            rewrite(d, "iot_tap_events", |b| edit::<Ts>(b, "poured_at", |_, t| t.div_euclid(DAY) * DAY + 9 * HOUR))
        }),
        case("iot_tap_events: draft peaks on St Patrick's Day, Super Bowl Sunday, Cinco de Mayo and July 4", true, LOST_POURS, |d| {
            // Three in five pours of each peak day (its US local day, 06:00–06:00 UTC) lost.
            let peaks: Vec<i64> = datagen::targets::draft_peak_days(2025).iter().map(|p| p.1).collect();
            rewrite(d, "iot_tap_events", move |b| {
                let at = other::<Ts>(&b, "poured_at");
                let peaks = peaks.clone();
                keep_rows(b, move |_, i| !(peaks.contains(&(at[i] - 6 * HOUR).div_euclid(DAY)) && i % 5 < 3))
            })
        }),
        case("iot_tap_events: Friday–Sunday busier than Monday–Thursday", true, LOST_POURS, |d| {
            // A third of the weekend pours lost.
            rewrite(d, "iot_tap_events", |b| {
                let at = other::<Ts>(&b, "poured_at");
                keep_rows(b, move |_, i| !(matches!(at[i].div_euclid(DAY).rem_euclid(7), 1..=3) && i % 3 == 0))
            })
        }),
        case("iot_device_health: one row per device per day installed inside the window", false, &["iot_device_health: exact row count"], |d| {
            // A quiet device-day lost.
            rewrite(d, "iot_device_health", |b| {
                let n = other::<Int32Type>(&b, "pour_count");
                let row = (0..b.num_rows()).find(|&i| n[i] == 0).unwrap_or(usize::MAX);
                keep_rows(b, move |_, i| i != row)
            })
        }),
        case("iot_device_health: no uptime after the device went quiet", false, &[], |d| {
            rewrite(d, "iot_device_health", |b| {
                let up = other::<Float64Type>(&b, "uptime_pct");
                let row = (0..b.num_rows()).find(|&i| up[i] == 0.0).unwrap_or(usize::MAX);
                edit::<Float64Type>(b, "uptime_pct", move |i, v| if i == row { 50.0 } else { v })
            })
        }),
        case("iot_device_health: days with pours have uptime", false, &[], |d| {
            rewrite(d, "iot_device_health", |b| {
                let n = other::<Int32Type>(&b, "pour_count");
                let row = (0..b.num_rows()).find(|&i| n[i] > 0).unwrap_or(usize::MAX);
                edit::<Float64Type>(b, "uptime_pct", move |i, v| if i == row { 0.0 } else { v })
            })
        }),
        case("iot_device_health: status on the as-of day agrees with app_devices.status", false, &[
            "hubspot_tickets: more tickets where devices have poor uptime",
            "app_devices: status agrees with last contact (online iff seen in the last hour)",
        ], |d| {
            rewrite(d, "app_devices", |b| {
                edit_text(b, "status", |_, v| match v {
                    "online" => "offline".into(),
                    "offline" => "online".into(),
                    o => o.into(),
                })
            })
        }),
        case("iot_device_health: pour_count per device equals its tap events", false, &[
            "iot_device_health: days with pours have uptime",
            "iot_device_health: pour_count per local day equals its tap events around daylight-time switches",
        ], |d| {
            rewrite(d, "iot_device_health", |b| edit::<Int32Type>(b, "pour_count", |i, v| v + i32::from(i == 10)))
        }),
        case("iot_device_health: pour_count per local day equals its tap events around daylight-time switches", true, &[
            "iot_tap_events: no pour after its device's last contact (last_seen_at)",
            "iot_tap_events: pours after the device's install, inside the window",
            "iot_device_health: avg_temperature_c is the mean of the day's pours",
        ], |d| {
            // Pours of the spring switch night counted an hour off (the noon offset applied all
            // day): those between local midnight and 01:00 fall on the day before.
            rewrite(d, "iot_tap_events", |b| {
                let spring = 20_156i64; // 2025-03-09
                edit::<Ts>(b, "poured_at", move |_, t| if t.div_euclid(DAY) == spring { t - HOUR } else { t })
            })
        }),
        case("iot_device_health: avg_temperature_c is the mean of the day's pours", false, &[], |d| {
            // A daily average that drifts from the pours it summarises: 0.4 °C warmer.
            rewrite(d, "iot_device_health", |b| edit::<Float64Type>(b, "avg_temperature_c", |_, v| v + 0.4))
        }),
        case("iot_device_health: errors rise before maintenance", true, &[], |d| {
            rewrite(d, "iot_device_health", |b| edit::<Int32Type>(b, "error_count", |i, _| (i % 3) as i32))
        }),
    ]
}
