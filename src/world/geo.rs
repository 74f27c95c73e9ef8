//! US cities with their state, real ZIP codes and time zone. Cities are drawn with weights that
//! follow state population, so the state mix of locations follows the US population.

pub struct City {
    pub name: &'static str,
    pub state: &'static str,
    pub zips: &'static [&'static str],
    pub tz: &'static str,
    /// Standard UTC offset in hours.
    pub utc_offset: i64,
    /// Share of the US population this city stands for (state population split among the
    /// state's cities), in millions.
    pub weight: f64,
}

const fn c(
    name: &'static str,
    state: &'static str,
    zips: &'static [&'static str],
    tz: &'static str,
    utc_offset: i64,
    weight: f64,
) -> City {
    City {
        name,
        state,
        zips,
        tz,
        utc_offset,
        weight,
    }
}

impl City {
    /// Whether the city observes daylight time (all of these but Arizona).
    pub fn dst(&self) -> bool {
        self.tz != AZ
    }
}

const ET: &str = "America/New_York";
const CT: &str = "America/Chicago";
const MT: &str = "America/Denver";
const PT: &str = "America/Los_Angeles";
const AZ: &str = "America/Phoenix";

pub static CITIES: &[City] = &[
    c(
        "Los Angeles",
        "CA",
        &["90012", "90026", "90036"],
        PT,
        -8,
        14.0,
    ),
    c(
        "San Francisco",
        "CA",
        &["94103", "94110", "94117"],
        PT,
        -8,
        8.0,
    ),
    c("San Diego", "CA", &["92101", "92103", "92109"], PT, -8, 8.0),
    c("Sacramento", "CA", &["95814", "95816"], PT, -8, 9.0),
    c("Houston", "TX", &["77002", "77006", "77008"], CT, -6, 9.0),
    c("Austin", "TX", &["78701", "78702", "78704"], CT, -6, 7.0),
    c("Dallas", "TX", &["75201", "75204", "75226"], CT, -6, 9.0),
    c("San Antonio", "TX", &["78205", "78210"], CT, -6, 5.0),
    c("Miami", "FL", &["33130", "33131", "33137"], ET, -5, 8.0),
    c("Orlando", "FL", &["32801", "32803"], ET, -5, 6.0),
    c("Tampa", "FL", &["33602", "33606"], ET, -5, 8.0),
    c(
        "New York",
        "NY",
        &["10001", "10003", "10011", "10014"],
        ET,
        -5,
        13.0,
    ),
    c("Buffalo", "NY", &["14202", "14201"], ET, -5, 2.0),
    c("Rochester", "NY", &["14604", "14607"], ET, -5, 2.0),
    c(
        "Philadelphia",
        "PA",
        &["19103", "19106", "19123"],
        ET,
        -5,
        8.0,
    ),
    c("Pittsburgh", "PA", &["15222", "15213"], ET, -5, 5.0),
    c(
        "Chicago",
        "IL",
        &["60601", "60607", "60614", "60622"],
        CT,
        -6,
        12.5,
    ),
    c("Columbus", "OH", &["43215", "43201"], ET, -5, 4.0),
    c("Cleveland", "OH", &["44113", "44114"], ET, -5, 4.0),
    c("Cincinnati", "OH", &["45202", "45206"], ET, -5, 3.8),
    c("Atlanta", "GA", &["30303", "30308", "30309"], ET, -5, 11.0),
    c("Charlotte", "NC", &["28202", "28203"], ET, -5, 5.5),
    c("Raleigh", "NC", &["27601", "27603"], ET, -5, 5.5),
    c("Detroit", "MI", &["48226", "48201"], ET, -5, 5.0),
    c("Grand Rapids", "MI", &["49503", "49504"], ET, -5, 5.0),
    c("Newark", "NJ", &["07102", "07103"], ET, -5, 4.5),
    c("Hoboken", "NJ", &["07030"], ET, -5, 4.8),
    c("Richmond", "VA", &["23219", "23220"], ET, -5, 4.3),
    c("Arlington", "VA", &["22201", "22203"], ET, -5, 4.4),
    c("Seattle", "WA", &["98101", "98102", "98122"], PT, -8, 5.0),
    c("Spokane", "WA", &["99201", "99202"], PT, -8, 2.8),
    c("Phoenix", "AZ", &["85004", "85006"], AZ, -7, 5.0),
    c("Tucson", "AZ", &["85701", "85705"], AZ, -7, 2.4),
    c("Nashville", "TN", &["37201", "37203", "37206"], CT, -6, 4.5),
    c("Memphis", "TN", &["38103", "38104"], CT, -6, 2.5),
    c("Boston", "MA", &["02108", "02116", "02210"], ET, -5, 7.0),
    c("Indianapolis", "IN", &["46204", "46202"], ET, -5, 6.8),
    c("Kansas City", "MO", &["64105", "64108"], CT, -6, 3.0),
    c("St. Louis", "MO", &["63101", "63104"], CT, -6, 3.2),
    c("Baltimore", "MD", &["21201", "21202", "21230"], ET, -5, 6.2),
    c("Milwaukee", "WI", &["53202", "53212"], CT, -6, 3.0),
    c("Madison", "WI", &["53703", "53704"], CT, -6, 2.9),
    c("Denver", "CO", &["80202", "80205", "80211"], MT, -7, 5.8),
    c(
        "Minneapolis",
        "MN",
        &["55401", "55403", "55408"],
        CT,
        -6,
        5.7,
    ),
    c(
        "New Orleans",
        "LA",
        &["70112", "70116", "70130"],
        CT,
        -6,
        4.6,
    ),
    c("Portland", "OR", &["97205", "97209", "97214"], PT, -8, 4.2),
    c("Las Vegas", "NV", &["89101", "89109"], PT, -8, 3.2),
    c("Salt Lake City", "UT", &["84101", "84111"], MT, -7, 3.4),
];

/// Index of a city in the same state as `city`, drawn by weight.
pub fn same_state(city: usize, draw: f64) -> usize {
    let state = CITIES[city].state;
    let idx: Vec<usize> = (0..CITIES.len())
        .filter(|&i| CITIES[i].state == state)
        .collect();
    let total: f64 = idx.iter().map(|&i| CITIES[i].weight).sum();
    let mut x = draw * total;
    for &i in &idx {
        if x < CITIES[i].weight {
            return i;
        }
        x -= CITIES[i].weight;
    }
    *idx.last().expect("state has a city")
}

pub fn weights() -> Vec<f64> {
    CITIES.iter().map(|c| c.weight).collect()
}

/// Standard UTC offset and daylight-time rule of one of the zones above.
pub fn zone(tz: &str) -> Option<(i64, bool)> {
    CITIES
        .iter()
        .find(|c| c.tz == tz)
        .map(|c| (c.utc_offset, c.dst()))
}
