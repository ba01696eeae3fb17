//! Static reference data the simulated switch is generated from: countries with their E.164 codes and
//! networks, company names, cities. Nothing here is random; [`super::world`] picks from it with a seeded RNG.

/// A network inside a country: the digits after the country code that select it, and a base cost
/// (per minute, in millionths of a currency unit) that rates are derived from.
pub(crate) struct NetworkDef {
    pub name: &'static str,
    /// Digits after the country code.
    pub prefix: &'static str,
    /// Base termination cost, micro-units per minute.
    pub base_cost: u32,
    /// Relative traffic weight.
    pub weight: u32,
}

pub(crate) struct CountryDef {
    pub id: u32,
    pub name: &'static str,
    pub iso2: &'static str,
    /// E.164 country code.
    pub code: &'static str,
    /// Length of the national significant number (digits after the country code).
    pub nsn_len: usize,
    pub networks: &'static [NetworkDef],
}

macro_rules! net {
    ($name:expr, $prefix:expr, $cost:expr, $w:expr) => {
        NetworkDef {
            name: $name,
            prefix: $prefix,
            base_cost: $cost,
            weight: $w,
        }
    };
}

/// Countries (ids as a yeti seed would have them: stable, not contiguous).
pub(crate) const COUNTRIES: &[CountryDef] = &[
    CountryDef {
        id: 222,
        name: "United States",
        iso2: "US",
        code: "1",
        nsn_len: 10,
        networks: &[
            net!("United States - New York fixed", "212", 4_500, 30),
            net!("United States - California fixed", "415", 4_200, 25),
            net!("United States - Florida mobile", "305", 5_100, 20),
            net!("United States - Texas fixed", "214", 4_300, 15),
        ],
    },
    CountryDef {
        id: 77,
        name: "United Kingdom",
        iso2: "GB",
        code: "44",
        nsn_len: 10,
        networks: &[
            net!("United Kingdom - London fixed", "20", 6_200, 18),
            net!("United Kingdom - Vodafone mobile", "77", 21_000, 12),
            net!("United Kingdom - EE mobile", "79", 19_500, 12),
        ],
    },
    CountryDef {
        id: 57,
        name: "Germany",
        iso2: "DE",
        code: "49",
        nsn_len: 10,
        networks: &[
            net!("Germany - Berlin fixed", "30", 5_800, 14),
            net!("Germany - Telekom mobile", "151", 23_000, 10),
            net!("Germany - Vodafone mobile", "162", 22_500, 8),
        ],
    },
    CountryDef {
        id: 75,
        name: "France",
        iso2: "FR",
        code: "33",
        nsn_len: 9,
        networks: &[
            net!("France - Paris fixed", "1", 6_500, 12),
            net!("France - Orange mobile", "6", 24_000, 10),
        ],
    },
    CountryDef {
        id: 219,
        name: "Ukraine",
        iso2: "UA",
        code: "380",
        nsn_len: 9,
        networks: &[
            net!("Ukraine - Kyiv fixed", "44", 38_000, 8),
            net!("Ukraine - Kyivstar mobile", "67", 95_000, 10),
            net!("Ukraine - Vodafone UA mobile", "50", 92_000, 8),
        ],
    },
    CountryDef {
        id: 172,
        name: "Poland",
        iso2: "PL",
        code: "48",
        nsn_len: 9,
        networks: &[
            net!("Poland - Warsaw fixed", "22", 7_200, 6),
            net!("Poland - Orange mobile", "50", 14_500, 6),
        ],
    },
    CountryDef {
        id: 152,
        name: "Netherlands",
        iso2: "NL",
        code: "31",
        nsn_len: 9,
        networks: &[
            net!("Netherlands - Amsterdam fixed", "20", 7_900, 6),
            net!("Netherlands - KPN mobile", "6", 41_000, 6),
        ],
    },
    CountryDef {
        id: 67,
        name: "Spain",
        iso2: "ES",
        code: "34",
        nsn_len: 9,
        networks: &[
            net!("Spain - Madrid fixed", "91", 5_400, 6),
            net!("Spain - Movistar mobile", "6", 17_800, 7),
        ],
    },
    CountryDef {
        id: 108,
        name: "Italy",
        iso2: "IT",
        code: "39",
        nsn_len: 10,
        networks: &[
            net!("Italy - Rome fixed", "06", 6_100, 5),
            net!("Italy - TIM mobile", "33", 19_900, 6),
        ],
    },
    CountryDef {
        id: 31,
        name: "Brazil",
        iso2: "BR",
        code: "55",
        nsn_len: 11,
        networks: &[
            net!("Brazil - Sao Paulo fixed", "113", 9_800, 5),
            net!("Brazil - Vivo mobile", "119", 32_000, 6),
        ],
    },
    CountryDef {
        id: 101,
        name: "India",
        iso2: "IN",
        code: "91",
        nsn_len: 10,
        networks: &[
            net!("India - Airtel mobile", "98", 11_500, 10),
            net!("India - Jio mobile", "70", 10_900, 10),
        ],
    },
    CountryDef {
        id: 158,
        name: "Nigeria",
        iso2: "NG",
        code: "234",
        nsn_len: 10,
        networks: &[
            net!("Nigeria - MTN mobile", "803", 148_000, 4),
            net!("Nigeria - Airtel mobile", "802", 152_000, 3),
        ],
    },
    CountryDef {
        id: 140,
        name: "Mexico",
        iso2: "MX",
        code: "52",
        nsn_len: 10,
        networks: &[
            net!("Mexico - Mexico City fixed", "55", 8_700, 5),
            net!("Mexico - Telcel mobile", "1", 16_400, 5),
        ],
    },
    CountryDef {
        id: 168,
        name: "Philippines",
        iso2: "PH",
        code: "63",
        nsn_len: 10,
        networks: &[
            net!("Philippines - Globe mobile", "917", 112_000, 4),
            net!("Philippines - Smart mobile", "918", 118_000, 4),
        ],
    },
    CountryDef {
        id: 163,
        name: "Pakistan",
        iso2: "PK",
        code: "92",
        nsn_len: 10,
        networks: &[net!("Pakistan - Jazz mobile", "300", 61_000, 4)],
    },
    CountryDef {
        id: 64,
        name: "Egypt",
        iso2: "EG",
        code: "20",
        nsn_len: 10,
        networks: &[net!("Egypt - Vodafone mobile", "10", 89_000, 3)],
    },
    CountryDef {
        id: 215,
        name: "Turkey",
        iso2: "TR",
        code: "90",
        nsn_len: 10,
        networks: &[net!("Turkey - Turkcell mobile", "53", 27_500, 4)],
    },
    CountryDef {
        id: 13,
        name: "Australia",
        iso2: "AU",
        code: "61",
        nsn_len: 9,
        networks: &[
            net!("Australia - Sydney fixed", "2", 9_100, 3),
            net!("Australia - Telstra mobile", "4", 29_000, 3),
        ],
    },
    CountryDef {
        id: 110,
        name: "Japan",
        iso2: "JP",
        code: "81",
        nsn_len: 10,
        networks: &[net!("Japan - NTT Docomo mobile", "90", 58_000, 2)],
    },
    CountryDef {
        id: 220,
        name: "United Arab Emirates",
        iso2: "AE",
        code: "971",
        nsn_len: 9,
        networks: &[net!(
            "United Arab Emirates - Etisalat mobile",
            "50",
            176_000,
            3
        )],
    },
    CountryDef {
        id: 187,
        name: "Saudi Arabia",
        iso2: "SA",
        code: "966",
        nsn_len: 9,
        networks: &[net!("Saudi Arabia - STC mobile", "55", 131_000, 2)],
    },
    CountryDef {
        id: 18,
        name: "Bangladesh",
        iso2: "BD",
        code: "880",
        nsn_len: 10,
        networks: &[net!("Bangladesh - Grameenphone mobile", "17", 24_600, 3)],
    },
];

/// Points of presence, one per node.
pub(crate) const POPS: &[(u32, &str, &str)] = &[
    // (pop id, pop name, short city code used in node names)
    (1, "Frankfurt FRA1", "fra"),
    (2, "Amsterdam AMS1", "ams"),
    (4, "London LON2", "lon"),
    (5, "New York NYC1", "nyc"),
    (7, "Miami MIA1", "mia"),
    (9, "Singapore SIN1", "sin"),
    (10, "Warsaw WAW1", "waw"),
    (12, "Sao Paulo GRU1", "gru"),
];

/// Node ids: small, admin-assigned, not contiguous.
pub(crate) const NODE_IDS: &[u32] = &[1, 2, 8, 9, 11, 12, 14, 15];

/// Customer company names (telecom flavour).
pub(crate) const CUSTOMER_NAMES: &[&str] = &[
    "Acme Telecom",
    "Blue Ocean Communications",
    "Nordic Voice AB",
    "Silverline Telecom",
    "Orion Connect",
    "Zenith VoIP",
    "Telestar Networks",
    "Globalink Carrier Services",
    "Skyway Telecom",
    "Pioneer Voice",
    "Meridian Telecom GmbH",
    "BrightCall Ltd",
    "Kappa Telecom",
    "Unity Voice",
    "CallPoint Africa",
    "Andes Comunicaciones",
    "Baltic Dial SIA",
    "Lighthouse Calling",
    "Redwood Telecom Inc",
    "Polaris Voice",
    "Helix Communications",
    "Sunrise Mobile Resale",
    "Cobalt Contact Center",
    "Everest VoIP Pvt Ltd",
];

/// Vendor (carrier) company names.
pub(crate) const VENDOR_NAMES: &[&str] = &[
    "Tier1 Transit Inc",
    "EuroRoute GmbH",
    "PrimeTerm Ltd",
    "VoxBridge Carrier",
    "Horizon Wholesale",
    "Quantum Voice Transit",
    "IberLink SA",
    "AsiaPac Telecom Pte",
    "Sahara Telecom",
    "Lumen Route",
    "Atlas Wholesale Voice",
    "Carrier One Ltd",
    "Trans-Atlantic Voice",
    "Kestrel Networks",
];

/// Suffixes appended (with a number) once the name lists run out, for very large worlds.
pub(crate) const NAME_SUFFIXES: &[&str] =
    &["Telecom", "Voice", "Networks", "Communications", "Carrier"];

pub(crate) const RATEPLANS: &[(
    &str,
    u32,  /* markup in per-mille */
    bool, /* eur */
)] = &[
    ("Retail A-Z USD", 1_450, false),
    ("Wholesale Premium", 1_120, false),
    ("Wholesale Standard", 1_060, false),
    ("Call Center EUR", 1_250, true),
];

pub(crate) const ROUTING_GROUPS: &[&str] = &[
    "Premium CLI",
    "Standard",
    "Economy",
    "Mobile direct",
    "Backup",
    "Test routes",
];

/// Routing plans: name and the routing-group indexes (into [`ROUTING_GROUPS`]) they use.
pub(crate) const ROUTING_PLANS: &[(&str, &[usize])] = &[
    ("Premium LCR", &[0, 3, 4]),
    ("Standard LCR", &[1, 3, 4]),
    ("Economy LCR", &[2, 1, 4]),
    ("Mobile only", &[3, 0]),
];

/// Public-looking IPv4 /16s for customer and vendor equipment.
pub(crate) const IPV4_NETS: &[(u8, u8)] = &[
    (185, 22),
    (91, 208),
    (45, 134),
    (212, 83),
    (62, 210),
    (77, 72),
    (194, 15),
    (103, 88),
    (41, 203),
    (200, 155),
    (203, 0),
    (198, 51),
];

pub(crate) const TIMEZONES: &[&str] = &[
    "UTC",
    "Europe/Kyiv",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Singapore",
];
