//! Profiles and exact row counts. Pure functions: the count of every table follows from the
//! number of accounts and the profile, never from what a generator happened to draw.

use std::fmt;

/// One of the named sizes, or a custom account count scaled from the QA/production ratios.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Profile {
    Dev,
    Qa,
    Production,
    Custom(u64),
}

pub const NAMED: [Profile; 3] = [Profile::Dev, Profile::Qa, Profile::Production];

/// Accounts of the QA profile, the base every custom profile scales from.
const QA_ACCOUNTS: u64 = 10_000;

/// How many rows a table has in each profile: declared once, beside the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// Scales with the accounts: the named profiles' exact counts; a custom profile scales the QA
    /// figure by its accounts (QA has 10,000), rounding half up.
    Scaled { dev: u64, qa: u64, production: u64 },
    /// The same in every profile (a catalogue such as the price list).
    Fixed(u64),
    /// Follows from the world (one row per device-day); no target before the world is built.
    Derived,
}

/// Exact row counts of one profile, resolved from the tables' declared sizes.
#[derive(Clone, Debug)]
pub struct Counts {
    /// (table, rows, whether the count scales with the accounts).
    rows: Vec<(&'static str, u64, bool)>,
}

impl Counts {
    pub fn new(profile: &Profile, sizes: impl IntoIterator<Item = (&'static str, Size)>) -> Counts {
        Counts {
            rows: sizes
                .into_iter()
                .filter_map(|(t, s)| Some((t, profile.rows(s)?, matches!(s, Size::Scaled { .. }))))
                .collect(),
        }
    }

    /// These counts with every count that scales with the accounts multiplied by `ratio`
    /// (rounded, at least one where there was one); fixed catalogues unchanged.
    pub fn scaled(&self, ratio: f64) -> Counts {
        Counts {
            rows: self
                .rows
                .iter()
                .map(|&(t, n, scales)| {
                    let m = if scales && n > 0 {
                        ((n as f64 * ratio).round() as u64).max(1)
                    } else {
                        n
                    };
                    (t, m, scales)
                })
                .collect(),
        }
    }

    /// These counts with `table` holding `rows`.
    pub fn with(mut self, table: &'static str, rows: u64) -> Counts {
        match self.rows.iter_mut().find(|r| r.0 == table) {
            Some(r) => r.1 = rows,
            None => self.rows.push((table, rows, false)),
        }
        self
    }

    /// The exact count of a table with a declared size, or None.
    pub fn try_get(&self, table: &str) -> Option<u64> {
        self.rows.iter().find(|r| r.0 == table).map(|r| r.1)
    }

    /// The exact count of a table with a declared size.
    ///
    /// # Panics
    /// When the table declares no size: a programming error caught by every test run.
    pub fn get(&self, table: &str) -> u64 {
        self.try_get(table)
            .unwrap_or_else(|| panic!("table {table} declares no fixed size"))
    }
}

impl Profile {
    /// Parses `dev`, `qa` or `production` (case-insensitive).
    pub fn parse(s: &str) -> Option<Profile> {
        match s.to_ascii_lowercase().as_str() {
            "dev" => Some(Profile::Dev),
            "qa" => Some(Profile::Qa),
            "production" | "prod" => Some(Profile::Production),
            _ => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Profile::Dev => "dev",
            Profile::Qa => "qa",
            Profile::Production => "production",
            Profile::Custom(_) => "custom",
        }
    }

    pub fn accounts(&self) -> u64 {
        match self {
            Profile::Dev => 100,
            Profile::Qa => QA_ACCOUNTS,
            Profile::Production => 40_000,
            Profile::Custom(n) => *n,
        }
    }

    /// Rows of a table of this size in this profile; None for a size that follows from the world.
    pub fn rows(&self, size: Size) -> Option<u64> {
        match (size, self) {
            (Size::Derived, _) => None,
            (Size::Fixed(n), _) => Some(n),
            (Size::Scaled { dev, .. }, Profile::Dev) => Some(dev),
            (Size::Scaled { qa, .. }, Profile::Qa) => Some(qa),
            (Size::Scaled { production, .. }, Profile::Production) => Some(production),
            // Scale from the QA ratio (equal to production's), rounding half up.
            (Size::Scaled { qa, .. }, Profile::Custom(n)) => {
                Some((n * qa * 2 + QA_ACCOUNTS) / (2 * QA_ACCOUNTS))
            }
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Profile::Custom(n) => write!(f, "custom ({n} accounts)"),
            p => f.write_str(p.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEVICES: Size = Size::Scaled {
        dev: 450,
        qa: 45_000,
        production: 180_000,
    };

    #[test]
    fn named_profiles_take_the_declared_counts() {
        assert_eq!(Profile::Dev.rows(DEVICES), Some(450));
        assert_eq!(Profile::Production.rows(DEVICES), Some(180_000));
        assert_eq!(Profile::Qa.rows(Size::Fixed(12)), Some(12));
        assert_eq!(Profile::Qa.rows(Size::Derived), None);
    }

    #[test]
    fn custom_scales_from_qa_ratios() {
        let p = Profile::Custom(777);
        assert_eq!(p.accounts(), 777);
        let locations = Size::Scaled {
            dev: 150,
            qa: 15_000,
            production: 60_000,
        };
        assert_eq!(p.rows(locations), Some(1166)); // 1165.5 rounds up
        assert_eq!(p.rows(DEVICES), Some(3497));
        assert_eq!(p.rows(Size::Fixed(12)), Some(12));
        let c = Counts::new(
            &p,
            [
                ("app_devices", DEVICES),
                ("iot_device_health", Size::Derived),
            ],
        );
        assert_eq!(c.get("app_devices"), 3497);
        assert_eq!(c.try_get("iot_device_health"), None);
    }
}
