//! `yetitop calls list|show|terminate`: the headless twins of the monitor, for scripts.
//!
//! Output is built from the sanitized model, so no output mode ever writes a control character (or a bidi
//! override) that came from the API.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};

use rust_decimal::Decimal;
use serde_json::Value;

use crate::api::types::CALL_RELATIONSHIPS;
use crate::api::{ApiError, ListQuery};
use crate::cli::{CallsCmd, ListArgs, Output, ShowArgs, ShowOutput, TerminateArgs, exit};
use crate::model::call::format_hms;
use crate::model::{Call, Record, RecordKey, build_call, build_calls};
use crate::start::{Connection, Failure};

/// Relationships included by `calls list`: the monitor's list columns plus the destination country.
fn list_include() -> Vec<String> {
    crate::app::poll::LIST_INCLUDES
        .iter()
        .chain(&["dst-country"])
        .map(|s| (*s).to_owned())
        .collect()
}

/// Columns of `-o table` and `-o csv`, by `--columns` name.
pub const COLUMNS: [(&str, &str); 15] = [
    ("id", "Id"),
    ("node", "Node"),
    ("duration", "Duration"),
    ("customer", "Customer"),
    ("vendor", "Vendor"),
    ("from", "From"),
    ("to", "To"),
    ("dst-network", "Dst network"),
    ("cust-rate", "Cust rate"),
    ("vend-rate", "Vend rate"),
    ("margin", "Margin/min"),
    ("left", "Left"),
    ("orig-gw", "Orig GW"),
    ("term-gw", "Term GW"),
    ("local-tag", "Local tag"),
];

/// Default table columns: the monitor's list.
const TABLE_DEFAULT: [&str; 13] = [
    "node",
    "duration",
    "customer",
    "vendor",
    "from",
    "to",
    "dst-network",
    "cust-rate",
    "vend-rate",
    "margin",
    "left",
    "orig-gw",
    "term-gw",
];

pub async fn run(conn: &Connection, cmd: CallsCmd) -> Result<(), Failure> {
    match cmd {
        CallsCmd::List(a) => list(conn, a).await,
        CallsCmd::Show(a) => show(conn, a).await,
        CallsCmd::Terminate(a) => terminate(conn, a).await,
    }
}

/// Names of included records.
pub struct Names(HashMap<RecordKey, Record>);

impl Names {
    pub fn new(records: Vec<Record>) -> Names {
        Names(records.into_iter().map(|r| (r.key.clone(), r)).collect())
    }

    fn record(&self, call: &Call, rel: usize) -> Option<&Record> {
        self.0.get(&call.link_key(rel)?)
    }

    fn name(&self, call: &Call, rel: &str) -> String {
        crate::api::types::call_relationship_index(rel)
            .and_then(|i| self.record(call, i))
            .map(|r| r.name.to_string())
            .unwrap_or_else(|| match call.link(rel).id() {
                Some(id) => format!("#{id}"),
                None => String::new(),
            })
    }

    fn currency(&self, call: &Call, rel: &str) -> Option<String> {
        let i = crate::api::types::call_relationship_index(rel)?;
        self.record(call, i)?.attr("currency").map(str::to_owned)
    }
}

/// The same per-minute format as the monitor's columns.
fn money(d: Decimal) -> String {
    crate::app::rows::per_minute(d)
}

/// One cell of the table / csv.
fn cell(call: &Call, names: &Names, column: &str) -> String {
    let duration = call.duration;
    match column {
        "id" => call.id.to_string(),
        "node" => {
            let n = names.name(call, "node");
            if n.is_empty() {
                call.node_id().map(|n| n.to_string()).unwrap_or_default()
            } else {
                n
            }
        }
        "duration" => match duration {
            Some(d) if call.is_answered() => format_hms(d),
            _ => "ringing".into(),
        },
        "customer" | "vendor" | "dst-network" | "orig-gw" | "term-gw" => names.name(call, column),
        "from" => call.src_prefix_routing.as_deref().unwrap_or("").to_owned(),
        "to" => call.dst_prefix_routing.as_deref().unwrap_or("").to_owned(),
        "cust-rate" => money(call.customer.rate_at(duration)),
        "vend-rate" => money(call.vendor.rate_at(duration)),
        "margin" => match (
            names.currency(call, "customer-acc"),
            names.currency(call, "vendor-acc"),
        ) {
            (Some(a), Some(b)) if a != b => format!("n/a ({a} vs {b})"),
            _ => money(call.customer.rate_at(duration) - call.vendor.rate_at(duration)),
        },
        "left" => call
            .time_left(duration)
            .map(|l| {
                if l < 0 {
                    format!("-{}", format_hms(-l))
                } else {
                    format_hms(l)
                }
            })
            .unwrap_or_default(),
        "local-tag" => call.local_tag.as_deref().unwrap_or("").to_owned(),
        _ => String::new(),
    }
}

/// The JSON object of a call (see [`crate::model::json::call_json`]) at its reported duration, with the
/// names of the included records.
pub fn call_json(call: &Call, names: &Names) -> Value {
    crate::model::json::call_json(call, &call.links, call.duration, |i| {
        names.record(call, i).map(|r| r.name.to_string())
    })
}

fn write_out(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`| head`) is not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure {
            code: exit::NETWORK,
            message: format!("stdout: {e}"),
        }),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn pick_columns(
    asked: &[String],
    default: &[&str],
) -> Result<Vec<(&'static str, &'static str)>, Failure> {
    let names: Vec<&str> = if asked.is_empty() {
        default.to_vec()
    } else {
        asked.iter().map(|s| s.trim()).collect()
    };
    names
        .iter()
        .map(|n| {
            COLUMNS
                .iter()
                .find(|(k, _)| k == n)
                .copied()
                .ok_or_else(|| {
                    let known: Vec<&str> = COLUMNS.iter().map(|(k, _)| *k).collect();
                    Failure::usage(format!(
                        "unknown column {n:?}; columns: {}",
                        known.join(",")
                    ))
                })
        })
        .collect()
}

/// Renders a plain text table; cells wider than `cap` characters are cut with `…` (only on a terminal).
fn table(headers: &[&str], rows: &[Vec<String>], cap: Option<usize>) -> String {
    let cut = |s: &str| -> String {
        match cap {
            Some(c) if s.chars().count() > c => {
                let mut t: String = s.chars().take(c.saturating_sub(1)).collect();
                t.push('…');
                t
            }
            _ => s.to_owned(),
        }
    };
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| cut(c)).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<&str>, out: &mut String| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths[i]))
            .collect();
        out.push_str(parts.join("  ").trim_end());
        out.push('\n');
    };
    line(headers.to_vec(), &mut out);
    for r in &rows {
        line(r.iter().map(String::as_str).collect(), &mut out);
    }
    out
}

async fn list(conn: &Connection, a: ListArgs) -> Result<(), Failure> {
    let default_cols: Vec<&str> = match conn.settings.as_ref().and_then(|s| s.columns.as_ref()) {
        Some(c) => c
            .iter()
            .map(|s| match s.as_str() {
                // The config names a few columns by their short form.
                "margin/min" => "margin",
                other => other,
            })
            .collect(),
        None => TABLE_DEFAULT.to_vec(),
    };
    let columns = pick_columns(&a.columns, &default_cols)?;
    let q = ListQuery {
        filters: a.filters.clone(),
        include: list_include(),
        ..ListQuery::default()
    };
    let fetched = conn.client.list_calls(&q).await?;
    let batch = tokio::task::spawn_blocking(move || build_calls(fetched.doc))
        .await
        .map_err(|e| Failure::from(ApiError::Decode(e.to_string())))?;
    let names = Names::new(batch.records);
    let calls = batch.calls;
    let text = match a.output {
        Output::Json => {
            let arr: Vec<Value> = calls.iter().map(|c| call_json(c, &names)).collect();
            let mut s = serde_json::to_string_pretty(&arr).unwrap_or_else(|_| "[]".into());
            s.push('\n');
            s
        }
        Output::Ndjson => {
            let mut s = String::new();
            for c in &calls {
                s.push_str(&call_json(c, &names).to_string());
                s.push('\n');
            }
            s
        }
        Output::Csv => {
            let mut cols = columns.clone();
            if a.columns.is_empty() && !cols.iter().any(|(k, _)| *k == "id") {
                cols.insert(0, ("id", "Id"));
            }
            let mut s = cols.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(",");
            s.push('\n');
            for c in &calls {
                let row: Vec<String> = cols
                    .iter()
                    .map(|(k, _)| csv_field(&cell(c, &names, k)))
                    .collect();
                s.push_str(&row.join(","));
                s.push('\n');
            }
            s
        }
        Output::Table => {
            let headers: Vec<&str> = columns.iter().map(|(_, h)| *h).collect();
            let rows: Vec<Vec<String>> = calls
                .iter()
                .map(|c| columns.iter().map(|(k, _)| cell(c, &names, k)).collect())
                .collect();
            let cap = std::io::stdout().is_terminal().then_some(24);
            table(&headers, &rows, cap)
        }
    };
    write_out(&text)
}

async fn show(conn: &Connection, a: ShowArgs) -> Result<(), Failure> {
    let include: Vec<&str> = CALL_RELATIONSHIPS.iter().map(|(n, _)| *n).collect();
    let fetched = conn.client.show_call(&a.id, &include).await?;
    let (call, records) = build_call(fetched.doc);
    let names = Names::new(records);
    let obj = call_json(&call, &names);
    let text = match a.output {
        ShowOutput::Json => {
            let mut s = serde_json::to_string_pretty(&obj).unwrap_or_default();
            s.push('\n');
            s
        }
        ShowOutput::Table => {
            let mut rows = Vec::new();
            if let Value::Object(m) = &obj {
                for (k, v) in m {
                    let shown = match v {
                        Value::Null => "-".to_owned(),
                        Value::String(s) => s.clone(),
                        Value::Object(o) => {
                            let id = o.get("id").and_then(Value::as_str).unwrap_or("");
                            match o.get("name").and_then(Value::as_str) {
                                Some(n) => format!("{n} (#{id})"),
                                None => format!("#{id}"),
                            }
                        }
                        other => other.to_string(),
                    };
                    rows.push(vec![k.clone(), shown]);
                }
            }
            table(&["Field", "Value"], &rows, None)
        }
    };
    write_out(&text)
}

async fn terminate(conn: &Connection, a: TerminateArgs) -> Result<(), Failure> {
    if conn.readonly {
        return Err(Failure::usage(format!(
            "read-only mode: refusing to terminate {}",
            crate::sanitize::sanitize(&a.id)
        )));
    }
    if !a.yes {
        if !std::io::stdin().is_terminal() {
            return Err(Failure::usage(
                "refusing to terminate without --yes: no terminal to ask on",
            ));
        }
        eprint!(
            "Terminate call {}? [y/N] ",
            crate::sanitize::sanitize(&a.id)
        );
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .map_err(|e| Failure::usage(format!("cannot read the answer: {e}")))?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            return Err(Failure::usage("not terminated"));
        }
    }
    let result = conn.client.delete_call(&a.id).await;
    let outcome = match &result {
        Ok(()) => "terminated".to_owned(),
        Err(ApiError::NotFound(_)) => "already ended".to_owned(),
        Err(e) => format!("error: {e}"),
    };
    let audit = crate::config::audit_log_path();
    if let Err(e) = crate::runtime::append_audit(&audit, conn.client.base_url(), &a.id, &outcome) {
        tracing::warn!("audit log {}: {e}", audit.display());
    }
    result?;
    write_out(&format!(
        "terminated {}\n",
        crate::sanitize::sanitize(&a.id)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }

    #[test]
    fn table_cuts_only_when_asked() {
        let rows = vec![vec!["x".repeat(30)]];
        assert!(table(&["H"], &rows, Some(10)).contains('…'));
        assert!(!table(&["H"], &rows, None).contains('…'));
    }

    #[test]
    fn unknown_columns_are_usage_errors() {
        let e = pick_columns(&["nope".into()], &TABLE_DEFAULT).unwrap_err();
        assert_eq!(e.code, 2);
        assert!(e.message.contains("nope"));
    }
}
