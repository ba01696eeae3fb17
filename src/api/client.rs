//! The HTTP client of the yeti-web admin API.
//!
//! Every request sends `Accept: application/vnd.api+json` (yeti answers 406 to `application/json`),
//! `Accept-Encoding: gzip` and `User-Agent: yetitop/<version>`, and `Authorization: <jwt>` (bare, as
//! yeti-web's own specs and clients do). Bodies are read chunk by chunk up to a size limit, then decoded with
//! serde off the async workers (`spawn_blocking`): a 10,000-call list is about 66 MB.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode, header};
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;
use url::Url;

use crate::api::auth::{Credentials, Secret, Token};
use crate::api::error::{ApiError, one_line};
use crate::api::query::ListQuery;
use crate::api::types::{
    API_PREFIX, AuthCredentials, AuthRequest, AuthResponse, CallDocument, CallListDocument,
    MEDIA_TYPE, RecordDocument, RecordListDocument, RelationshipDocument,
};

/// Default limit of a response body: 512 MB.
pub const DEFAULT_MAX_BODY: u64 = 512 * 1024 * 1024;
/// Log in again this many seconds before the token expires.
const RELOGIN_MARGIN_SECS: i64 = 30;

/// Settings of a [`Client`].
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Base URL of yeti-web, e.g. `https://yeti.example.net` (the API prefix is added).
    pub url: String,
    pub credentials: Credentials,
    /// Deadline of a whole request, body included.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Longest wait for the next bytes of a response.
    pub read_timeout: Duration,
    pub max_body: u64,
    /// Accept invalid TLS certificates.
    pub insecure: bool,
    /// Extra CA certificate(s), PEM.
    pub ca_cert_pem: Option<Vec<u8>>,
}

impl ClientConfig {
    pub fn new(url: impl Into<String>, credentials: Credentials) -> ClientConfig {
        ClientConfig {
            url: url.into(),
            credentials,
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(15),
            max_body: DEFAULT_MAX_BODY,
            insecure: false,
            ca_cert_pem: None,
        }
    }
}

/// A decoded response with what it cost.
#[derive(Debug, Clone)]
pub struct Fetched<T> {
    pub doc: T,
    /// Body size after decompression.
    pub bytes: usize,
    /// From sending the request to the last byte of the body.
    pub latency: Duration,
    /// The server's `Date` header: used to correct for the clock offset.
    pub server_date: Option<DateTime<Utc>>,
    /// This machine's time when the response arrived.
    pub received_at: DateTime<Utc>,
}

struct RawResponse {
    body: Vec<u8>,
    latency: Duration,
    server_date: Option<DateTime<Utc>>,
    received_at: DateTime<Utc>,
}

/// The yeti-web admin API client. Cheap to clone; clones share the token.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    credentials: Arc<Credentials>,
    token: Arc<Mutex<Option<Token>>>,
    max_body: u64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .finish()
    }
}

impl Client {
    pub fn new(cfg: ClientConfig) -> Result<Client, ApiError> {
        let mut base = Url::parse(cfg.url.trim())
            .map_err(|e| ApiError::Config(format!("invalid URL {:?}: {e}", one_line(&cfg.url))))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(ApiError::Config(format!(
                "invalid URL {:?}: only http and https are supported",
                one_line(&cfg.url)
            )));
        }
        // Credentials never travel in the URL (they would show in errors and logs).
        let _ = base.set_username("");
        let _ = base.set_password(None);
        base.set_query(None);
        base.set_fragment(None);
        let path = base.path().trim_end_matches('/').to_owned();
        base.set_path(&path);

        let mut headers = header::HeaderMap::new();
        headers.insert(header::ACCEPT, header::HeaderValue::from_static(MEDIA_TYPE));
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("yetitop/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers)
            .connect_timeout(cfg.connect_timeout)
            .read_timeout(cfg.read_timeout)
            .timeout(cfg.timeout)
            .gzip(true);
        if cfg.insecure {
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        if let Some(pem) = &cfg.ca_cert_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                ApiError::Config(format!(
                    "invalid CA certificate: {}",
                    one_line(&e.to_string())
                ))
            })?;
            if certs.is_empty() {
                return Err(ApiError::Config(
                    "invalid CA certificate: no certificate in the file".into(),
                ));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder.build().map_err(|e| {
            ApiError::Config(format!("cannot set up HTTP: {}", one_line(&e.to_string())))
        })?;
        let token = match &cfg.credentials {
            Credentials::Token(t) => Some(Token::new(t.clone())),
            Credentials::Password { .. } => None,
        };
        Ok(Client {
            http,
            base,
            credentials: Arc::new(cfg.credentials),
            token: Arc::new(Mutex::new(token)),
            max_body: cfg.max_body,
        })
    }

    /// The base URL, without credentials.
    pub fn base_url(&self) -> &str {
        self.base.as_str()
    }

    fn url(&self, segments: &[&str], query: &[(String, String)]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            for part in API_PREFIX.trim_start_matches('/').split('/') {
                path.push(part);
            }
            // `push` percent-encodes `/`, `?`, `#`, `%` but keeps `*` literal, as yeti's ids need.
            for s in segments {
                path.push(s);
            }
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query.iter());
        }
        url
    }

    /// Logs in with user + password and keeps the token. With a ready token this is a no-op.
    pub async fn login(&self) -> Result<(), ApiError> {
        let mut guard = self.token.lock().await;
        self.login_locked(&mut guard).await
    }

    async fn login_locked(&self, slot: &mut Option<Token>) -> Result<(), ApiError> {
        let (user, password) = match &*self.credentials {
            Credentials::Token(_) => return Ok(()),
            Credentials::Password { user, password } => (user, password),
        };
        let body = AuthRequest {
            auth: AuthCredentials {
                username: user.clone(),
                password: password.expose().to_owned(),
            },
        };
        let url = self.url(&["auth"], &[]);
        let resp = self
            .http
            .post(url)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json")
            .json(&body)
            .send()
            .await
            .map_err(transport_error)?;
        let status = resp.status();
        let reason = status.canonical_reason().unwrap_or("");
        let raw = self.read_body(resp, Instant::now()).await?;
        if status == StatusCode::UNAUTHORIZED {
            // yeti: "Incorrect login or password." or "Your IP address is not allowed."
            return Err(ApiError::from_status(401, reason, &raw.body));
        }
        if !status.is_success() {
            return Err(ApiError::from_status(status.as_u16(), reason, &raw.body));
        }
        let auth: AuthResponse = serde_json::from_slice(&raw.body).map_err(|e| {
            ApiError::Decode(format!("auth response: {}", one_line(&e.to_string())))
        })?;
        if auth.jwt.is_empty() {
            return Err(ApiError::Decode("auth response: empty jwt".into()));
        }
        *slot = Some(Token::new(Secret::new(auth.jwt)));
        tracing::info!("logged in");
        Ok(())
    }

    /// The token to send, logging in first when there is none or it is about to expire.
    async fn current_token(&self) -> Result<Secret, ApiError> {
        let mut guard = self.token.lock().await;
        let stale = match &*guard {
            None => true,
            Some(t) => {
                matches!(&*self.credentials, Credentials::Password { .. })
                    && t.expires_within(Utc::now(), RELOGIN_MARGIN_SECS)
            }
        };
        if stale {
            self.login_locked(&mut guard).await?;
        }
        guard
            .as_ref()
            .map(|t| t.jwt.clone())
            .ok_or_else(|| ApiError::Unauthorized("no token".into()))
    }

    /// Sends one request with the token; on a 401 logs in once more and retries once.
    async fn send(&self, method: Method, url: Url) -> Result<RawResponse, ApiError> {
        let mut retried = false;
        loop {
            let token = self.current_token().await?;
            let started = Instant::now();
            let resp = self
                .http
                .request(method.clone(), url.clone())
                .header(header::AUTHORIZATION, token.expose())
                .send()
                .await
                .map_err(transport_error)?;
            let status = resp.status();
            if status == StatusCode::UNAUTHORIZED {
                match &*self.credentials {
                    Credentials::Token(_) => {
                        return Err(ApiError::Unauthorized(
                            "the server refused the token".into(),
                        ));
                    }
                    Credentials::Password { .. } if !retried => {
                        retried = true;
                        tracing::info!("401: logging in again");
                        let mut guard = self.token.lock().await;
                        // Another request may have logged in meanwhile; only drop the token we sent.
                        if guard.as_ref().map(|t| t.jwt == token).unwrap_or(true) {
                            *guard = None;
                            self.login_locked(&mut guard).await?;
                        }
                        continue;
                    }
                    Credentials::Password { .. } => {
                        return Err(ApiError::Unauthorized(
                            "the server refused a fresh token (401)".into(),
                        ));
                    }
                }
            }
            let server_date = resp
                .headers()
                .get(header::DATE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
                .map(|d| d.with_timezone(&Utc));
            let reason = status.canonical_reason().unwrap_or("");
            let mut raw = self.read_body(resp, started).await?;
            raw.server_date = server_date;
            if !status.is_success() {
                return Err(ApiError::from_status(status.as_u16(), reason, &raw.body));
            }
            return Ok(raw);
        }
    }

    async fn read_body(
        &self,
        mut resp: reqwest::Response,
        started: Instant,
    ) -> Result<RawResponse, ApiError> {
        if let Some(len) = resp.content_length()
            && len > self.max_body
        {
            return Err(ApiError::TooLarge {
                limit: self.max_body,
            });
        }
        let mut body =
            Vec::with_capacity(resp.content_length().unwrap_or(0).min(64 << 20) as usize);
        while let Some(chunk) = resp.chunk().await.map_err(transport_error)? {
            if (body.len() + chunk.len()) as u64 > self.max_body {
                return Err(ApiError::TooLarge {
                    limit: self.max_body,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(RawResponse {
            body,
            latency: started.elapsed(),
            server_date: None,
            received_at: Utc::now(),
        })
    }

    async fn get_json<T: DeserializeOwned + Send + 'static>(
        &self,
        url: Url,
        what: &'static str,
    ) -> Result<Fetched<T>, ApiError> {
        self.get_decoded(url, what, decode::<T>).await
    }

    async fn get_decoded<T: Send + 'static>(
        &self,
        url: Url,
        what: &'static str,
        decoder: fn(&[u8], &str) -> Result<T, ApiError>,
    ) -> Result<Fetched<T>, ApiError> {
        let raw = self.send(Method::GET, url).await?;
        let bytes = raw.body.len();
        let body = raw.body;
        // Big lists take tens of milliseconds to decode: keep that off the async workers.
        let doc = tokio::task::spawn_blocking(move || decoder(&body, what))
            .await
            .map_err(|e| ApiError::Decode(format!("decoder stopped: {e}")))??;
        Ok(Fetched {
            doc,
            bytes,
            latency: raw.latency,
            server_date: raw.server_date,
            received_at: raw.received_at,
        })
    }

    /// `GET /active-calls` with filters, `include=` and sparse fieldsets. Not paginated: every call at once.
    pub async fn list_calls(&self, q: &ListQuery) -> Result<Fetched<CallListDocument>, ApiError> {
        let url = self.url(&["active-calls"], &q.to_pairs());
        self.get_decoded(url, "active-calls list", decode_call_list)
            .await
    }

    /// `GET /active-calls/{id}` with `include=`. A 404 means the call has ended.
    pub async fn show_call(
        &self,
        id: &str,
        include: &[&str],
    ) -> Result<Fetched<CallDocument>, ApiError> {
        let query = include_pair(include);
        let url = self.url(&["active-calls", id], &query);
        self.get_json(url, "active call").await
    }

    /// `DELETE /active-calls/{id}`: terminates the call (204).
    pub async fn delete_call(&self, id: &str) -> Result<(), ApiError> {
        let url = self.url(&["active-calls", id], &[]);
        self.send(Method::DELETE, url).await.map(|_| ())
    }

    /// `GET /active-calls/{id}/<relationship>`: the related record, `None` when the relationship is empty.
    pub async fn related(
        &self,
        call_id: &str,
        relationship: &str,
    ) -> Result<Fetched<RecordDocument>, ApiError> {
        let url = self.url(&["active-calls", call_id, relationship], &[]);
        self.get_json(url, "related record").await
    }

    /// `GET /active-calls/{id}/relationships/<relationship>`: the linkage only.
    pub async fn relationship(
        &self,
        call_id: &str,
        relationship: &str,
    ) -> Result<Fetched<RelationshipDocument>, ApiError> {
        let url = self.url(
            &["active-calls", call_id, "relationships", relationship],
            &[],
        );
        self.get_json(url, "relationship").await
    }

    /// `GET /<type>/{id}`: any record by type and id.
    pub async fn record(
        &self,
        kind: &str,
        id: &str,
        include: &[&str],
    ) -> Result<Fetched<RecordDocument>, ApiError> {
        let url = self.url(&[kind, id], &include_pair(include));
        self.get_json(url, "record").await
    }

    /// `GET /<type>?page[number]=N&page[size]=S`: one page of records of a type.
    pub async fn records(
        &self,
        kind: &str,
        page: u32,
        size: u32,
    ) -> Result<Fetched<RecordListDocument>, ApiError> {
        let query = vec![
            ("page[number]".to_owned(), page.to_string()),
            ("page[size]".to_owned(), size.to_string()),
        ];
        let url = self.url(&[kind], &query);
        self.get_json(url, "record list").await
    }
}

fn include_pair(include: &[&str]) -> Vec<(String, String)> {
    if include.is_empty() {
        Vec::new()
    } else {
        vec![("include".to_owned(), include.join(","))]
    }
}

fn transport_error(e: reqwest::Error) -> ApiError {
    let (timeout, connect, body) = (e.is_timeout(), e.is_connect(), e.is_decode() || e.is_body());
    // Without the URL: a list URL with its include= and fields= runs to hundreds of characters and would
    // crowd the cause (and the retry countdown) out of the one-line header. The header shows the URL.
    let msg = one_line(&error_chain(&e.without_url()));
    if timeout {
        ApiError::Timeout(msg)
    } else if connect {
        ApiError::Connect(msg)
    } else if body {
        ApiError::Decode(msg)
    } else {
        ApiError::Connect(msg)
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        let part = s.to_string();
        if !msg.contains(&part) {
            msg.push_str(": ");
            msg.push_str(&part);
        }
        src = s.source();
    }
    msg
}

/// Decodes a JSON:API document. On failure the error names the field (its JSON path) and shows at most 200
/// bytes of the body around the fault.
pub fn decode<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, ApiError> {
    match serde_json::from_slice::<T>(body) {
        Ok(doc) => Ok(doc),
        Err(_) => {
            // Decode again on the slow path only, to learn where it broke.
            let mut de = serde_json::Deserializer::from_slice(body);
            let err = match serde_path_to_error::deserialize::<_, T>(&mut de) {
                Ok(_) => return Err(ApiError::Decode(format!("{what}: inconsistent document"))),
                Err(e) => e,
            };
            let path = err.path().to_string();
            let inner = err.into_inner();
            let context = body_context(body, inner.line(), inner.column());
            let mut msg = format!("{what}: {}", one_line(&inner.to_string()));
            // `?` is serde_path_to_error's "no path" (e.g. the body ended in the middle).
            if !path.is_empty() && path != "." && path != "?" {
                msg = format!(
                    "{what}: at {}: {}",
                    one_line(&path),
                    one_line(&inner.to_string())
                );
            }
            if !context.is_empty() {
                msg.push_str(&format!(" near {context:?}"));
            }
            Err(ApiError::Decode(msg))
        }
    }
}

/// Decodes a list of active calls. The result equals `decode::<CallListDocument>` except that every
/// `links` object (self/related links: about 75 % of a full document's bytes, 37 strings a call, never read
/// by the model) is skipped instead of allocated. Errors take the slow path of [`decode`], which names the
/// field.
pub fn decode_call_list(body: &[u8], what: &str) -> Result<CallListDocument, ApiError> {
    match serde_json::from_slice::<lean::List>(body) {
        Ok(doc) => Ok(doc.into()),
        Err(_) => decode::<CallListDocument>(body, what),
    }
}

/// Decode-only mirrors of the list wire types without `links`.
mod lean {
    use serde::Deserialize;

    use crate::api::types::{
        CallAttributes, CallListDocument, CallRelationships, CallResource, ListMeta,
        RecordResource, Relationship, ResourceId, linkage, string_or_number,
    };

    #[derive(Deserialize)]
    pub struct List {
        data: Vec<Resource>,
        #[serde(default)]
        included: Vec<RecordResource>,
        #[serde(default)]
        meta: Option<ListMeta>,
    }

    #[derive(Deserialize)]
    struct Resource {
        #[serde(deserialize_with = "string_or_number")]
        id: String,
        #[serde(rename = "type")]
        kind: String,
        #[serde(default)]
        attributes: CallAttributes,
        #[serde(default)]
        relationships: Rels,
    }

    #[derive(Deserialize)]
    struct Rel {
        #[serde(default, deserialize_with = "linkage")]
        data: Option<Option<ResourceId>>,
    }

    /// The 18 relationships, in `CALL_RELATIONSHIPS` order.
    #[derive(Deserialize, Default)]
    #[serde(rename_all = "kebab-case", default)]
    struct Rels {
        customer: Option<Rel>,
        vendor: Option<Rel>,
        customer_acc: Option<Rel>,
        vendor_acc: Option<Rel>,
        customer_auth: Option<Rel>,
        rateplan: Option<Rel>,
        destination: Option<Rel>,
        routing_group: Option<Rel>,
        routing_plan: Option<Rel>,
        dialpeer: Option<Rel>,
        orig_gw: Option<Rel>,
        term_gw: Option<Rel>,
        src_country: Option<Rel>,
        src_network: Option<Rel>,
        dst_country: Option<Rel>,
        dst_network: Option<Rel>,
        pop: Option<Rel>,
        node: Option<Rel>,
    }

    impl From<Rels> for CallRelationships {
        fn from(r: Rels) -> CallRelationships {
            let rel = |r: Option<Rel>| {
                r.map(|r| Relationship {
                    links: None,
                    data: r.data,
                })
            };
            CallRelationships {
                customer: rel(r.customer),
                vendor: rel(r.vendor),
                customer_acc: rel(r.customer_acc),
                vendor_acc: rel(r.vendor_acc),
                customer_auth: rel(r.customer_auth),
                rateplan: rel(r.rateplan),
                destination: rel(r.destination),
                routing_group: rel(r.routing_group),
                routing_plan: rel(r.routing_plan),
                dialpeer: rel(r.dialpeer),
                orig_gw: rel(r.orig_gw),
                term_gw: rel(r.term_gw),
                src_country: rel(r.src_country),
                src_network: rel(r.src_network),
                dst_country: rel(r.dst_country),
                dst_network: rel(r.dst_network),
                pop: rel(r.pop),
                node: rel(r.node),
            }
        }
    }

    impl From<List> for CallListDocument {
        fn from(l: List) -> CallListDocument {
            CallListDocument {
                data: l
                    .data
                    .into_iter()
                    .map(|r| CallResource {
                        id: r.id,
                        kind: r.kind,
                        links: None,
                        attributes: r.attributes,
                        relationships: r.relationships.into(),
                    })
                    .collect(),
                included: l.included,
                meta: l.meta,
            }
        }
    }
}

/// At most 200 bytes of `body` around line/column (1-based), sanitized.
fn body_context(body: &[u8], line: usize, column: usize) -> String {
    if body.is_empty() {
        return String::new();
    }
    let mut offset = 0usize;
    for _ in 1..line.max(1) {
        match body[offset..].iter().position(|b| *b == b'\n') {
            Some(p) => offset += p + 1,
            None => break,
        }
    }
    let at = (offset + column.saturating_sub(1)).min(body.len());
    let start = at.saturating_sub(100);
    let end = (start + 200).min(body.len());
    let slice = String::from_utf8_lossy(&body[start..end]);
    crate::sanitize::sanitize_max(&slice, 200).into_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::types::CallListDocument;

    #[test]
    fn decode_errors_name_the_field_and_show_little_context() {
        let body =
            br#"{"data":[{"id":"1*a","type":"active-calls","attributes":{"duration":"soon"}}]}"#;
        let err = decode::<CallListDocument>(body, "list").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("data[0].attributes.duration"), "{msg}");
        let big = format!("{{\"data\":[{}", "x".repeat(10_000));
        let msg = decode::<CallListDocument>(big.as_bytes(), "list")
            .unwrap_err()
            .to_string();
        assert!(msg.len() < 400, "{msg}");
    }

    #[test]
    fn the_lean_list_decode_equals_the_full_one_less_links() {
        use crate::sim::world::World;
        use crate::sim::{ListQuery as SimQuery, SimConfig};
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-03T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let cfg = SimConfig {
            calls: 40,
            churn: false,
            ..SimConfig::default()
        };
        let w = World::generate(&cfg, now);
        for q in [
            SimQuery::new("http://x"),
            SimQuery::new("http://x").with_all_includes(),
        ] {
            let body = w.list_json(now, &q);
            let mut full = decode::<CallListDocument>(&body, "list").unwrap();
            for r in &mut full.data {
                r.links = None;
                let rels = &mut r.relationships;
                for i in 0..18 {
                    if let Some(Some(rel)) = rels.slot_mut(i) {
                        rel.links = None;
                    }
                }
            }
            let lean = decode_call_list(&body, "list").unwrap();
            assert!(full.data.len() == 40 && lean == full);
        }
        let bad =
            br#"{"data":[{"id":"1*a","type":"active-calls","attributes":{"duration":"soon"}}]}"#;
        let msg = decode_call_list(bad, "list").unwrap_err().to_string();
        assert!(msg.contains("data[0].attributes.duration"), "{msg}");
    }

    #[test]
    fn ids_keep_their_star_and_slashes_are_escaped() {
        let c = Client::new(ClientConfig::new(
            "https://u:p@yeti.example.net/",
            Credentials::Token(Secret::new("t")),
        ))
        .unwrap();
        assert_eq!(c.base_url(), "https://yeti.example.net/");
        let u = c.url(&["active-calls", "2*A2-A9D0/x"], &[]);
        assert_eq!(
            u.as_str(),
            "https://yeti.example.net/api/rest/admin/active-calls/2*A2-A9D0%2Fx"
        );
    }

    #[test]
    fn bad_urls_are_config_errors() {
        let e = Client::new(ClientConfig::new(
            "ftp://x",
            Credentials::Token(Secret::new("t")),
        ))
        .unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            Client::new(ClientConfig::new(
                "not a url",
                Credentials::Token(Secret::new("t"))
            ))
            .is_err()
        );
    }
}
