//! Unit tests of `sim/query.rs`.

use super::*;

fn codes(r: Result<ListQuery, Vec<ApiErrorObject>>) -> Vec<String> {
    r.err()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|e| e.code)
        .collect()
}

#[test]
fn ruby_to_i_semantics() {
    assert_eq!(ruby_to_i("42"), 42);
    assert_eq!(ruby_to_i(" -7x"), -7);
    assert_eq!(ruby_to_i("abc"), 0);
    assert_eq!(ruby_to_i(""), 0);
    assert_eq!(ruby_to_i("99999999999999999999999"), i64::MAX);
}

#[test]
fn filters_accept_both_spellings_and_reject_unknown() {
    let q = ListQuery::parse(
        "http://h",
        "filter[customer-id-eq]=5&filter[node_id_eq]=1,8",
    )
    .unwrap();
    assert_eq!(q.filters.len(), 2);
    assert_eq!(q.filters[0].op, FilterOp::RelEq(0, vec![5]));
    assert_eq!(q.filters[1].op, FilterOp::RelEq(17, vec![1, 8]));
    let e = ListQuery::parse("http://h", "filter[foo-bar]=1").unwrap_err();
    assert_eq!(e[0].detail.as_deref(), Some("foo_bar is not allowed."));
}

#[test]
fn include_fields_sort_errors_accumulate() {
    assert_eq!(
        codes(ListQuery::parse("http://h", "include=customer_acc")),
        ["112"]
    );
    assert_eq!(
        codes(ListQuery::parse("http://h", "sort=-duration&include=foo")),
        ["112", "114"]
    );
    assert_eq!(
        codes(ListQuery::parse("http://h", "fields[active-calls]=nope")),
        ["104"]
    );
    assert_eq!(
        codes(ListQuery::parse(
            "http://h",
            "fields[active_calls]=duration"
        )),
        ["101"]
    );
    assert_eq!(
        codes(ListQuery::parse("http://h", "fields=duration")),
        ["119"]
    );
    let e = ListQuery::parse("http://h", "include=vendor-acc.foo").unwrap_err();
    assert_eq!(
        e[0].detail.as_deref(),
        Some("foo is not a valid relationship of accounts")
    );
    let q = ListQuery::parse(
        "http://h",
        "include=vendor-acc.contractor,vendor-acc&page[size]=3",
    )
    .unwrap();
    assert_eq!(q.include.len(), 1);
    assert_eq!(q.include[0].children[0].name, "contractor");
}

#[test]
fn record_pages_are_validated() {
    let ctx = Context::RecordList(schema::T_CONTRACTORS);
    assert_eq!(
        codes(parse_query("http://h", "page[size]=1001", ctx)),
        ["118"]
    );
    assert_eq!(
        codes(parse_query("http://h", "page[number]=0", ctx)),
        ["118"]
    );
    assert_eq!(
        codes(parse_query("http://h", "page[offset]=0", ctx)),
        ["105"]
    );
    let q = parse_query(
        "http://h",
        "page[number]=2&page[size]=10&filter[name]=x",
        ctx,
    )
    .unwrap();
    assert_eq!((q.page_number, q.page_size), (2, 10));
}
