//! Unit tests of `api/query.rs`.

use super::*;

#[test]
fn all_21_filters_have_names() {
    assert_eq!(FilterField::ALL.len(), 21);
    for f in FilterField::ALL {
        assert_eq!(FilterField::from_api_name(f.api_name()), Some(f));
        assert_eq!(
            FilterField::from_api_name(&f.api_name().replace('_', "-")),
            Some(f)
        );
    }
}

#[test]
fn parses_the_cli_forms() {
    assert_eq!(
        "customer=5".parse::<CallFilter>().unwrap(),
        CallFilter::new(FilterField::CustomerIdEq, 5)
    );
    assert_eq!(
        "orig-gw=12".parse::<CallFilter>().unwrap(),
        CallFilter::new(FilterField::OrigGwIdEq, 12)
    );
    assert_eq!(
        "duration>60".parse::<CallFilter>().unwrap(),
        CallFilter::new(FilterField::DurationGreaterThan, 60)
    );
    assert_eq!("node=1,2".parse::<CallFilter>().unwrap().values, vec![1, 2]);
    assert!("customer>5".parse::<CallFilter>().is_err());
    assert!("nope=1".parse::<CallFilter>().is_err());
    assert!("customer=x".parse::<CallFilter>().is_err());
    assert!("customer=1,2".parse::<CallFilter>().is_err());
}

#[test]
fn query_pairs() {
    let q = ListQuery {
        filters: vec![CallFilter::new(FilterField::NodeIdEq, 8)],
        include: vec!["customer".into(), "node".into()],
        fields: vec!["duration".into(), "customer".into()],
        type_fields: vec![("contractors".into(), vec!["name".into()])],
    };
    assert_eq!(
        q.to_pairs(),
        vec![
            ("filter[node_id_eq]".to_owned(), "8".to_owned()),
            ("include".to_owned(), "customer,node".to_owned()),
            (
                "fields[active-calls]".to_owned(),
                "duration,customer".to_owned()
            ),
            ("fields[contractors]".to_owned(), "name".to_owned()),
        ]
    );
}
