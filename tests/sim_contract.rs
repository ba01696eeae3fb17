//! Contract tests of the built-in simulator: a real server on 127.0.0.1:0, spoken to over HTTP with reqwest,
//! checked against the yeti-web admin API contract (`yeti-admin-api.md`).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use yetitop::api::types::{
    CALL_ATTRIBUTES, CALL_RELATIONSHIPS, CallDocument, CallListDocument, MEDIA_TYPE,
};
use yetitop::sim::{self, Fault, FaultMode, FaultScope, ListQuery, SimConfig, SimHandle, World};

const CALLS: &str = "/api/rest/admin/active-calls";

fn frozen(calls: usize) -> SimConfig {
    SimConfig {
        calls,
        churn: false,
        ..SimConfig::default()
    }
}

struct Sim {
    h: SimHandle,
    c: reqwest::Client,
    tok: String,
}

impl Sim {
    async fn start(cfg: SimConfig) -> Sim {
        let h = sim::start("127.0.0.1:0".parse().unwrap(), cfg)
            .await
            .expect("start sim");
        let c = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let mut s = Sim {
            h,
            c,
            tok: String::new(),
        };
        s.tok = s.login().await;
        s
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.h.url, path)
    }

    async fn login(&self) -> String {
        let r = self
            .c
            .post(self.url("/api/rest/admin/auth"))
            .json(&json!({"auth":{"username":"admin","password":"admin"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        r.json::<Value>().await.unwrap()["jwt"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.c
            .get(self.url(path))
            .header("Authorization", &self.tok)
            .send()
            .await
            .unwrap()
    }

    async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        let r = self.get(path).await;
        let status = r.status();
        let text = r.text().await.unwrap();
        let v = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {text:.300}"));
        (status, v)
    }

    async fn list(&self, query: &str) -> Value {
        let (s, v) = self.get_json(&format!("{CALLS}?{query}")).await;
        assert_eq!(s, StatusCode::OK, "{query}: {v}");
        v
    }

    async fn delete(&self, path: &str) -> reqwest::Response {
        self.c
            .delete(self.url(path))
            .header("Authorization", &self.tok)
            .send()
            .await
            .unwrap()
    }
}

fn one_error(title: &str, detail: &str, code: &str, status: &str) -> Value {
    json!({"errors":[{"title":title,"detail":detail,"code":code,"status":status}]})
}

fn data(v: &Value) -> &Vec<Value> {
    v["data"].as_array().expect("data array")
}

// ---------------------------------------------------------------------------------------------------------
// Authentication

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_issues_yeti_shaped_jwts_and_refuses_bad_credentials() {
    let s = Sim::start(frozen(10)).await;
    let parts: Vec<&str> = s.tok.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header, json!({"alg":"HS256"}));
    let payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(payload["sub"], json!(1));
    assert_eq!(payload["aud"], json!(["admin"]));
    let exp = payload["exp"].as_i64().unwrap();
    assert!((exp - Utc::now().timestamp() - 600).abs() <= 5, "exp {exp}");

    let r =
        s.c.post(s.url("/api/rest/admin/auth"))
            .json(&json!({"auth":{"username":"admin","password":"wrong"}}))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        one_error(
            "Authentication failed",
            "Incorrect login or password.",
            "401",
            "401"
        )
    );

    for body in [
        json!({"user":"admin"}),
        json!({"auth":{}}),
        json!({"auth":null}),
    ] {
        let r =
            s.c.post(s.url("/api/rest/admin/auth"))
                .json(&body)
                .send()
                .await
                .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
    }
    let r =
        s.c.post(s.url("/api/rest/admin/auth"))
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_401s_have_an_empty_body() {
    let s = Sim::start(frozen(10)).await;
    let unauth = |r: reqwest::Response| async move {
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(r.bytes().await.unwrap().is_empty());
    };
    unauth(s.c.get(s.url(CALLS)).send().await.unwrap()).await;
    unauth(
        s.c.get(s.url(CALLS))
            .header("Authorization", "garbage")
            .send()
            .await
            .unwrap(),
    )
    .await;
    // A well-formed JWT the simulator never issued.
    let forged = format!("{}.x", s.tok.rsplit_once('.').unwrap().0);
    unauth(
        s.c.get(s.url(CALLS))
            .header("Authorization", forged)
            .send()
            .await
            .unwrap(),
    )
    .await;
    unauth(
        s.c.get(s.url(&format!("{CALLS}?token=")))
            .header("Authorization", &s.tok)
            .send()
            .await
            .unwrap(),
    )
    .await;
    // Auth runs before the Accept check.
    unauth(
        s.c.get(s.url(CALLS))
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    unauth(
        s.c.delete(s.url(&format!("{CALLS}/1*x")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    unauth(
        s.c.get(s.url("/api/rest/admin/contractors"))
            .send()
            .await
            .unwrap(),
    )
    .await;

    // Revocation through the control handle, then through the control endpoint.
    assert_eq!(s.get(CALLS).await.status(), StatusCode::OK);
    assert!(s.h.control().revoke_tokens() >= 1);
    unauth(s.get(CALLS).await).await;
    let tok = s.login().await;
    let r =
        s.c.get(s.url(CALLS))
            .header("Authorization", &tok)
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = s.c.post(s.url("/_sim/revoke-tokens")).send().await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["revoked"], json!(1));
    unauth(
        s.c.get(s.url(CALLS))
            .header("Authorization", &tok)
            .send()
            .await
            .unwrap(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_expire_after_their_lifetime() {
    let s = Sim::start(SimConfig {
        token_lifetime: Some(1),
        ..frozen(5)
    })
    .await;
    assert_eq!(s.get(CALLS).await.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = s.get(CALLS).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.bytes().await.unwrap().is_empty());

    // Without a lifetime tokens carry no exp.
    let p = Sim::start(SimConfig {
        token_lifetime: None,
        ..frozen(5)
    })
    .await;
    let payload = URL_SAFE_NO_PAD
        .decode(p.tok.split('.').nth(1).unwrap())
        .unwrap();
    assert_eq!(payload, br#"{"sub":1,"aud":["admin"]}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_is_accepted_bare_as_bearer_and_as_query_parameter() {
    let s = Sim::start(frozen(5)).await;
    for (header, query) in [
        (Some(s.tok.clone()), String::new()),
        (Some(format!("Bearer {}", s.tok)), String::new()),
        (Some(format!("Token   junk {}", s.tok)), String::new()),
        (None, format!("?token={}", s.tok)),
        (Some("Bearer wrong".into()), format!("?token={}", s.tok)),
    ] {
        let mut rb = s.c.get(s.url(&format!("{CALLS}{query}")));
        if let Some(h) = &header {
            rb = rb.header("Authorization", h);
        }
        assert_eq!(
            rb.send().await.unwrap().status(),
            StatusCode::OK,
            "{header:?} {query}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accept_must_be_absent_any_or_jsonapi() {
    let s = Sim::start(frozen(5)).await;
    let r =
        s.c.get(s.url(CALLS))
            .header("Authorization", &s.tok)
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_ACCEPTABLE);
    assert_eq!(r.headers()["content-type"], MEDIA_TYPE);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        one_error(
            "Not acceptable",
            "All requests must use the 'application/vnd.api+json' Accept without media type parameters. This request specified 'application/json'.",
            "406",
            "406"
        )
    );
    for accept in ["*/*", MEDIA_TYPE] {
        let r =
            s.c.get(s.url(CALLS))
                .header("Authorization", &s.tok)
                .header("Accept", accept)
                .send()
                .await
                .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{accept}");
        assert_eq!(r.headers()["content-type"], MEDIA_TYPE);
    }
    let r =
        s.c.get(s.url(&format!("{CALLS}/1*x")))
            .header("Authorization", &s.tok)
            .header("Accept", "application/vnd.api+json; charset=utf-8")
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_ACCEPTABLE);
}

// ---------------------------------------------------------------------------------------------------------
// The index

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_has_every_call_no_pagination_and_zero_total_count() {
    let s = Sim::start(frozen(120)).await;
    let r = s.get(&format!("{CALLS}?page[size]=5&page[number]=3")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["meta"], json!({"total-count": 0}));
    assert!(v.get("links").is_none());
    assert!(v.get("included").is_none());
    let calls = data(&v);
    assert_eq!(calls.len(), 120);
    let host = s.h.url.clone();
    let mut ids = HashSet::new();
    for c in calls {
        let id = c["id"].as_str().unwrap();
        assert!(ids.insert(id.to_owned()));
        assert_eq!(c["type"], "active-calls");
        assert_eq!(c["links"], json!({"self": format!("{host}{CALLS}/{id}")}));
        let attrs = c["attributes"].as_object().unwrap();
        let keys: BTreeSet<&str> = attrs.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            CALL_ATTRIBUTES.iter().copied().collect::<BTreeSet<_>>()
        );
        let rels = c["relationships"].as_object().unwrap();
        assert_eq!(rels.len(), 18);
        for (name, _) in CALL_RELATIONSHIPS {
            let rel = &rels[name];
            assert_eq!(
                rel,
                &json!({"links":{
                    "self": format!("{host}{CALLS}/{id}/relationships/{name}"),
                    "related": format!("{host}{CALLS}/{id}/{name}")
                }}),
                "only links without include"
            );
        }
    }
    // Attributes come in yeti's order.
    let first = &text[..text.find("\"relationships\"").unwrap()];
    let positions: Vec<usize> = CALL_ATTRIBUTES
        .iter()
        .map(|a| first.find(&format!("\"{a}\":")).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]));
    // The shared wire types decode it.
    let doc: CallListDocument = serde_json::from_str(&text).unwrap();
    assert_eq!(doc.data.len(), 120);
    assert!(
        doc.data
            .iter()
            .all(|c| c.attributes.start_time.is_some() && c.attributes.local_tag.is_some())
    );
    assert_eq!(s.h.control().call_ids().len(), 120);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn include_adds_linkage_and_deduplicated_included_records() {
    let s = Sim::start(frozen(150)).await;
    let v = s
        .list("include=customer,node,routing-group,vendor-acc")
        .await;
    let included = v["included"].as_array().unwrap();
    let keys: Vec<(String, String)> = included
        .iter()
        .map(|r| {
            (
                r["type"].as_str().unwrap().to_owned(),
                r["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let unique: HashSet<_> = keys.iter().cloned().collect();
    assert_eq!(unique.len(), keys.len(), "included is deduplicated");
    for c in data(&v) {
        let rels = c["relationships"].as_object().unwrap();
        for (name, ty) in CALL_RELATIONSHIPS {
            let with_data = ["customer", "node", "routing-group", "vendor-acc"].contains(&name);
            assert_eq!(rels[name].get("data").is_some(), with_data, "{name}");
            if with_data {
                let d = &rels[name]["data"];
                assert_eq!(d["type"], ty);
                let key = (ty.to_owned(), d["id"].as_str().unwrap().to_owned());
                assert!(unique.contains(&key), "{key:?} not included");
            }
        }
    }
    let types: HashSet<&str> = keys.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        HashSet::from(["contractors", "nodes", "routing-groups", "accounts"])
    );
    let contractor = included
        .iter()
        .find(|r| r["type"] == "contractors")
        .unwrap();
    assert!(contractor["attributes"]["name"].is_string());
    assert_eq!(
        contractor["links"]["self"],
        format!(
            "{}/api/rest/admin/contractors/{}",
            s.h.url,
            contractor["id"].as_str().unwrap()
        )
    );
    let account = included.iter().find(|r| r["type"] == "accounts").unwrap();
    assert!(
        account["attributes"]["balance"].is_string(),
        "decimals are strings"
    );
    assert_eq!(
        account["relationships"]["contractor"]["data"]["type"],
        "contractors"
    );
    let node = included.iter().find(|r| r["type"] == "nodes").unwrap();
    assert_eq!(node["relationships"]["pop"]["data"]["type"], "pops");

    // routing-plan is typed routing-groups.
    let v = s.list("include=routing-plan").await;
    let d = &data(&v)[0]["relationships"]["routing-plan"]["data"];
    assert_eq!(d["type"], "routing-groups");
    assert!(
        v["included"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["type"] == "routing-groups")
    );

    // All includes at once decode into the shared types.
    let all: Vec<&str> = CALL_RELATIONSHIPS.iter().map(|(n, _)| *n).collect();
    let r = s.get(&format!("{CALLS}?include={}", all.join(","))).await;
    let doc: CallListDocument = r.json().await.unwrap();
    assert_eq!(doc.data.len(), 150);
    assert!(
        doc.data
            .iter()
            .all(|c| c.relationships.node.as_ref().unwrap().data.is_some())
    );
    assert!(!doc.included.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_includes_follow_record_relationships() {
    let s = Sim::start(frozen(100)).await;
    let v = s.list("include=vendor-acc.contractor").await;
    let included = v["included"].as_array().unwrap();
    let accounts: Vec<&Value> = included
        .iter()
        .filter(|r| r["type"] == "accounts")
        .collect();
    let contractors: HashSet<&str> = included
        .iter()
        .filter(|r| r["type"] == "contractors")
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(!accounts.is_empty());
    for a in accounts {
        let owner = a["relationships"]["contractor"]["data"]["id"]
            .as_str()
            .unwrap();
        assert!(
            contractors.contains(owner),
            "vendor {owner} of account not included"
        );
    }
    let v = s.list("include=customer.smtp-connection").await;
    assert!(
        v["included"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["type"] == "contractors")
    );
    let c = &v["included"][0];
    assert_eq!(c["relationships"]["smtp-connection"]["data"], Value::Null);
    let v = s
        .list("include=dialpeer.gateway.pop,customer-auth.rateplan")
        .await;
    let types: HashSet<&str> = v["included"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        HashSet::from([
            "dialpeers",
            "gateways",
            "pops",
            "customers-auths",
            "rateplans"
        ])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_include_unknown_filter_and_sort_are_400_with_yeti_codes() {
    let s = Sim::start(frozen(5)).await;
    let cases = [
        (
            "include=foo",
            one_error(
                "Invalid field",
                "foo is not a valid relationship of active-calls",
                "112",
                "400",
            ),
        ),
        (
            "include=customer_acc",
            one_error(
                "Invalid field",
                "customer_acc is not a valid relationship of active-calls",
                "112",
                "400",
            ),
        ),
        (
            "include=vendor-acc.bogus",
            one_error(
                "Invalid field",
                "bogus is not a valid relationship of accounts",
                "112",
                "400",
            ),
        ),
        (
            "filter[foo-bar]=1",
            one_error(
                "Filter not allowed",
                "foo_bar is not allowed.",
                "102",
                "400",
            ),
        ),
        (
            "filter[duration_eq]=1",
            one_error(
                "Filter not allowed",
                "duration_eq is not allowed.",
                "102",
                "400",
            ),
        ),
        (
            "sort=duration",
            one_error(
                "Invalid sort criteria",
                "duration is not a valid sort criteria for active-calls",
                "114",
                "400",
            ),
        ),
        (
            "sort=-duration",
            one_error(
                "Invalid sort criteria",
                "duration is not a valid sort criteria for active-calls",
                "114",
                "400",
            ),
        ),
        (
            "fields[active-calls]=duration,nope",
            one_error(
                "Invalid field",
                "nope is not a valid field for active-calls.",
                "104",
                "400",
            ),
        ),
        (
            "fields[contractors]=name,balance",
            one_error(
                "Invalid field",
                "balance is not a valid field for contractors.",
                "104",
                "400",
            ),
        ),
    ];
    for (q, expected) in cases {
        let (status, v) = s.get_json(&format!("{CALLS}?{q}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(v, expected, "{q}");
    }
    // Errors accumulate into one document.
    let (status, v) = s.get_json(&format!("{CALLS}?include=foo&sort=x")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["errors"].as_array().unwrap().len(), 2);
}

fn ids_of(v: &Value) -> HashSet<String> {
    data(v)
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_filter_narrows_to_the_matching_calls() {
    let s = Sim::start(SimConfig {
        nodes: 4,
        ..frozen(300)
    })
    .await;
    let all: Vec<&str> = CALL_RELATIONSHIPS.iter().map(|(n, _)| *n).collect();
    let full = s.list(&format!("include={}", all.join(","))).await;
    let calls = data(&full);
    let linkage = |c: &Value, rel: &str| -> Option<i64> {
        c["relationships"][rel]["data"]["id"]
            .as_str()
            .map(|s| s.parse().unwrap())
    };
    let filters = [
        ("customer", "customer_id_eq"),
        ("vendor", "vendor-id-eq"),
        ("customer-acc", "customer_acc_id_eq"),
        ("vendor-acc", "vendor-acc-id-eq"),
        ("customer-auth", "customer_auth_id_eq"),
        ("rateplan", "rateplan_id_eq"),
        ("destination", "destination-id-eq"),
        ("routing-group", "routing_group_id_eq"),
        ("routing-plan", "routing_plan_id_eq"),
        ("dialpeer", "dialpeer_id_eq"),
        ("orig-gw", "orig-gw-id-eq"),
        ("term-gw", "term_gw_id_eq"),
        ("src-country", "src_country_id_eq"),
        ("src-network", "src_network_id_eq"),
        ("dst-country", "dst-country-id-eq"),
        ("dst-network", "dst_network_id_eq"),
        ("pop", "pop_id_eq"),
        ("node", "node_id_eq"),
    ];
    for (rel, filter) in filters {
        // The most common value, so the check is meaningful.
        let mut counts: HashMap<i64, usize> = HashMap::new();
        for c in calls {
            if let Some(id) = linkage(c, rel) {
                *counts.entry(id).or_default() += 1;
            }
        }
        let (&value, _) = counts.iter().max_by_key(|(id, n)| (**n, -**id)).unwrap();
        let expected: HashSet<String> = calls
            .iter()
            .filter(|c| linkage(c, rel) == Some(value))
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect();
        assert!(
            !expected.is_empty() && expected.len() < calls.len(),
            "{rel} does not discriminate"
        );
        let got = ids_of(&s.list(&format!("filter[{filter}]={value}")).await);
        assert_eq!(got, expected, "filter {filter}={value}");
    }
    // node_id_eq takes a comma list (OR); filters AND-combine; no match gives an empty list.
    let nodes = s.h.control().node_ids();
    let two = format!("{},{}", nodes[0], nodes[2]);
    let got = ids_of(&s.list(&format!("filter[node-id-eq]={two}")).await);
    let expected: HashSet<String> = calls
        .iter()
        .filter(|c| [nodes[0], nodes[2]].contains(&(linkage(c, "node").unwrap() as u32)))
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(got, expected);
    let first = &calls[0];
    let both = s
        .list(&format!(
            "include=customer&filter[node_id_eq]={}&filter[customer_id_eq]={}",
            linkage(first, "node").unwrap(),
            linkage(first, "customer").unwrap()
        ))
        .await;
    assert!(ids_of(&both).contains(first["id"].as_str().unwrap()));
    assert!(
        data(&both)
            .iter()
            .all(|c| linkage(c, "customer") == linkage(first, "customer"))
    );
    let none = s.list("filter[customer_id_eq]=999999").await;
    assert_eq!(none, json!({"data": [], "meta": {"total-count": 0}}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duration_filters_compare_with_null_as_zero() {
    let s = Sim::start(frozen(300)).await;
    let dur = |c: &Value| c["attributes"]["duration"].as_i64();
    let full = s.list("").await;
    let ringing: HashSet<String> = data(&full)
        .iter()
        .filter(|c| dur(c).is_none())
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(!ringing.is_empty());
    let mut durations: Vec<i64> = data(&full).iter().filter_map(dur).collect();
    durations.sort();
    let median = durations[durations.len() / 2];

    let gt = s
        .list(&format!("filter[duration_greater_than]={median}"))
        .await;
    assert!(data(&gt).iter().all(|c| dur(c).unwrap_or(0) > median));
    let before = durations.iter().filter(|d| **d > median).count();
    assert!(data(&gt).len() >= before, "durations only grow");

    let lt = s
        .list(&format!("filter[duration-less-than]={median}"))
        .await;
    assert!(data(&lt).iter().all(|c| dur(c).unwrap_or(0) < median));
    assert!(ringing.is_subset(&ids_of(&lt)), "null duration counts as 0");

    let eq = s.list("filter[duration_equals]=0").await;
    assert!(data(&eq).iter().all(|c| dur(c).unwrap_or(0) == 0));
    assert!(ringing.is_subset(&ids_of(&eq)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sparse_fieldsets_apply_to_attributes_and_relationships_and_drop_leg_fields() {
    let s = Sim::start(frozen(20)).await;
    let v = s
        .list("fields[active-calls]=duration,local-tag,customer,leg-a-remote-ip,leg-b-remote-port")
        .await;
    for c in data(&v) {
        let attrs: BTreeSet<&str> = c["attributes"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(attrs, BTreeSet::from(["duration", "local-tag"]));
        let rels: BTreeSet<&str> = c["relationships"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(rels, BTreeSet::from(["customer"]));
        assert!(c["links"]["self"].is_string());
    }
    // Only leg fields: no attributes object at all.
    let v = s.list("fields[active-calls]=leg-a-remote-ip,node").await;
    assert!(data(&v)[0].get("attributes").is_none());
    assert!(data(&v)[0]["relationships"]["node"].is_object());
    // Fields of included types.
    let v = s
        .list("include=customer,node&fields[contractors]=name&fields[active-calls]=customer")
        .await;
    for r in v["included"].as_array().unwrap() {
        if r["type"] == "contractors" {
            assert_eq!(r["attributes"].as_object().unwrap().len(), 1);
            assert!(r.get("relationships").is_none());
        } else {
            assert_eq!(r["type"], "nodes");
            assert!(r["attributes"]["rpc-endpoint"].is_string());
        }
    }
    assert!(data(&v)[0]["relationships"]["customer"]["data"].is_object());
}

// ---------------------------------------------------------------------------------------------------------
// Show, delete, related links

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_finds_ids_with_a_literal_or_encoded_star() {
    let s = Sim::start(frozen(30)).await;
    let id = s.h.control().call_ids()[3].clone();
    assert!(id.contains('*'));
    for path in [
        format!("{CALLS}/{id}"),
        format!("{CALLS}/{}", id.replace('*', "%2A")),
    ] {
        let (status, v) = s.get_json(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(v["data"]["id"], id.as_str());
        assert_eq!(
            v["data"]["attributes"]["local-tag"],
            id.split_once('*').unwrap().1
        );
        assert!(v.get("meta").is_none() && v.get("included").is_none());
        assert_eq!(
            v["data"]["links"]["self"],
            format!("{}{CALLS}/{id}", s.h.url)
        );
        let _: CallDocument = serde_json::from_value(v).unwrap();
    }
    let (_, v) = s
        .get_json(&format!(
            "{CALLS}/{id}?include=customer,dst-country&fields[countries]=iso2"
        ))
        .await;
    let inc = v["included"].as_array().unwrap();
    assert_eq!(inc.len(), 2);
    let country = inc.iter().find(|r| r["type"] == "countries").unwrap();
    assert_eq!(country["attributes"].as_object().unwrap().len(), 1);
    assert_eq!(country["attributes"]["iso2"].as_str().unwrap().len(), 2);

    let node = id.split('*').next().unwrap();
    let missing = format!("{node}*{node}-00000000-0000000000000000-00000000");
    let (status, v) = s.get_json(&format!("{CALLS}/{missing}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        v,
        one_error(
            "Record not found",
            &format!("The record identified by {missing} could not be found."),
            "404",
            "404"
        )
    );
    let (status, v) = s
        .get_json(&format!(
            "{CALLS}/999*999-AAAAAAAA-0000000000000000-00000000"
        ))
        .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        v,
        one_error(
            "Internal Server Error",
            "Internal Server Error",
            "500",
            "500"
        )
    );
    let (status, v) = s.get_json(&format!("{CALLS}/{id},{id}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["errors"][0]["status"], "400");
    let (status, _) = s.get_json(&format!("{CALLS}/{id}?include=nope")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_ends_the_call() {
    let s = Sim::start(frozen(30)).await;
    let id = s.h.control().call_ids()[0].clone();
    let r = s.delete(&format!("{CALLS}/{id}")).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(r.bytes().await.unwrap().is_empty());
    let (status, v) = s.get_json(&format!("{CALLS}/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(v["errors"][0]["title"], "Record not found");
    assert!(!ids_of(&s.list("").await).contains(&id));
    assert_eq!(s.h.control().call_count(), 29);
    let r = s.delete(&format!("{CALLS}/{id}")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = s.delete(&format!("{CALLS}/4242*x")).await;
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn related_and_relationship_links() {
    let s = Sim::start(frozen(400)).await;
    let v = s.list("include=customer,src-network").await;
    let call = &data(&v)[0];
    let id = call["id"].as_str().unwrap();
    let customer = call["relationships"]["customer"]["data"]["id"]
        .as_str()
        .unwrap();

    let related = call["relationships"]["customer"]["links"]["related"]
        .as_str()
        .unwrap();
    let path = related.strip_prefix(&s.h.url).unwrap();
    let (status, doc) = s.get_json(path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["data"]["type"], "contractors");
    assert_eq!(doc["data"]["id"], customer);
    assert!(doc["data"]["attributes"]["name"].is_string());
    let (_, doc) = s
        .get_json(&format!("{path}?fields[contractors]=enabled"))
        .await;
    assert_eq!(doc["data"]["attributes"].as_object().unwrap().len(), 1);

    let self_link = call["relationships"]["customer"]["links"]["self"]
        .as_str()
        .unwrap();
    let (status, doc) = s.get_json(self_link.strip_prefix(&s.h.url).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        doc,
        json!({"data":{"type":"contractors","id":customer},"links":{"self":self_link,"related":related}})
    );

    // A call without a source network: related gives data null, relationship gives data null.
    let no_net = data(&v)
        .iter()
        .find(|c| c["relationships"]["src-network"]["data"].is_null())
        .expect("a call with an unknown source network");
    let nid = no_net["id"].as_str().unwrap();
    let (status, doc) = s.get_json(&format!("{CALLS}/{nid}/src-network")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc, json!({"data": null}));
    let (_, doc) = s
        .get_json(&format!("{CALLS}/{nid}/relationships/src-network"))
        .await;
    assert_eq!(doc["data"], Value::Null);

    // routing-plan's relationship is typed routing-groups.
    let (_, doc) = s
        .get_json(&format!("{CALLS}/{id}/relationships/routing-plan"))
        .await;
    assert_eq!(doc["data"]["type"], "routing-groups");

    for path in [
        format!("{CALLS}/1*nope/customer"),
        format!("{CALLS}/1*nope/relationships/customer"),
    ] {
        let (status, doc) = s.get_json(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(doc["errors"][0]["code"], "404");
    }
    let r = s.get(&format!("{CALLS}/{id}/not-a-relationship")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------------------------------------------------
// Other record types

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_by_id_and_paged_lists() {
    let s = Sim::start(frozen(300)).await;
    let types = [
        "contractors",
        "accounts",
        "customers-auths",
        "rateplans",
        "destinations",
        "routing-groups",
        "routing-plans",
        "dialpeers",
        "gateways",
        "countries",
        "networks",
        "pops",
        "nodes",
    ];
    for ty in types {
        let (status, v) = s.get_json(&format!("/api/rest/admin/{ty}")).await;
        assert_eq!(status, StatusCode::OK, "{ty}");
        let total = v["meta"]["total-count"].as_i64().unwrap();
        assert!(total > 0, "{ty}");
        let first = &data(&v)[0];
        assert_eq!(first["type"], ty);
        let id = first["id"].as_str().unwrap();
        let (status, one) = s.get_json(&format!("/api/rest/admin/{ty}/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{ty}/{id}");
        assert_eq!(&one["data"], first);
        assert_eq!(
            one["data"]["links"]["self"],
            format!("{}/api/rest/admin/{ty}/{id}", s.h.url)
        );
    }

    let (status, v) = s.get_json("/api/rest/admin/contractors/99999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        v,
        one_error(
            "Record not found",
            "The record identified by 99999 could not be found.",
            "404",
            "404"
        )
    );
    let (status, _) = s.get_json("/api/rest/admin/contractors/abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Paging with absolute links.
    let (_, v) = s
        .get_json("/api/rest/admin/destinations?page[size]=7")
        .await;
    let total = v["meta"]["total-count"].as_i64().unwrap();
    assert_eq!(data(&v).len(), 7);
    let last_page = (total + 6) / 7;
    let link = |n: i64| {
        format!(
            "{}/api/rest/admin/destinations?page%5Bnumber%5D={n}&page%5Bsize%5D=7",
            s.h.url
        )
    };
    assert_eq!(v["links"]["first"], link(1));
    assert_eq!(v["links"]["next"], link(2));
    assert_eq!(v["links"]["last"], link(last_page));
    assert!(v["links"].get("prev").is_none());
    let mut seen = HashSet::new();
    let mut next = v["links"]["first"].as_str().map(str::to_owned);
    while let Some(url) = next {
        let (_, page) = s.get_json(url.strip_prefix(&s.h.url).unwrap()).await;
        for r in data(&page) {
            assert!(seen.insert(r["id"].as_str().unwrap().to_owned()));
        }
        next = page["links"]["next"].as_str().map(str::to_owned);
    }
    assert_eq!(seen.len() as i64, total);
    let (_, v) = s
        .get_json("/api/rest/admin/destinations?page[size]=7&page[number]=2")
        .await;
    assert_eq!(v["links"]["prev"], link(1));
    let (status, v) = s
        .get_json("/api/rest/admin/contractors?page[size]=1001")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["errors"][0]["code"], "118");
    let (_, v) = s.get_json("/api/rest/admin/contractors").await;
    assert!(data(&v).len() as i64 == v["meta"]["total-count"].as_i64().unwrap().min(50));

    // Secrets exist on gateways, linkage is always present on (L) relationships.
    let (_, v) = s.get_json("/api/rest/admin/gateways?page[size]=1000").await;
    let gws = data(&v);
    assert!(gws.iter().any(|g| {
        !g["attributes"]["incoming-auth-password"]
            .as_str()
            .unwrap()
            .is_empty()
    }));
    assert!(
        gws.iter()
            .all(|g| g["attributes"].get("auth-password").is_some())
    );
    assert!(
        gws.iter()
            .all(|g| g["relationships"]["contractor"]["data"]["type"] == "contractors")
    );
    assert!(
        gws.iter()
            .all(|g| g["relationships"]["pop"]["data"]["type"] == "pops")
    );
    let (_, v) = s
        .get_json("/api/rest/admin/dialpeers?include=vendor,account&page[size]=3")
        .await;
    let inc: HashSet<&str> = v["included"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(inc, HashSet::from(["contractors", "accounts"]));
    let (_, v) = s
        .get_json("/api/rest/admin/countries?filter[name]=Germany")
        .await;
    assert_eq!(data(&v).len(), 1);
    assert_eq!(data(&v)[0]["attributes"]["iso2"], "DE");
    let r = s.get("/api/rest/admin/no-such-type").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------------------------------------------------
// Faults

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_make_the_api_misbehave_on_purpose() {
    let s = Sim::start(frozen(40)).await;
    let ctl = s.h.control();

    // 500 with a JSON:API body, once, on lists only.
    ctl.set_fault(
        Fault::always(FaultMode::ServerError)
            .scope(FaultScope::List)
            .times(1),
    );
    let id = ctl.call_ids()[0].clone();
    assert_eq!(
        s.get(&format!("{CALLS}/{id}")).await.status(),
        StatusCode::OK
    );
    let (status, v) = s.get_json(CALLS).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        v,
        one_error(
            "Internal Server Error",
            "Internal Server Error",
            "500",
            "500"
        )
    );
    assert_eq!(s.get(CALLS).await.status(), StatusCode::OK);
    assert!(ctl.faults().is_empty());

    // 502 HTML.
    ctl.set_fault(Fault::always(FaultMode::BadGateway).times(1));
    let r = s.get(CALLS).await;
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(r.text().await.unwrap().contains("<html>"));

    // Malformed JSON with a 200.
    ctl.set_fault(Fault::always(FaultMode::Malformed).times(1));
    let r = s.get(CALLS).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(serde_json::from_slice::<Value>(&r.bytes().await.unwrap()).is_err());

    // Truncated body: reading it fails.
    ctl.set_fault(Fault::always(FaultMode::Truncated).times(1));
    let r = s.get(CALLS).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.is_err());
    assert_eq!(s.get(CALLS).await.status(), StatusCode::OK);

    // Latency and slow bodies.
    ctl.set_fault(Fault::always(FaultMode::Latency(300)).times(1));
    let t = Instant::now();
    assert_eq!(s.get(CALLS).await.status(), StatusCode::OK);
    assert!(t.elapsed() >= Duration::from_millis(300));
    ctl.set_fault(Fault::always(FaultMode::Slow(400)).times(1));
    let t = Instant::now();
    let r = s.get(CALLS).await;
    let body = r.bytes().await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(350));
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["data"]
            .as_array()
            .unwrap()
            .len(),
        40
    );

    // Hang until the client gives up.
    ctl.set_fault(Fault::always(FaultMode::Hang).times(1));
    let r =
        s.c.get(s.url(CALLS))
            .header("Authorization", &s.tok)
            .timeout(Duration::from_millis(300))
            .send()
            .await;
    assert!(r.unwrap_err().is_timeout());

    // A huge (but valid) body.
    ctl.set_fault(Fault::always(FaultMode::Huge(3_000_000)).times(1));
    let body = s.get(CALLS).await.bytes().await.unwrap();
    assert!(body.len() >= 3_000_000);
    assert!(serde_json::from_slice::<Value>(&body).is_ok());

    // 422 on DELETE; the call stays.
    ctl.set_fault(Fault::always(FaultMode::DeleteRejected("Call not found".into())).times(1));
    assert_eq!(
        s.get(CALLS).await.status(),
        StatusCode::OK,
        "422 only hits deletes"
    );
    let r = s.delete(&format!("{CALLS}/{id}")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"errors":[{"title":"Call not found","detail":"Call not found","code":"100","source":{"pointer":"/data"},"status":"422"}]})
    );
    assert!(ctl.call_ids().contains(&id));

    // Revocation fault: 401 now and later, until a new login.
    ctl.set_fault(Fault::always(FaultMode::Revoke).times(1));
    assert_eq!(s.get(CALLS).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(s.get(CALLS).await.status(), StatusCode::UNAUTHORIZED);
    let tok = s.login().await;
    let r =
        s.c.get(s.url(CALLS))
            .header("Authorization", tok)
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_from_config_and_control_endpoint() {
    let mut cfg = frozen(10);
    cfg.faults.faults.push("strict-filters".parse().unwrap());
    cfg.faults.latency_ms = Some(50);
    let s = Sim::start(cfg).await;
    let t = Instant::now();
    let (status, _) = s.get_json(&format!("{CALLS}?filter[node_id_eq]=1")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(t.elapsed() >= Duration::from_millis(50));
    let (status, v) = s
        .get_json(&format!("{CALLS}?filter[customer-id-eq]=1"))
        .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(v["errors"][0]["code"], "500");

    let r = s.c.delete(s.url("/_sim/fault")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (status, _) = s
        .get_json(&format!("{CALLS}?filter[customer-id-eq]=1"))
        .await;
    assert_eq!(status, StatusCode::OK);

    let r =
        s.c.post(s.url("/_sim/fault"))
            .json(&json!({"mode":"500","scope":"show","times":1}))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let state: Value =
        s.c.get(s.url("/_sim/state"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(
        state["faults"],
        json!([{"mode":"500","scope":"show","times":1}])
    );
    assert_eq!(state["calls"], json!(10));
    let id = s.h.control().call_ids()[0].clone();
    assert_eq!(s.get(CALLS).await.status(), StatusCode::OK);
    assert_eq!(
        s.get(&format!("{CALLS}/{id}")).await.status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        s.get(&format!("{CALLS}/{id}")).await.status(),
        StatusCode::OK
    );

    let r =
        s.c.post(s.url("/_sim/fault"))
            .json(&json!({"mode":"explode"}))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    // Auth-scoped fault.
    s.c.post(s.url("/_sim/fault"))
        .json(&json!({"mode":"502,scope=auth,times=1"}))
        .send()
        .await
        .unwrap();
    let r =
        s.c.post(s.url("/api/rest/admin/auth"))
            .json(&json!({"auth":{"username":"admin","password":"admin"}}))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    s.login().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_endpoint_adds_and_ends_calls() {
    let s = Sim::start(frozen(10)).await;
    let r = s.c.post(s.url("/_sim/calls")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, v) = s.get_json(&format!("{CALLS}/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(v["data"]["attributes"]["duration"].as_i64().unwrap() >= 1);
    let r =
        s.c.post(s.url("/_sim/calls"))
            .json(&json!({"answered": false}))
            .send()
            .await
            .unwrap();
    let ringing = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, v) = s.get_json(&format!("{CALLS}/{ringing}")).await;
    assert_eq!(v["data"]["attributes"]["connect-time"], Value::Null);
    assert_eq!(v["data"]["attributes"]["leg-b-remote-ip"], "");
    let ids: Value =
        s.c.get(s.url("/_sim/calls"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(ids["ids"].as_array().unwrap().len(), 12);

    let r =
        s.c.post(s.url(&format!("/_sim/calls/{}/end", id.replace('*', "%2A"))))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        s.get(&format!("{CALLS}/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let r =
        s.c.delete(s.url(&format!("/_sim/calls/{id}")))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let ctl = s.h.control();
    assert!(ctl.end_call(&ringing));
    assert_eq!(ctl.call_count(), 10);
    let tok = ctl.issue_token();
    let r =
        s.c.get(s.url(CALLS))
            .header("Authorization", tok)
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = s.c.get(s.url("/_sim/nothing")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------------------------------------------------
// Churn and determinism

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn churn_makes_calls_come_and_go_by_the_clock() {
    let s = Sim::start(SimConfig {
        calls: 150,
        churn: true,
        churn_speed: 60.0,
        ..SimConfig::default()
    })
    .await;
    let before = ids_of(&s.list("").await);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let after_doc = s.list("").await;
    let after = ids_of(&after_doc);
    assert!(before.difference(&after).count() > 10, "calls should end");
    assert!(
        after.difference(&before).count() > 10,
        "calls should arrive"
    );
    assert!(
        (60..=300).contains(&after.len()),
        "about --calls at a time: {}",
        after.len()
    );
    let ringing = data(&after_doc)
        .iter()
        .filter(|c| c["attributes"]["connect-time"].is_null())
        .count();
    assert!(
        ringing > 0 && ringing < after.len() / 2,
        "ringing {ringing}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_churn_the_set_is_frozen_but_durations_grow() {
    let s = Sim::start(frozen(50)).await;
    let dur = |v: &Value| -> HashMap<String, i64> {
        data(v)
            .iter()
            .filter_map(|c| {
                Some((
                    c["id"].as_str()?.to_owned(),
                    c["attributes"]["duration"].as_i64()?,
                ))
            })
            .collect()
    };
    let a = s.list("").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let b = s.list("").await;
    assert_eq!(ids_of(&a), ids_of(&b));
    let (da, db) = (dur(&a), dur(&b));
    assert_eq!(da.len(), db.len());
    assert!(da.iter().all(|(id, d)| db[id] >= *d));
    assert!(da.iter().any(|(id, d)| db[id] > *d));
}

#[test]
fn world_generation_is_a_pure_function_of_seed_calls_nodes_and_now() {
    let now = Utc.with_ymd_and_hms(2026, 7, 18, 13, 10, 0).unwrap();
    let cfg = frozen(60);
    let q = ListQuery::new("http://yeti.example").with_all_includes();
    let a = World::generate(&cfg, now).list_json(now, &q);
    let b = World::generate(&cfg, now).list_json(now, &q);
    assert_eq!(a, b);
    let doc = World::generate(&cfg, now).list_document(now, &q);
    assert_eq!(doc.data.len(), 60);
    assert_eq!(doc, serde_json::from_slice::<CallListDocument>(&a).unwrap());
    assert!(
        doc.data[0]
            .links
            .as_ref()
            .unwrap()
            .self_link
            .as_ref()
            .unwrap()
            .starts_with("http://yeti.example/")
    );
    let other = World::generate(
        &SimConfig {
            seed: 7,
            ..frozen(60)
        },
        now,
    )
    .list_json(now, &q);
    assert_ne!(a, other);
    let later = now + chrono::Duration::seconds(10);
    let shifted = World::generate(&cfg, later).list_document(later, &q);
    assert_eq!(
        shifted
            .data
            .iter()
            .map(|c| c.attributes.duration)
            .collect::<Vec<_>>(),
        doc.data
            .iter()
            .map(|c| c.attributes.duration)
            .collect::<Vec<_>>(),
        "same world relative to its clock"
    );
    let world = World::generate(&cfg, now);
    let id = world.call_ids()[0].clone();
    let show = world
        .show_document(now, &id, &ListQuery::new("http://yeti.example"))
        .unwrap();
    assert_eq!(
        show.data,
        doc.data[0].clone().tap_relationships_links_only()
    );
}

/// Show without include equals the list entry without linkage data.
trait LinksOnly {
    fn tap_relationships_links_only(self) -> Self;
}

impl LinksOnly for yetitop::api::types::CallResource {
    fn tap_relationships_links_only(mut self) -> Self {
        for i in 0..18 {
            if let Some(Some(rel)) = self.relationships.slot_mut(i) {
                rel.data = None;
            }
        }
        self
    }
}

// ---------------------------------------------------------------------------------------------------------
// Robustness

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_never_breaks_the_server() {
    let s = Sim::start(frozen(20)).await;
    let long = "a".repeat(20_000);
    let paths = [
        format!("{CALLS}?include={}", vec!["customer"; 3000].join(",")),
        format!("{CALLS}?include=customer.{long}"),
        format!("{CALLS}?filter[{long}]=1"),
        format!("{CALLS}?filter[node_id_eq]={}", vec!["1"; 5000].join(",")),
        format!("{CALLS}?filter[duration_greater_than]=99999999999999999999999999"),
        format!("{CALLS}?fields[active-calls]=&include="),
        format!("{CALLS}?%zz=%%&filter=x&fields=y&page=z"),
        format!("{CALLS}/%FF%FE*%00"),
        format!("{CALLS}/*"),
        format!("{CALLS}/"),
        format!("{CALLS}/{long}"),
        format!("{CALLS}/1*{long}/customer"),
        "/api/rest/admin/contractors?page[number]=-5&page[size]=abc".to_owned(),
        "/api/rest/admin/contractors/1/relationships/smtp-connection".to_owned(),
        "/api/rest/admin/contractors/1/smtp-connection".to_owned(),
        "/api/rest/admin/accounts/99999999999999999999".to_owned(),
        "/api/rest/admin".to_owned(),
    ];
    for p in &paths {
        let r = s.get(p).await;
        let status = r.status();
        let json_body = r
            .headers()
            .get("content-type")
            .is_some_and(|ct| ct.to_str().unwrap_or("").starts_with(MEDIA_TYPE));
        let body = r.bytes().await.unwrap();
        assert!(
            status.is_success()
                || status.is_client_error()
                || status == StatusCode::INTERNAL_SERVER_ERROR,
            "{status} for {p:.80}"
        );
        if json_body {
            assert!(serde_json::from_slice::<Value>(&body).is_ok(), "{p:.80}");
        }
    }
    let r =
        s.c.post(s.url("/api/rest/admin/auth"))
            .body(vec![b'{'; 200_000])
            .send()
            .await
            .unwrap();
    assert!(r.status().is_client_error());
    assert_eq!(s.get(CALLS).await.status(), StatusCode::OK, "still serving");
    s.h.shutdown().await;
}
