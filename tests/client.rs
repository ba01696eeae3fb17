//! The API client against the simulator over real HTTP on loopback: login and re-login, list with include
//! and filters, show, 404 after delete, related records, and decode errors on broken bodies.

use std::time::Duration;

use yetitop::api::types::CALL_RELATIONSHIPS;
use yetitop::api::{
    ApiError, CallFilter, Client, ClientConfig, Credentials, FilterField, ListQuery, Secret,
};
use yetitop::model::{Link, build_call, build_calls};
use yetitop::sim::{self, Fault, SimConfig, SimHandle};

async fn start_sim(cfg: SimConfig) -> SimHandle {
    sim::start(([127, 0, 0, 1], 0).into(), cfg)
        .await
        .expect("sim starts")
}

fn frozen() -> SimConfig {
    SimConfig {
        calls: 60,
        churn: false,
        seed: 11,
        ..SimConfig::default()
    }
}

fn client(url: &str, password: &str) -> Client {
    Client::new(ClientConfig::new(
        url,
        Credentials::Password {
            user: "admin".into(),
            password: Secret::new(password),
        },
    ))
    .expect("client")
}

fn with_include(rels: &[&str]) -> ListQuery {
    ListQuery {
        include: rels.iter().map(|s| (*s).to_owned()).collect(),
        ..ListQuery::default()
    }
}

#[tokio::test]
async fn lists_every_call_with_included_names() {
    let sim = start_sim(frozen()).await;
    let c = client(&sim.url, "admin");
    let f = c
        .list_calls(&with_include(&["customer", "node"]))
        .await
        .unwrap();
    assert_eq!(f.doc.data.len(), sim.control().call_count());
    assert!(f.bytes > 0);
    assert!(f.server_date.is_some(), "the Date header is read");
    let batch = build_calls(f.doc);
    let call = &batch.calls[0];
    let customer = call
        .link("customer")
        .id()
        .expect("customer linkage with include=");
    assert!(batch.records.iter().any(|r| &*r.key.kind == "contractors"
        && *r.key.id == *customer.to_string()
        && !r.name.is_empty()));
    // Not included: unknown, not empty.
    assert_eq!(call.link("vendor"), Link::Unknown);
}

#[tokio::test]
async fn filters_narrow_the_list() {
    let sim = start_sim(frozen()).await;
    let c = client(&sim.url, "admin");
    let all = build_calls(
        c.list_calls(&with_include(&["customer", "node"]))
            .await
            .unwrap()
            .doc,
    )
    .calls;
    let customer = all[0].link("customer").id().unwrap();
    let q = ListQuery {
        filters: vec![CallFilter::new(FilterField::CustomerIdEq, customer as i64)],
        include: vec!["customer".into()],
        ..ListQuery::default()
    };
    let some = build_calls(c.list_calls(&q).await.unwrap().doc).calls;
    let expected = all
        .iter()
        .filter(|x| x.link("customer").id() == Some(customer))
        .count();
    assert_eq!(some.len(), expected);
    assert!(some.len() < all.len());
    let node = all[0].node_id().unwrap();
    let q = ListQuery {
        filters: vec![CallFilter::new(FilterField::NodeIdEq, node as i64)],
        ..ListQuery::default()
    };
    let on_node = build_calls(c.list_calls(&q).await.unwrap().doc).calls;
    assert!(on_node.iter().all(|x| x.node_id() == Some(node)));
    let q = ListQuery {
        filters: vec![CallFilter::new(FilterField::DurationGreaterThan, 60)],
        ..ListQuery::default()
    };
    let long = build_calls(c.list_calls(&q).await.unwrap().doc).calls;
    assert!(long.iter().all(|x| x.duration.unwrap_or(0) > 60));
}

#[tokio::test]
async fn sparse_fields_keep_the_poll_small() {
    let sim = start_sim(frozen()).await;
    let c = client(&sim.url, "admin");
    let full = c.list_calls(&ListQuery::default()).await.unwrap();
    let q = ListQuery {
        fields: vec!["duration".into(), "local-tag".into(), "customer".into()],
        include: vec!["customer".into()],
        type_fields: vec![("contractors".into(), vec!["name".into()])],
        ..ListQuery::default()
    };
    let sparse = c.list_calls(&q).await.unwrap();
    assert!(
        sparse.bytes * 3 < full.bytes,
        "{} vs {}",
        sparse.bytes,
        full.bytes
    );
    let call = &sparse.doc.data[0];
    assert!(call.attributes.local_tag.is_some());
    assert!(call.attributes.dst_prefix_routing.is_none());
}

#[tokio::test]
async fn show_a_call_with_every_relationship_then_404_after_delete() {
    let sim = start_sim(frozen()).await;
    let c = client(&sim.url, "admin");
    let id = sim.control().add_call(true);
    assert!(id.contains('*'));
    let include: Vec<&str> = CALL_RELATIONSHIPS.iter().map(|(n, _)| *n).collect();
    let f = c.show_call(&id, &include).await.unwrap();
    let (call, records) = build_call(f.doc);
    assert_eq!(&*call.id, id);
    assert!(call.is_answered());
    for (i, (name, _)) in CALL_RELATIONSHIPS.iter().enumerate() {
        assert_ne!(call.links[i], Link::Unknown, "{name} linkage");
    }
    assert!(records.iter().any(|r| &*r.key.kind == "gateways"));
    // Gateway secrets never reach the model.
    for r in records.iter().filter(|r| &*r.key.kind == "gateways") {
        for a in r.attributes.iter().filter(|a| a.name.contains("password")) {
            assert_eq!(&*a.value, "••••");
        }
    }

    c.delete_call(&id).await.unwrap();
    match c.show_call(&id, &[]).await {
        Err(ApiError::NotFound(detail)) => {
            assert!(detail.contains("could not be found"), "{detail}")
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
    assert!(matches!(
        c.delete_call(&id).await,
        Err(ApiError::NotFound(_))
    ));
}

#[tokio::test]
async fn related_records_and_records_by_type_and_id() {
    let sim = start_sim(frozen()).await;
    let c = client(&sim.url, "admin");
    let id = sim.control().add_call(true);
    let rel = c.related(&id, "customer").await.unwrap();
    let customer = rel.doc.data.expect("the customer record");
    assert_eq!(customer.kind, "contractors");
    let by_id = c.record("contractors", &customer.id, &[]).await.unwrap();
    assert_eq!(by_id.doc.data.unwrap().id, customer.id);
    let linkage = c.relationship(&id, "node").await.unwrap();
    assert_eq!(linkage.doc.data.flatten().unwrap().kind, "nodes");
    let page = c.records("gateways", 1, 5).await.unwrap();
    assert!(!page.doc.data.is_empty() && page.doc.data.len() <= 5);
    assert!(matches!(
        c.record("contractors", "999999", &[]).await,
        Err(ApiError::NotFound(_))
    ));
}

#[tokio::test]
async fn wrong_password_and_refused_token_are_unauthorized() {
    let sim = start_sim(frozen()).await;
    let e = client(&sim.url, "nope")
        .list_calls(&ListQuery::default())
        .await
        .unwrap_err();
    assert_eq!(
        e,
        ApiError::Unauthorized("Incorrect login or password.".into())
    );
    assert_eq!(e.exit_code(), 3);
    let bad = Client::new(ClientConfig::new(
        &sim.url,
        Credentials::Token(Secret::new("x.y.z")),
    ))
    .unwrap();
    let e = bad.list_calls(&ListQuery::default()).await.unwrap_err();
    assert_eq!(
        e,
        ApiError::Unauthorized("the server refused the token".into())
    );
    // A ready, valid token works without any login.
    let token = sim.control().issue_token();
    let good = Client::new(ClientConfig::new(
        &sim.url,
        Credentials::Token(Secret::new(token)),
    ))
    .unwrap();
    assert!(good.list_calls(&ListQuery::default()).await.is_ok());
}

#[tokio::test]
async fn logs_in_again_after_a_401() {
    let sim = start_sim(frozen()).await;
    let c = client(&sim.url, "admin");
    c.list_calls(&ListQuery::default()).await.unwrap();
    assert!(sim.control().revoke_tokens() >= 1);
    // The token the client holds is now refused: it logs in once more and retries.
    c.list_calls(&ListQuery::default()).await.unwrap();
    // A revoked ready token is final.
    let token = sim.control().issue_token();
    let t = Client::new(ClientConfig::new(
        &sim.url,
        Credentials::Token(Secret::new(token)),
    ))
    .unwrap();
    sim.control().revoke_tokens();
    assert!(matches!(
        t.list_calls(&ListQuery::default()).await,
        Err(ApiError::Unauthorized(_))
    ));
}

#[tokio::test]
async fn logs_in_again_before_the_token_expires() {
    // Tokens live 2 s; the client logs in again when fewer than 30 s are left, so every request here
    // needs a fresh login, and none fails even after the first token has expired.
    let sim = start_sim(SimConfig {
        token_lifetime: Some(2),
        ..frozen()
    })
    .await;
    let c = client(&sim.url, "admin");
    for _ in 0..3 {
        c.list_calls(&ListQuery::default()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
}

#[tokio::test]
async fn broken_bodies_are_decode_errors_never_panics() {
    let sim = start_sim(frozen()).await;
    let c = client(&sim.url, "admin");
    c.login().await.unwrap();
    let ctl = sim.control();

    ctl.set_fault("malformed,scope=list,times=1".parse::<Fault>().unwrap());
    let e = c.list_calls(&ListQuery::default()).await.unwrap_err();
    assert!(matches!(e, ApiError::Decode(_)), "{e:?}");
    assert!(e.to_string().len() < 400, "{e}");

    ctl.set_fault("truncated,scope=list,times=1".parse::<Fault>().unwrap());
    let e = c.list_calls(&ListQuery::default()).await.unwrap_err();
    assert!(
        matches!(e, ApiError::Decode(_) | ApiError::Connect(_)),
        "{e:?}"
    );

    ctl.set_fault("502,scope=list,times=1".parse::<Fault>().unwrap());
    let e = c.list_calls(&ListQuery::default()).await.unwrap_err();
    assert_eq!(e.to_string(), "server error 502: 502 Bad Gateway");

    ctl.set_fault("500,scope=list,times=1".parse::<Fault>().unwrap());
    let e = c.list_calls(&ListQuery::default()).await.unwrap_err();
    assert_eq!(e.to_string(), "server error 500: Internal Server Error");

    // After the faults, the same client works again.
    assert!(c.list_calls(&ListQuery::default()).await.is_ok());
}

#[tokio::test]
async fn a_body_over_the_limit_is_too_large() {
    let sim = start_sim(frozen()).await;
    let mut cfg = ClientConfig::new(
        &sim.url,
        Credentials::Password {
            user: "admin".into(),
            password: Secret::new("admin"),
        },
    );
    cfg.max_body = 100_000;
    let c = Client::new(cfg).unwrap();
    sim.control()
        .set_fault("huge:1000000,scope=list,times=1".parse::<Fault>().unwrap());
    let e = c.list_calls(&ListQuery::default()).await.unwrap_err();
    assert_eq!(e, ApiError::TooLarge { limit: 100_000 });
}

#[tokio::test]
async fn a_switch_that_does_not_answer_times_out() {
    let sim = start_sim(frozen()).await;
    let mut cfg = ClientConfig::new(
        &sim.url,
        Credentials::Password {
            user: "admin".into(),
            password: Secret::new("admin"),
        },
    );
    cfg.read_timeout = Duration::from_millis(500);
    cfg.timeout = Duration::from_secs(2);
    let c = Client::new(cfg).unwrap();
    c.login().await.unwrap();
    sim.control()
        .set_fault("hang,scope=list".parse::<Fault>().unwrap());
    let e = c.list_calls(&ListQuery::default()).await.unwrap_err();
    assert!(matches!(e, ApiError::Timeout(_)), "{e:?}");
}

#[tokio::test]
async fn a_dead_port_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let e = client(&url, "admin")
        .list_calls(&ListQuery::default())
        .await
        .unwrap_err();
    assert!(matches!(e, ApiError::Connect(_)), "{e:?}");
    assert_eq!(e.exit_code(), 5);
}
