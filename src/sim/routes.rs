//! The HTTP side: one handler that routes by hand (ids contain `*`, errors must come in yeti's order:
//! routing 404, faults, auth 401, Accept 406, then the endpoint), plus the `/_sim` control endpoint.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use chrono::Utc;
use futures_util::StreamExt;
use serde_json::json;

use crate::api::types::{
    ACTIVE_CALLS, API_PREFIX, ApiErrorObject, CALL_RELATIONSHIPS, ErrorDocument, ErrorSource,
    MEDIA_TYPE, call_relationship_index,
};

use super::faults::{Fault, FaultMode, FaultSpec, RequestKind};
use super::query::{self, Context, ListQuery};
use super::render::{self, ListRender};
use super::schema;
use super::world::Lookup;
use super::{Shared, lock};

/// Lists with more calls than this are streamed chunk by chunk from a blocking thread.
const STREAM_ABOVE: usize = 2_000;
/// Calls per streamed chunk.
const CHUNK_CALLS: usize = 500;
/// Largest request body read (auth, control).
const MAX_BODY: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    Auth,
    CallList,
    CallShow(String),
    CallDelete(String),
    CallRelated(String, usize),
    CallRelationship(String, usize),
    RecordList(usize),
    RecordShow(usize, String),
    RecordRelated(usize, String, String),
    RecordRelationship(usize, String, String),
}

impl Route {
    fn kind(&self) -> RequestKind {
        match self {
            Route::Auth => RequestKind::Auth,
            Route::CallList => RequestKind::List,
            Route::CallShow(_) => RequestKind::Show,
            Route::CallDelete(_) => RequestKind::Delete,
            Route::CallRelated(..) | Route::CallRelationship(..) => RequestKind::Related,
            Route::RecordList(_)
            | Route::RecordShow(..)
            | Route::RecordRelated(..)
            | Route::RecordRelationship(..) => RequestKind::Records,
        }
    }
}

/// Percent-decodes a path segment (`%2A` → `*`); invalid UTF-8 is replaced.
fn decode_segment(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn route(method: &Method, path: &str) -> Option<Route> {
    let rest = path.strip_prefix(API_PREFIX)?.strip_prefix('/')?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let segs: Vec<String> = rest.split('/').map(decode_segment).collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let get = method == Method::GET;
    match segs.as_slice() {
        ["auth"] if method == Method::POST => Some(Route::Auth),
        [ACTIVE_CALLS] if get => Some(Route::CallList),
        [ACTIVE_CALLS, id] if get => Some(Route::CallShow((*id).to_owned())),
        [ACTIVE_CALLS, id] if method == Method::DELETE => Some(Route::CallDelete((*id).to_owned())),
        [ACTIVE_CALLS, id, rel] if get => {
            call_relationship_index(rel).map(|r| Route::CallRelated((*id).to_owned(), r))
        }
        [ACTIVE_CALLS, id, "relationships", rel] if get => {
            call_relationship_index(rel).map(|r| Route::CallRelationship((*id).to_owned(), r))
        }
        [ty] if get => schema::type_index(ty).map(Route::RecordList),
        [ty, id] if get => schema::type_index(ty).map(|t| Route::RecordShow(t, (*id).to_owned())),
        [ty, id, rel] if get => {
            let t = schema::type_index(ty)?;
            schema::TYPES[t].rel_index(rel)?;
            Some(Route::RecordRelated(t, (*id).to_owned(), (*rel).to_owned()))
        }
        [ty, id, "relationships", rel] if get => {
            let t = schema::type_index(ty)?;
            schema::TYPES[t].rel_index(rel)?;
            Some(Route::RecordRelationship(
                t,
                (*id).to_owned(),
                (*rel).to_owned(),
            ))
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------------------
// Responses

fn with_type(
    status: StatusCode,
    content_type: &'static str,
    body: Body,
    len: Option<usize>,
) -> Response {
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Some(len) = len {
        resp.headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    resp
}

fn jsonapi(status: StatusCode, body: Vec<u8>) -> Response {
    let len = body.len();
    with_type(status, MEDIA_TYPE, Body::from(body), Some(len))
}

fn error_doc(status: StatusCode, errors: Vec<ApiErrorObject>) -> Response {
    let body = serde_json::to_vec(&ErrorDocument { errors }).unwrap_or_default();
    jsonapi(status, body)
}

fn error1(title: &str, detail: &str, code: &str, status: StatusCode) -> Response {
    error_doc(
        status,
        vec![ApiErrorObject::new(title, detail, code, status.as_u16())],
    )
}

fn empty(status: StatusCode) -> Response {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = status;
    resp
}

fn not_found_record(id: &str) -> Response {
    error1(
        "Record not found",
        &format!("The record identified by {id} could not be found."),
        "404",
        StatusCode::NOT_FOUND,
    )
}

fn internal_error() -> Response {
    error1(
        "Internal Server Error",
        "Internal Server Error",
        "500",
        StatusCode::INTERNAL_SERVER_ERROR,
    )
}

fn bad_key(id: &str) -> Response {
    error1(
        "Invalid field value",
        &format!("{id} is not a valid value for id."),
        "103",
        StatusCode::BAD_REQUEST,
    )
}

/// Rails' routing error page (no route matches).
fn routing_404() -> Response {
    let body = "<!DOCTYPE html>\n<html><head><title>The page you were looking for doesn't exist (404)</title></head>\
                <body><h1>The page you were looking for doesn't exist.</h1></body></html>\n";
    with_type(
        StatusCode::NOT_FOUND,
        "text/html; charset=utf-8",
        Body::from(body),
        Some(body.len()),
    )
}

fn plain_json(status: StatusCode, v: serde_json::Value) -> Response {
    let body = serde_json::to_vec(&v).unwrap_or_default();
    let len = body.len();
    with_type(
        status,
        "application/json; charset=utf-8",
        Body::from(body),
        Some(len),
    )
}

// ---------------------------------------------------------------------------------------------------------
// The handler

fn base_url(headers: &HeaderMap, shared: &Shared) -> String {
    match headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
        Some(host) if !host.is_empty() => format!("http://{host}"),
        _ => shared.url.clone(),
    }
}

/// The token of a request: `?token=` if present (even empty), else the last whitespace-separated piece of
/// `Authorization`.
fn request_token(headers: &HeaderMap, raw_query: &str) -> Option<String> {
    let from_query = url::form_urlencoded::parse(raw_query.as_bytes())
        .filter(|(k, _)| k == "token")
        .last()
        .map(|(_, v)| v.into_owned());
    from_query.or_else(|| {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|s| s.split_whitespace().last())
            .map(str::to_owned)
    })
}

/// `None` if the Accept header is acceptable, else the value to quote in the 406 body.
fn unacceptable(headers: &HeaderMap) -> Option<String> {
    let values: Vec<String> = headers
        .get_all(header::ACCEPT)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .collect();
    if values.is_empty() {
        return None;
    }
    let accept = values.join(", ");
    if accept == "*/*" || accept == MEDIA_TYPE {
        None
    } else {
        Some(accept)
    }
}

/// Whether the query carries a filter other than `node_id_eq` (for the strict-filters fault).
fn has_value_filter(raw_query: &str) -> bool {
    url::form_urlencoded::parse(raw_query.as_bytes()).any(|(k, _)| {
        k.strip_prefix("filter[")
            .and_then(|r| r.strip_suffix(']'))
            .is_some_and(|name| query::underscore(name) != "node_id_eq")
    })
}

async fn wait_shutdown(shared: &Shared) {
    let mut rx = shared.shutdown.clone();
    // Either the flag flips or the sender is gone: both mean stop.
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Sleeps, unless the simulator stops first.
async fn pause(shared: &Shared, ms: u64) {
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_millis(ms)) => {}
        _ = wait_shutdown(shared) => {}
    }
}

pub(crate) async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let raw_query = parts.uri.query().unwrap_or("").to_owned();
    tracing::debug!(method = %parts.method, %path, "sim request");

    if path == "/_sim" || path.starts_with("/_sim/") {
        return control(&shared, &parts.method, &path, body).await;
    }
    let Some(route) = route(&parts.method, &path) else {
        return routing_404();
    };

    // Faults.
    let kind = route.kind();
    let strict_applies = kind == RequestKind::List && has_value_filter(&raw_query);
    let modes = lock(&shared.faults).take(kind, |m| match m {
        FaultMode::DeleteRejected(_) => kind == RequestKind::Delete,
        FaultMode::StrictFilters => strict_applies,
        _ => true,
    });
    let latency: u64 = modes
        .iter()
        .map(|m| match m {
            FaultMode::Latency(ms) => *ms,
            _ => 0,
        })
        .sum();
    if latency > 0 {
        pause(&shared, latency).await;
    }
    let mut post: Option<FaultMode> = None;
    let mut delete_error: Option<String> = None;
    for m in &modes {
        match m {
            FaultMode::ServerError | FaultMode::StrictFilters => return internal_error(),
            FaultMode::BadGateway => return bad_gateway(),
            FaultMode::Hang => {
                wait_shutdown(&shared).await;
                return empty(StatusCode::SERVICE_UNAVAILABLE);
            }
            FaultMode::Huge(n) => return huge(*n),
            FaultMode::Revoke => {
                lock(&shared.tokens).revoke_all();
            }
            FaultMode::DeleteRejected(msg) => delete_error = Some(msg.clone()),
            FaultMode::Malformed | FaultMode::Truncated | FaultMode::Slow(_) => {
                post = Some(m.clone())
            }
            FaultMode::Latency(_) => {}
        }
    }

    let resp = if route == Route::Auth {
        auth(&shared, body).await
    } else {
        let token = request_token(&parts.headers, &raw_query);
        let now_s = Utc::now().timestamp();
        let authorized = token.is_some_and(|t| lock(&shared.tokens).valid(&t, now_s));
        if !authorized {
            return empty(StatusCode::UNAUTHORIZED);
        }
        if let Some(accept) = unacceptable(&parts.headers) {
            return error1(
                "Not acceptable",
                &format!(
                    "All requests must use the '{MEDIA_TYPE}' Accept without media type parameters. This request specified '{accept}'."
                ),
                "406",
                StatusCode::NOT_ACCEPTABLE,
            );
        }
        let base = base_url(&parts.headers, &shared);
        dispatch(&shared, route, &base, &raw_query, delete_error).await
    };

    match post {
        Some(mode) => apply_post_fault(&shared, mode, resp).await,
        None => resp,
    }
}

fn bad_gateway() -> Response {
    let body = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n\
                <hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
    with_type(
        StatusCode::BAD_GATEWAY,
        "text/html",
        Body::from(body),
        Some(body.len()),
    )
}

/// A valid JSON:API list document padded to at least `n` bytes, streamed.
fn huge(n: u64) -> Response {
    const HEAD: &[u8] = b"{\"data\":[],\"meta\":{\"total-count\":0},\"padding\":\"";
    const PIECE: usize = 64 * 1024;
    let pad = n.saturating_sub((HEAD.len() + 2) as u64);
    let total = HEAD.len() as u64 + pad + 2;
    let stream = futures_util::stream::unfold((0u8, pad), |(state, left)| async move {
        match state {
            0 => Some((
                Ok::<Bytes, std::io::Error>(Bytes::from_static(HEAD)),
                (1, left),
            )),
            1 if left > 0 => {
                let k = left.min(PIECE as u64);
                Some((Ok(Bytes::from(vec![b'x'; k as usize])), (1, left - k)))
            }
            1 => Some((Ok(Bytes::from_static(b"\"}")), (2, 0))),
            _ => None,
        }
    });
    let mut resp = with_type(StatusCode::OK, MEDIA_TYPE, Body::from_stream(stream), None);
    resp.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(total));
    resp
}

async fn apply_post_fault(shared: &Shared, mode: FaultMode, resp: Response) -> Response {
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return internal_error();
    };
    match mode {
        FaultMode::Malformed => {
            let mut b = bytes.to_vec();
            if b.is_empty() {
                b.extend_from_slice(b"{\"data\":[");
            } else {
                b.pop();
                b.extend_from_slice(b",\"");
            }
            let mut resp = Response::from_parts(parts, Body::from(b.clone()));
            resp.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(b.len()));
            resp
        }
        FaultMode::Truncated => {
            let full = bytes.len().max(2);
            let half = bytes.slice(..bytes.len() / 2);
            // Half the body, a pause (so hyper flushes the headers and that half), then an error: hyper
            // closes the connection short of Content-Length.
            let stream = futures_util::stream::once(
                async move { Ok::<Bytes, std::io::Error>(half) },
            )
            .chain(futures_util::stream::once(async {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Err(std::io::Error::other("simulated truncation"))
            }));
            let mut resp = Response::from_parts(parts, Body::from_stream(stream));
            resp.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(full));
            resp
        }
        FaultMode::Slow(ms) => {
            const PIECES: usize = 20;
            let step = ms / PIECES as u64;
            let piece = bytes.len().div_ceil(PIECES).max(1);
            let shutdown = shared.shutdown.clone();
            let stream = futures_util::stream::unfold((bytes, 0usize), move |(bytes, off)| {
                let mut shutdown = shutdown.clone();
                async move {
                    if off >= bytes.len() {
                        return None;
                    }
                    if off > 0 {
                        tokio::select! {
                            _ = tokio::time::sleep(Duration::from_millis(step)) => {}
                            _ = shutdown.wait_for(|s| *s) => {}
                        }
                    }
                    let end = (off + piece).min(bytes.len());
                    Some((
                        Ok::<Bytes, std::io::Error>(bytes.slice(off..end)),
                        (bytes, end),
                    ))
                }
            });
            let mut resp = Response::from_parts(parts, Body::from_stream(stream));
            resp.headers_mut().remove(header::CONTENT_LENGTH);
            resp
        }
        _ => Response::from_parts(parts, Body::from(bytes)),
    }
}

async fn read_body(body: Body) -> Result<Bytes, Response> {
    axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| empty(StatusCode::PAYLOAD_TOO_LARGE))
}

async fn auth(shared: &Shared, body: Body) -> Response {
    let bytes = match read_body(body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    // Rails: an unparsable JSON body is a 400; `params.require(:auth)` raises ParameterMissing for a
    // missing or blank `auth`, which Rails maps to 400. The body of that 400 is UNCONFIRMED (contract
    // §1.1); a JSON:API-style error object is used here.
    let missing = || {
        plain_json(
            StatusCode::BAD_REQUEST,
            json!({"errors":[{"title":"Bad Request","detail":"param is missing or the value is empty: auth","code":"400","status":"400"}]}),
        )
    };
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return missing();
    };
    let auth = match v.get("auth") {
        None | Some(serde_json::Value::Null) => return missing(),
        Some(serde_json::Value::Object(m)) if m.is_empty() => return missing(),
        Some(serde_json::Value::String(s)) if s.is_empty() => return missing(),
        Some(a) => a,
    };
    let user = auth.get("username").and_then(|u| u.as_str());
    let password = auth.get("password").and_then(|p| p.as_str());
    if user == Some(shared.cfg.user.as_str()) && password == Some(shared.cfg.password.as_str()) {
        let jwt = lock(&shared.tokens).issue(Utc::now().timestamp());
        tracing::info!("sim: token issued");
        plain_json(StatusCode::CREATED, json!({ "jwt": jwt }))
    } else {
        tracing::info!("sim: authentication failed");
        plain_json(
            StatusCode::UNAUTHORIZED,
            json!({"errors":[{"title":"Authentication failed","detail":"Incorrect login or password.","code":"401","status":"401"}]}),
        )
    }
}

fn parse_or_400(base: &str, raw_query: &str, ctx: Context) -> Result<ListQuery, Box<Response>> {
    query::parse_query(base, raw_query, ctx)
        .map_err(|errors| Box::new(error_doc(StatusCode::BAD_REQUEST, errors)))
}

/// Looks a call up (after bringing the world up to date) with yeti's error outcomes.
fn find_call(shared: &Shared, id: &str) -> Result<Arc<super::world::Call>, Box<Response>> {
    let mut world = lock(&shared.world);
    world.advance(Utc::now());
    match world.lookup(id) {
        Lookup::Found(c) => Ok(c),
        Lookup::NotFound => Err(Box::new(not_found_record(id))),
        Lookup::NodeMissing => Err(Box::new(internal_error())),
        Lookup::BadKey => Err(Box::new(bad_key(id))),
    }
}

async fn dispatch(
    shared: &Shared,
    route: Route,
    base: &str,
    raw_query: &str,
    delete_error: Option<String>,
) -> Response {
    match route {
        Route::Auth => routing_404(),
        Route::CallList => {
            let q = match parse_or_400(base, raw_query, Context::CallList) {
                Ok(q) => q,
                Err(r) => return *r,
            };
            list(shared, q).await
        }
        Route::CallShow(id) => {
            let q = match parse_or_400(base, raw_query, Context::Show(ACTIVE_CALLS)) {
                Ok(q) => q,
                Err(r) => return *r,
            };
            match find_call(shared, &id) {
                Ok(call) => {
                    let ent = lock(&shared.world).entities().clone();
                    jsonapi(
                        StatusCode::OK,
                        render::render_show(&ent, &call, Utc::now().timestamp_millis(), &q),
                    )
                }
                Err(r) => *r,
            }
        }
        Route::CallDelete(id) => match find_call(shared, &id) {
            Ok(call) => {
                if let Some(msg) = delete_error {
                    let mut e = ApiErrorObject::new(&msg, &msg, "100", 422);
                    e.source = Some(ErrorSource {
                        pointer: Some("/data".into()),
                        parameter: None,
                    });
                    return error_doc(StatusCode::UNPROCESSABLE_ENTITY, vec![e]);
                }
                lock(&shared.world).end_call(call.id());
                tracing::info!(id = call.id(), "sim: call dropped by DELETE");
                empty(StatusCode::NO_CONTENT)
            }
            Err(r) => *r,
        },
        Route::CallRelated(id, rel) => {
            // Served by the target type's controller: its parser runs before the call is loaded.
            let Some(ti) = schema::type_index(CALL_RELATIONSHIPS[rel].1) else {
                return routing_404();
            };
            let q = match parse_or_400(base, raw_query, Context::Show(schema::TYPES[ti].name)) {
                Ok(q) => q,
                Err(r) => return *r,
            };
            match find_call(shared, &id) {
                Ok(call) => {
                    let (_, target_id, _) = render::call_rel_target(&call, rel);
                    let ent = lock(&shared.world).entities().clone();
                    jsonapi(
                        StatusCode::OK,
                        render::render_record_doc(
                            &ent,
                            ti,
                            (target_id != 0).then_some(target_id),
                            &q,
                        ),
                    )
                }
                Err(r) => *r,
            }
        }
        Route::CallRelationship(id, rel) => {
            let q = ListQuery::new(base);
            match find_call(shared, &id) {
                Ok(call) => {
                    let (ty, target_id, _) = render::call_rel_target(&call, rel);
                    let name = CALL_RELATIONSHIPS[rel].0;
                    jsonapi(
                        StatusCode::OK,
                        render::render_relationship_doc(
                            &render::call_self(&q, &call),
                            name,
                            ty,
                            target_id,
                        ),
                    )
                }
                Err(r) => *r,
            }
        }
        Route::RecordList(ti) => {
            let q = match parse_or_400(base, raw_query, Context::RecordList(ti)) {
                Ok(q) => q,
                Err(r) => return *r,
            };
            let ent = lock(&shared.world).entities().clone();
            jsonapi(
                StatusCode::OK,
                render::render_record_list(&ent, ti, &q, raw_query),
            )
        }
        Route::RecordShow(ti, id) => {
            let q = match parse_or_400(base, raw_query, Context::Show(schema::TYPES[ti].name)) {
                Ok(q) => q,
                Err(r) => return *r,
            };
            let Ok(n) = id.parse::<u32>() else {
                return bad_key(&id);
            };
            let ent = lock(&shared.world).entities().clone();
            if ent.table(ti).get(n).is_none() {
                return not_found_record(&id);
            }
            jsonapi(
                StatusCode::OK,
                render::render_record_doc(&ent, ti, Some(n), &q),
            )
        }
        Route::RecordRelated(_, id, _) | Route::RecordRelationship(_, id, _)
            if id.parse::<u32>().is_err() =>
        {
            bad_key(&id)
        }
        Route::RecordRelated(ti, id, rel) => {
            let n = id.parse::<u32>().unwrap_or(0);
            let ent = lock(&shared.world).entities().clone();
            if ent.table(ti).get(n).is_none() {
                return not_found_record(&id);
            }
            let Some((target_type, target, to_one)) = render::record_rel_target(&ent, ti, n, &rel)
            else {
                return routing_404();
            };
            if !to_one {
                return jsonapi(StatusCode::OK, b"{\"data\":[]}".to_vec());
            }
            match schema::type_index(target_type) {
                Some(tti) => {
                    let q = match parse_or_400(base, raw_query, Context::Show(target_type)) {
                        Ok(q) => q,
                        Err(r) => return *r,
                    };
                    jsonapi(
                        StatusCode::OK,
                        render::render_record_doc(&ent, tti, target, &q),
                    )
                }
                None => jsonapi(StatusCode::OK, b"{\"data\":null}".to_vec()),
            }
        }
        Route::RecordRelationship(ti, id, rel) => {
            let n = id.parse::<u32>().unwrap_or(0);
            let ent = lock(&shared.world).entities().clone();
            if ent.table(ti).get(n).is_none() {
                return not_found_record(&id);
            }
            let Some((target_type, target, _)) = render::record_rel_target(&ent, ti, n, &rel)
            else {
                return routing_404();
            };
            let q = ListQuery::new(base);
            jsonapi(
                StatusCode::OK,
                render::render_relationship_doc(
                    &render::record_self(&q, ti, n),
                    &rel,
                    target_type,
                    target.unwrap_or(0),
                ),
            )
        }
    }
}

async fn list(shared: &Shared, q: ListQuery) -> Response {
    let now = Utc::now();
    let snap = {
        let mut world = lock(&shared.world);
        world.advance(now);
        world.snapshot()
    };
    let now_ms = now.timestamp_millis();
    if snap.calls.len() <= STREAM_ABOVE {
        let calls = render::filter_calls(&snap.calls, &q.filters, now_ms);
        return jsonapi(
            StatusCode::OK,
            render::render_list_all(&snap.entities, &calls, now_ms, &q),
        );
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let producer = tokio::task::spawn_blocking(move || {
        let calls = if q.filters.is_empty() {
            snap.calls
        } else {
            render::filter_calls(&snap.calls, &q.filters, now_ms)
        };
        let lr = ListRender::new(&snap.entities, &calls, &q);
        let mut buf = Vec::with_capacity(CHUNK_CALLS * 6 * 1024);
        buf.extend_from_slice(ListRender::HEAD);
        let mut first = true;
        for chunk in calls.chunks(CHUNK_CALLS) {
            lr.chunk(&mut buf, chunk, first, now_ms);
            first = false;
            let cap = buf.capacity();
            let out = std::mem::replace(&mut buf, Vec::with_capacity(cap));
            if tx.blocking_send(Ok(Bytes::from(out))).is_err() {
                return; // client went away
            }
        }
        buf.extend_from_slice(lr.tail());
        let _ = tx.blocking_send(Ok(Bytes::from(buf)));
    });
    drop(producer);
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    with_type(StatusCode::OK, MEDIA_TYPE, Body::from_stream(stream), None)
}

// ---------------------------------------------------------------------------------------------------------
// Control endpoint

fn faults_json(shared: &Shared) -> serde_json::Value {
    let faults: Vec<FaultSpec> = lock(&shared.faults)
        .list()
        .iter()
        .map(FaultSpec::from)
        .collect();
    json!(faults)
}

async fn control(shared: &Shared, method: &Method, path: &str, body: Body) -> Response {
    let segs: Vec<String> = path
        .trim_start_matches("/_sim")
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(decode_segment)
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let now = Utc::now();
    let bytes = match read_body(body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let body_json: serde_json::Value = if bytes.is_empty() {
        serde_json::Value::Null
    } else {
        match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(e) => {
                return plain_json(
                    StatusCode::BAD_REQUEST,
                    json!({"error": format!("bad JSON body: {e}")}),
                );
            }
        }
    };
    match (method.clone(), segs.as_slice()) {
        (Method::GET, ["state"]) => {
            let (calls, ringing, churn, nodes) = {
                let mut w = lock(&shared.world);
                w.advance(now);
                (w.call_count(), w.ringing_count(), w.churn(), w.node_ids())
            };
            let tokens = lock(&shared.tokens).len();
            plain_json(
                StatusCode::OK,
                json!({"calls": calls, "ringing": ringing, "churn": churn, "nodes": nodes, "tokens": tokens, "faults": faults_json(shared)}),
            )
        }
        (Method::GET, ["calls"]) => {
            let ids = {
                let mut w = lock(&shared.world);
                w.advance(now);
                w.call_ids()
            };
            plain_json(StatusCode::OK, json!({ "ids": ids }))
        }
        (Method::POST, ["calls"]) => {
            let answered = body_json
                .get("answered")
                .and_then(|a| a.as_bool())
                .unwrap_or(true);
            let id = {
                let mut w = lock(&shared.world);
                w.advance(now);
                w.add_call(now, answered)
            };
            plain_json(StatusCode::CREATED, json!({ "id": id }))
        }
        (Method::POST, ["calls", id, "end"]) | (Method::DELETE, ["calls", id]) => {
            if lock(&shared.world).end_call(id) {
                empty(StatusCode::NO_CONTENT)
            } else {
                plain_json(StatusCode::NOT_FOUND, json!({"error": "no such call"}))
            }
        }
        (Method::GET, ["fault" | "faults"]) => {
            plain_json(StatusCode::OK, json!({"faults": faults_json(shared)}))
        }
        (Method::POST, ["fault" | "faults"]) => {
            let spec: FaultSpec = match serde_json::from_value(body_json) {
                Ok(s) => s,
                Err(e) => {
                    return plain_json(
                        StatusCode::BAD_REQUEST,
                        json!({"error": format!("expected {{\"mode\": ..., \"scope\": ..., \"times\": ...}}: {e}")}),
                    );
                }
            };
            match Fault::try_from(spec) {
                Ok(f) => {
                    tracing::info!(fault = %f, "sim: fault armed");
                    lock(&shared.faults).add(f);
                    plain_json(StatusCode::CREATED, json!({"faults": faults_json(shared)}))
                }
                Err(e) => plain_json(StatusCode::BAD_REQUEST, json!({"error": e.to_string()})),
            }
        }
        (Method::DELETE, ["fault" | "faults"]) => {
            lock(&shared.faults).clear();
            empty(StatusCode::NO_CONTENT)
        }
        (Method::POST, ["revoke-tokens"]) => {
            let n = lock(&shared.tokens).revoke_all();
            plain_json(StatusCode::OK, json!({ "revoked": n }))
        }
        (Method::POST, ["token"]) => {
            let jwt = lock(&shared.tokens).issue(now.timestamp());
            plain_json(StatusCode::CREATED, json!({ "jwt": jwt }))
        }
        (Method::POST, ["churn"]) => {
            let Some(on) = body_json.get("enabled").and_then(|e| e.as_bool()) else {
                return plain_json(
                    StatusCode::BAD_REQUEST,
                    json!({"error": "expected {\"enabled\": true|false}"}),
                );
            };
            lock(&shared.world).set_churn(on, now);
            plain_json(StatusCode::OK, json!({ "churn": on }))
        }
        _ => plain_json(
            StatusCode::NOT_FOUND,
            json!({"error": "unknown control endpoint"}),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_decode_ids_and_reject_unknown_paths() {
        let p = |m: Method, s: &str| route(&m, s);
        assert_eq!(
            p(Method::GET, "/api/rest/admin/active-calls/8%2A8-AB"),
            Some(Route::CallShow("8*8-AB".into()))
        );
        assert_eq!(
            p(
                Method::GET,
                "/api/rest/admin/active-calls/8*8-AB/relationships/node"
            ),
            Some(Route::CallRelationship("8*8-AB".into(), 17))
        );
        assert_eq!(p(Method::GET, "/api/rest/admin/active-calls/x/foo"), None);
        assert_eq!(p(Method::PATCH, "/api/rest/admin/active-calls/x"), None);
        assert_eq!(p(Method::GET, "/api/rest/admin/nonsense"), None);
        assert_eq!(
            p(Method::GET, "/api/rest/admin/contractors"),
            Some(Route::RecordList(0))
        );
        assert_eq!(p(Method::POST, "/api/rest/admin/auth"), Some(Route::Auth));
        assert_eq!(decode_segment("%zz%2a%"), "%zz*%");
    }

    #[test]
    fn token_sources() {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(request_token(&h, ""), Some("abc".into()));
        assert_eq!(request_token(&h, "token=q"), Some("q".into()));
        assert_eq!(
            request_token(&HeaderMap::new(), "token="),
            Some(String::new())
        );
        assert_eq!(request_token(&HeaderMap::new(), ""), None);
    }
}
