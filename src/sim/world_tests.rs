//! Unit tests of `sim/world.rs`.

use super::*;
use crate::api::types::{CALL_RELATIONSHIPS, parse_decimal};
use chrono::TimeZone;
use std::collections::HashSet;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 7, 18, 13, 10, 0).unwrap()
}

fn world(calls: usize) -> World {
    let cfg = SimConfig {
        calls,
        churn: false,
        ..SimConfig::default()
    };
    World::generate(&cfg, now())
}

#[test]
fn records_match_their_schema() {
    let w = world(300);
    for (ti, t) in schema::TYPES.iter().enumerate() {
        let table = w.entities.table(ti);
        assert!(!table.records.is_empty(), "{} empty", t.name);
        for r in &table.records {
            assert_eq!(r.values.len(), t.attrs.len(), "{} attrs", t.name);
            assert_eq!(r.rels.len(), t.rels.len(), "{} rels", t.name);
        }
        assert!(
            table.records.windows(2).all(|p| p[0].id < p[1].id),
            "{} ids sorted unique",
            t.name
        );
    }
}

#[test]
fn call_relationships_point_at_existing_records() {
    let w = world(500);
    let e = &w.entities;
    for c in w.calls.values() {
        for (i, (name, ty)) in CALL_RELATIONSHIPS.iter().enumerate() {
            let id = c.rels[i];
            if id == 0 {
                assert_eq!(*name, "src-network");
                continue;
            }
            let ti = if *name == "routing-plan" {
                schema::T_ROUTING_PLANS
            } else {
                schema::type_index(ty).unwrap()
            };
            assert!(e.table(ti).get(id).is_some(), "{name} {id} missing");
        }
    }
}

#[test]
fn generation_invariants() {
    let w = world(2000);
    let now_ms = now().timestamp_millis();
    let (mut ringing, mut losing, mut near_limit, mut v6) = (0, 0, 0, 0);
    for c in w.calls.values() {
        assert!(c.connect_ms >= c.start_ms);
        let node = &w.entities.nodes[c.node_idx as usize];
        assert_eq!(c.id(), format!("{}*{}", node.id, c.local_tag()));
        let parts: Vec<&str> = c.local_tag().split('-').collect();
        assert_eq!(parts.len(), 4);
        assert_eq!(parts[0], node.id.to_string());
        assert_eq!((parts[1].len(), parts[2].len(), parts[3].len()), (8, 16, 8));
        assert!(parts[1..].iter().all(|p| {
            p.chars()
                .all(|ch| ch.is_ascii_hexdigit() && !ch.is_ascii_lowercase())
        }));
        if c.answered {
            assert!(c.connect_ms <= now_ms);
            let d = c.duration(now_ms).unwrap();
            assert!(
                d <= i64::from(c.time_limit),
                "duration {d} over limit {}",
                c.time_limit
            );
            if i64::from(c.time_limit) - d < 60 {
                near_limit += 1;
            }
        } else {
            ringing += 1;
            assert_eq!(c.duration(now_ms), None);
        }
        assert!((60..=7200).contains(&c.time_limit));
        // Numbers fit the destination country.
        let country = COUNTRIES.iter().find(|k| k.id == c.rels[14]).unwrap();
        assert!(c.text(txt::DST_ROUTING).starts_with(country.code));
        assert!(c.text(txt::DST_ROUTING).len() >= 10 && c.text(txt::DST_ROUTING).len() <= 15);
        assert!(c.text(txt::DST_IN).ends_with(c.text(txt::DST_ROUTING)));
        let dest = w
            .entities
            .table(schema::T_DESTINATIONS)
            .get(c.rels[6])
            .unwrap();
        assert!(
            c.text(txt::DST_ROUTING)
                .starts_with(dest.values[0].as_str().unwrap())
        );
        assert_eq!(dest.rels[1], Some(c.rels[14]), "destination country");
        let src_country = COUNTRIES.iter().find(|k| k.id == c.rels[12]).unwrap();
        assert!(c.text(txt::SRC_ROUTING).starts_with(src_country.code));
        // Rates parse, with at most 6 decimals.
        for i in [
            txt::D_INIT,
            txt::D_NEXT,
            txt::D_FEE,
            txt::DP_INIT,
            txt::DP_NEXT,
            txt::DP_FEE,
        ] {
            let d = parse_decimal(c.text(i)).unwrap();
            assert!(d.scale() <= 6 && d >= Decimal::ZERO, "{}", c.text(i));
        }
        let dnext = parse_decimal(c.text(txt::D_NEXT)).unwrap();
        let dpnext = parse_decimal(c.text(txt::DP_NEXT)).unwrap();
        if dpnext > dnext {
            losing += 1;
        }
        assert!((1..=4).contains(&c.nums[num::POLICY]));
        if c.text(txt::A_REMOTE_IP).contains(':') {
            v6 += 1;
        }
    }
    let n = w.calls.len();
    assert_eq!(n, 2000);
    assert!(
        ringing * 100 >= n * 10 && ringing * 100 <= n * 20,
        "ringing {ringing}"
    );
    assert!(losing > 0, "no losing calls");
    assert!(near_limit > 0, "no calls near their limit");
    assert!(v6 > 0 && v6 * 5 < n, "ipv6 legs {v6}");
}

#[test]
fn ringing_calls_render_an_empty_b_leg() {
    let w = world(400);
    let q = ListQuery::new("http://h");
    let doc = w.list_document(now(), &q);
    assert_eq!(doc.data.len(), 400);
    let mut seen = 0;
    for c in &doc.data {
        let a = &c.attributes;
        if a.connect_time.is_none() {
            seen += 1;
            assert_eq!(a.duration, None);
            assert_eq!(a.leg_b_local_ip.as_deref(), Some(""));
            assert_eq!(a.leg_b_remote_ip.as_deref(), Some(""));
            assert_eq!(a.term_call_id.as_deref(), Some(""));
            assert_eq!(
                (a.leg_b_local_port, a.leg_b_remote_port),
                (Some(0), Some(0))
            );
        } else {
            assert!(a.connect_time >= a.start_time);
            assert!(!a.leg_b_remote_ip.as_deref().unwrap_or("").is_empty());
            assert!(a.term_call_id.as_deref().unwrap_or("").contains('-'));
        }
    }
    assert!(seen > 0);
}

#[test]
fn generation_is_deterministic() {
    let a = world(300).list_json(now(), &ListQuery::new("http://h").with_all_includes());
    let b = world(300).list_json(now(), &ListQuery::new("http://h").with_all_includes());
    assert_eq!(a, b);
    let cfg = SimConfig {
        calls: 300,
        seed: 2,
        churn: false,
        ..SimConfig::default()
    };
    let c = World::generate(&cfg, now()).list_json(now(), &ListQuery::new("http://h"));
    assert_ne!(a, c);
}

#[test]
fn churn_is_driven_by_time() {
    let cfg = SimConfig {
        calls: 200,
        churn: true,
        churn_speed: 20.0,
        ..SimConfig::default()
    };
    let mut w = World::generate(&cfg, now());
    let before: HashSet<String> = w.call_ids().into_iter().collect();
    w.advance(now()); // no time passed: nothing changes
    assert_eq!(w.call_count(), 200);
    let mut t = now();
    for _ in 0..60 {
        t += chrono::Duration::seconds(1);
        w.advance(t);
    }
    let after: HashSet<String> = w.call_ids().into_iter().collect();
    assert!(before.difference(&after).count() > 50, "calls should end");
    assert!(
        after.difference(&before).count() > 50,
        "calls should arrive"
    );
    assert!(
        (100..=320).contains(&w.call_count()),
        "count {}",
        w.call_count()
    );
    let ringing = w.ringing_count();
    assert!(
        ringing > 0 && ringing < w.call_count() / 2,
        "ringing {ringing}"
    );
}

#[test]
fn lookup_outcomes() {
    let w = world(20);
    let id = w.call_ids()[0].clone();
    assert!(matches!(w.lookup(&id), Lookup::Found(_)));
    let node = id.split('*').next().unwrap();
    assert!(matches!(
        w.lookup(&format!("{node}*nope")),
        Lookup::NotFound
    ));
    assert!(matches!(w.lookup("777*x"), Lookup::NodeMissing));
    assert!(matches!(w.lookup("abc"), Lookup::NodeMissing));
    assert!(matches!(w.lookup("1*a,b"), Lookup::BadKey));
}

#[test]
fn large_worlds_generate() {
    let w = world(20_000);
    assert_eq!(w.call_count(), 20_000);
    assert!(w.entities.table(T_CONTRACTORS).records.len() > 40);
}
