//! The resource types the simulator serves besides `active-calls`: their attribute names (in yeti-web's
//! declaration order) and relationships, as in the contract §3.

/// How a relationship of a record is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RelKind {
    /// To-one; `linkage` = its `data` is always present (the "(L)" of the contract), otherwise only when
    /// the relationship is included.
    ToOne { linkage: bool },
    /// To-many; `links` = rendered with self/related links (never with data: the simulator does not
    /// serve those collections). Without links it is not rendered at all (yeti's `exclude_links`).
    ToMany { links: bool },
}

#[derive(Debug)]
pub(crate) struct RelDef {
    pub name: &'static str,
    /// JSON:API type of the target.
    pub target: &'static str,
    pub kind: RelKind,
}

#[derive(Debug)]
pub(crate) struct TypeDef {
    pub name: &'static str,
    pub attrs: &'static [&'static str],
    pub rels: &'static [RelDef],
}

impl TypeDef {
    pub fn attr_index(&self, name: &str) -> Option<usize> {
        self.attrs.iter().position(|a| *a == name)
    }

    pub fn rel_index(&self, name: &str) -> Option<usize> {
        self.rels.iter().position(|r| r.name == name)
    }

    pub fn has_attr(&self, name: &str) -> bool {
        self.attr_index(name).is_some()
    }
}

const fn one(name: &'static str, target: &'static str) -> RelDef {
    RelDef {
        name,
        target,
        kind: RelKind::ToOne { linkage: true },
    }
}

const fn one_links(name: &'static str, target: &'static str) -> RelDef {
    RelDef {
        name,
        target,
        kind: RelKind::ToOne { linkage: false },
    }
}

const fn many(name: &'static str, target: &'static str, links: bool) -> RelDef {
    RelDef {
        name,
        target,
        kind: RelKind::ToMany { links },
    }
}

pub(crate) const CONTRACTORS: TypeDef = TypeDef {
    name: "contractors",
    attrs: &[
        "name",
        "enabled",
        "vendor",
        "customer",
        "description",
        "address",
        "phones",
        "external-id",
    ],
    rels: &[one("smtp-connection", "smtp-connections")],
};

pub(crate) const ACCOUNTS: TypeDef = TypeDef {
    name: "accounts",
    attrs: &[
        "name",
        "balance",
        "min-balance",
        "max-balance",
        "vat",
        "balance-low-threshold",
        "balance-high-threshold",
        "send-balance-notifications-to",
        "destination-rate-limit",
        "max-call-duration",
        "origination-capacity",
        "termination-capacity",
        "total-capacity",
        "external-id",
        "uuid",
        "timezone",
        "currency",
        "send-invoices-to",
        "invoice-period-id",
    ],
    rels: &[
        one("contractor", "contractors"),
        one("invoice-template", "invoice-templates"),
    ],
};

pub(crate) const CUSTOMERS_AUTHS: TypeDef = TypeDef {
    name: "customers-auths",
    attrs: &[
        "name",
        "enabled",
        "reject-calls",
        "ip",
        "capacity",
        "cps-limit",
        "src-prefix",
        "dst-prefix",
        "uri-domain",
        "from-domain",
        "to-domain",
        "x-yeti-auth",
        "transport-protocol-id",
        "check-account-balance",
        "require-incoming-auth",
        "external-id",
        "external-type",
        "dump-level-id",
        "enable-audio-recording",
        "variables",
        "src-rewrite-rule",
        "src-rewrite-result",
        "dst-rewrite-rule",
        "dst-rewrite-result",
    ],
    rels: &[
        one("customer", "contractors"),
        one("rateplan", "rateplans"),
        one("routing-plan", "routing-plans"),
        one("gateway", "gateways"),
        one("account", "accounts"),
        one("pop", "pops"),
        one("dst-numberlist", "numberlists"),
        one("src-numberlist", "numberlists"),
        one("tag-action", "tag-actions"),
        one("radius-auth-profile", "auth-profiles"),
        one("radius-accounting-profile", "accounting-profiles"),
    ],
};

pub(crate) const RATEPLANS: TypeDef = TypeDef {
    name: "rateplans",
    attrs: &["name", "profit-control-mode-id"],
    rels: &[many("rate-groups", "rate-groups", false)],
};

pub(crate) const DESTINATIONS: TypeDef = TypeDef {
    name: "destinations",
    attrs: &[
        "prefix",
        "enabled",
        "initial-rate",
        "next-rate",
        "connect-fee",
        "attempt-fee",
        "dp-margin-fixed",
        "dp-margin-percent",
        "initial-interval",
        "next-interval",
        "rate-policy-id",
        "use-dp-intervals",
        "reject-calls",
        "valid-from",
        "valid-till",
        "asr-limit",
        "acd-limit",
        "short-calls-limit",
        "reverse-billing",
        "profit-control-mode-id",
        "routing-tag-ids",
        "external-id",
        "currency",
    ],
    rels: &[
        one("rate-group", "rate-groups"),
        one("country", "countries"),
        one("network", "networks"),
        many("destination-next-rates", "destination-next-rates", true),
    ],
};

pub(crate) const ROUTING_GROUPS: TypeDef = TypeDef {
    name: "routing-groups",
    attrs: &["name"],
    rels: &[many("routing-plans", "routing-plans", false)],
};

pub(crate) const ROUTING_PLANS: TypeDef = TypeDef {
    name: "routing-plans",
    attrs: &[
        "name",
        "rate-delta-max",
        "use-lnp",
        "max-rerouting-attempts",
        "sorting-id",
    ],
    rels: &[many("routing-groups", "routing-groups", false)],
};

pub(crate) const DIALPEERS: TypeDef = TypeDef {
    name: "dialpeers",
    attrs: &[
        "prefix",
        "enabled",
        "locked",
        "initial-rate",
        "next-rate",
        "connect-fee",
        "attempt-fee",
        "initial-interval",
        "next-interval",
        "capacity",
        "priority",
        "valid-from",
        "valid-till",
        "asr-limit",
        "acd-limit",
        "short-calls-limit",
        "exclusive-route",
        "lcr-rate-multiplier",
        "force-hit-rate",
        "reverse-billing",
        "external-id",
        "created-at",
        "currency",
    ],
    rels: &[
        one("gateway", "gateways"),
        one("gateway-group", "gateway-groups"),
        one("routing-group", "routing-groups"),
        one("vendor", "contractors"),
        one("account", "accounts"),
        one("routeset-discriminator", "routeset-discriminators"),
        many("dialpeer-next-rates", "dialpeer-next-rates", true),
    ],
};

pub(crate) const GATEWAYS: TypeDef = TypeDef {
    name: "gateways",
    attrs: &[
        "name",
        "enabled",
        "host",
        "port",
        "allow-origination",
        "allow-termination",
        "origination-capacity",
        "termination-capacity",
        "priority",
        "weight",
        "is-shared",
        "asr-limit",
        "acd-limit",
        "external-id",
        "auth-enabled",
        "auth-user",
        "auth-password",
        "auth-from-user",
        "auth-from-domain",
        "incoming-auth-username",
        "incoming-auth-password",
        "term-use-outbound-proxy",
        "term-outbound-proxy",
        "sst-enabled",
        "sst-session-expires",
        "fake-180-timer",
        "sip-timer-b",
        "dns-srv-failover-timer",
        "max-30x-redirects",
        "max-transfers",
        "dialog-nat-handling",
        "rtp-timeout",
    ],
    rels: &[
        one("contractor", "contractors"),
        one("pop", "pops"),
        one("codec-group", "codec-groups"),
        one("transport-protocol", "transport-protocols"),
        one("gateway-group", "gateway-groups"),
        one("session-refresh-method", "session-refresh-methods"),
    ],
};

pub(crate) const COUNTRIES: TypeDef = TypeDef {
    name: "countries",
    attrs: &["name", "iso2"],
    rels: &[],
};

pub(crate) const NETWORKS: TypeDef = TypeDef {
    name: "networks",
    attrs: &["name"],
    rels: &[one_links("network-type", "network-types")],
};

pub(crate) const POPS: TypeDef = TypeDef {
    name: "pops",
    attrs: &["name"],
    rels: &[],
};

pub(crate) const NODES: TypeDef = TypeDef {
    name: "nodes",
    attrs: &["name", "rpc-endpoint"],
    rels: &[one("pop", "pops")],
};

/// Every served record type. The index in this array is the simulator's type number.
pub(crate) const TYPES: [&TypeDef; 13] = [
    &CONTRACTORS,
    &ACCOUNTS,
    &CUSTOMERS_AUTHS,
    &RATEPLANS,
    &DESTINATIONS,
    &ROUTING_GROUPS,
    &ROUTING_PLANS,
    &DIALPEERS,
    &GATEWAYS,
    &COUNTRIES,
    &NETWORKS,
    &POPS,
    &NODES,
];

pub(crate) const T_CONTRACTORS: usize = 0;
pub(crate) const T_ACCOUNTS: usize = 1;
pub(crate) const T_CUSTOMERS_AUTHS: usize = 2;
pub(crate) const T_RATEPLANS: usize = 3;
pub(crate) const T_DESTINATIONS: usize = 4;
pub(crate) const T_ROUTING_GROUPS: usize = 5;
pub(crate) const T_ROUTING_PLANS: usize = 6;
pub(crate) const T_DIALPEERS: usize = 7;
pub(crate) const T_GATEWAYS: usize = 8;
pub(crate) const T_COUNTRIES: usize = 9;
pub(crate) const T_NETWORKS: usize = 10;
pub(crate) const T_POPS: usize = 11;
pub(crate) const T_NODES: usize = 12;

/// Type number of a served record type.
pub(crate) fn type_index(name: &str) -> Option<usize> {
    TYPES.iter().position(|t| t.name == name)
}

/// Relationships a type has, for include validation (types the simulator does not serve have none).
pub(crate) fn rels_of(type_name: &str) -> &'static [RelDef] {
    type_index(type_name).map(|i| TYPES[i].rels).unwrap_or(&[])
}

/// Whether `name` is a JSON:API type yeti-web knows, for `fields[<type>]` validation.
pub(crate) fn is_known_type(name: &str) -> bool {
    name == crate::api::types::ACTIVE_CALLS
        || type_index(name).is_some()
        || TYPES
            .iter()
            .any(|t| t.rels.iter().any(|r| r.target == name))
}
