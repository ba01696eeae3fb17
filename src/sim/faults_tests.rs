//! Unit tests of `sim/faults.rs`.

use super::*;

#[test]
fn parses_and_prints_specs() {
    let f: Fault = "slow:3000,scope=list,times=2".parse().unwrap();
    assert_eq!(f.mode, FaultMode::Slow(3000));
    assert_eq!(f.scope, FaultScope::List);
    assert_eq!(f.times, Some(2));
    assert_eq!(f.to_string(), "slow:3000,scope=list,times=2");
    assert_eq!(
        "500".parse::<Fault>().unwrap(),
        Fault::always(FaultMode::ServerError)
    );
    assert_eq!(
        "422".parse::<FaultMode>().unwrap(),
        FaultMode::DeleteRejected(DEFAULT_DELETE_ERROR.into())
    );
    assert!("latency".parse::<FaultMode>().is_err());
    assert!("bogus".parse::<FaultMode>().is_err());
    assert!("500,scope=nowhere".parse::<Fault>().is_err());
    assert!("500,times=x".parse::<Fault>().is_err());
}

#[test]
fn take_consumes_counted_faults_by_scope() {
    let mut st = FaultState::new(vec![
        Fault::always(FaultMode::ServerError)
            .scope(FaultScope::List)
            .times(1),
        Fault::always(FaultMode::Latency(5)),
    ]);
    assert_eq!(
        st.take(RequestKind::Show, |_| true),
        vec![FaultMode::Latency(5)]
    );
    assert_eq!(
        st.take(RequestKind::List, |_| true),
        vec![FaultMode::ServerError, FaultMode::Latency(5)]
    );
    assert_eq!(
        st.take(RequestKind::List, |_| true),
        vec![FaultMode::Latency(5)]
    );
    assert_eq!(st.list().len(), 1);
}
