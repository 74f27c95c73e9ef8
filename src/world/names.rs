//! Word lists for company, person and street names.

pub const ADJECTIVES: &[&str] = &[
    "Copper", "Golden", "Silver", "Rusty", "Velvet", "Crimson", "Blue", "Green", "Iron", "Oak",
    "Maple", "Cedar", "Harbor", "River", "Stone", "Amber", "Lucky", "Wild", "Old", "Grand",
    "Hidden", "Broad", "North", "South", "East", "West", "Union", "Liberty", "Summit", "Pine",
    "Willow", "Brass", "Royal", "Crooked", "Twin", "Salty", "Sunny", "Misty", "Red", "Black",
    "Little", "Foggy", "Jolly", "Brick", "Lantern", "Rolling", "Hoppy", "Barrel", "Market", "Main",
];

pub const NOUNS: &[&str] = &[
    "Tap", "Fox", "Anchor", "Barrel", "Lantern", "Crown", "Bridge", "Mill", "Horse", "Owl",
    "Kettle", "Hearth", "Table", "Fork", "Spoon", "Pint", "Stag", "Raven", "Bear", "Wolf",
    "Harbor", "Dock", "Station", "Depot", "Garden", "Yard", "Barn", "Cellar", "Corner", "Porch",
    "Compass", "Lighthouse", "Meadow", "Canyon", "Ridge", "Creek", "Tide", "Sparrow", "Rooster",
    "Goat", "Hound", "Penny", "Anvil", "Forge", "Saddle", "Cask", "Keg", "Vine", "Hop", "Grain",
];

/// Name suffixes per industry, in `Industry` order.
pub const SUFFIXES: [&[&str]; 4] = [
    &["Kitchen", "Bistro", "Grill", "Eatery", "Trattoria", "Cantina", "Diner", "Brasserie"],
    &["Tavern", "Taproom", "Pub", "Saloon", "Alehouse", "Lounge", "Beer Hall", "Bar"],
    &["Hotel", "Inn", "Suites", "Lodge", "Resort", "House Hotel"],
    &["Brewing Co.", "Concessions", "Catering", "Events", "Social Club", "Bowl", "Arena"],
];

pub const FIRST_NAMES: &[&str] = &[
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Carlos", "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Betty", "Mark", "Sandra",
    "Luis", "Ashley", "Steven", "Emily", "Andrew", "Maria", "Kevin", "Michelle", "Brian", "Amanda",
    "Jose", "Melissa", "Wei", "Priya", "Omar", "Aisha", "Hiroshi", "Sofia", "Diego", "Chloe",
    "Ethan", "Olivia", "Noah", "Emma", "Liam", "Ava", "Mateo", "Mia", "Lucas", "Zoe", "Ryan",
    "Grace",
];

pub const LAST_NAMES: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott",
    "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera",
    "Campbell", "Mitchell", "Carter", "Roberts", "Patel", "Kim", "Chen", "Singh", "Murphy",
    "O'Brien", "Cook", "Morgan", "Bell", "Reed",
];

pub const STREETS: &[&str] = &[
    "Main", "Oak", "Pine", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park",
    "Walnut", "Spring", "Market", "Church", "High", "Union", "Water", "Mill", "Broad", "Front",
    "Center", "Jefferson", "Lincoln", "Madison", "Franklin", "Chestnut", "Sunset", "River",
];

pub const STREET_KINDS: &[&str] = &["St", "Ave", "Blvd", "Rd", "Ln", "Way"];

/// Lower-case slug of a name for domains: letters and digits only.
pub fn slug(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}
