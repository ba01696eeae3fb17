//! The one error type of the API client. Every message is one line of sanitized text, holds no secret, and
//! never dumps an HTML body.

use crate::api::types::ErrorDocument;
use crate::sanitize::sanitize_max;

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 401: wrong user or password, a refused token, or a disallowed IP.
    #[error("authentication refused: {0}")]
    Unauthorized(String),
    /// 404 with the JSON:API detail. For a call it means the call has ended.
    #[error("not found: {0}")]
    NotFound(String),
    /// 400 / 406 / 422 and other 4xx: the server refused the request.
    #[error("{status} {title}: {detail}")]
    Rejected {
        status: u16,
        title: String,
        detail: String,
    },
    /// 5xx.
    #[error("server error {status}: {message}")]
    Server { status: u16, message: String },
    #[error("timed out: {0}")]
    Timeout(String),
    #[error("cannot connect: {0}")]
    Connect(String),
    /// The body is not the expected JSON:API document.
    #[error("bad response: {0}")]
    Decode(String),
    /// The body is larger than the configured limit.
    #[error("response too large: over {limit} bytes")]
    TooLarge { limit: u64 },
    /// A bad URL, certificate file or similar setting.
    #[error("{0}")]
    Config(String),
}

impl ApiError {
    /// Builds the error for an HTTP error status and its body.
    pub fn from_status(status: u16, reason: &str, body: &[u8]) -> ApiError {
        let doc: Option<ErrorDocument> = serde_json::from_slice(body).ok();
        let first = doc.as_ref().and_then(|d| d.errors.first());
        let title = first.and_then(|e| e.title.as_deref()).map(one_line);
        let detail = first.and_then(|e| e.detail.as_deref()).map(one_line);
        let status_line = format!("{status} {reason}").trim().to_owned();
        match status {
            401 => ApiError::Unauthorized(
                detail.unwrap_or_else(|| "the server answered 401 Unauthorized".into()),
            ),
            404 => ApiError::NotFound(detail.unwrap_or_else(|| "Record not found".into())),
            400..=499 => ApiError::Rejected {
                status,
                title: title.unwrap_or_else(|| reason.to_owned()),
                detail: detail.unwrap_or_else(|| status_line.clone()),
            },
            _ => ApiError::Server {
                status,
                // An HTML or otherwise unknown body is reduced to its status line.
                message: match (title, detail) {
                    (Some(t), Some(d)) if t != d => format!("{t}: {d}"),
                    (Some(t), _) => t,
                    (None, Some(d)) => d,
                    (None, None) => status_line,
                },
            },
        }
    }

    /// The exit code of headless commands: 3 authentication, 4 not found, 5 network or server, 2 config.
    pub fn exit_code(&self) -> i32 {
        match self {
            ApiError::Unauthorized(_) => 3,
            ApiError::NotFound(_) => 4,
            ApiError::Config(_) => 2,
            _ => 5,
        }
    }

    /// True for failures worth retrying later (network, timeouts, 5xx, broken bodies).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ApiError::Server { .. }
                | ApiError::Timeout(_)
                | ApiError::Connect(_)
                | ApiError::Decode(_)
                | ApiError::TooLarge { .. }
        )
    }
}

/// Server text for an error message: sanitized, one line, at most 200 characters.
pub fn one_line(s: &str) -> String {
    sanitize_max(s.trim(), 200).into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_bodies_become_the_status_line() {
        let e = ApiError::from_status(
            502,
            "Bad Gateway",
            b"<html><body><h1>502</h1>nginx</body></html>",
        );
        assert_eq!(e.to_string(), "server error 502: 502 Bad Gateway");
    }

    #[test]
    fn jsonapi_errors_are_read() {
        let body = br#"{"errors":[{"title":"Filter not allowed","detail":"foo_bar is not allowed.","code":"102","status":"400"}]}"#;
        assert_eq!(
            ApiError::from_status(400, "Bad Request", body).to_string(),
            "400 Filter not allowed: foo_bar is not allowed."
        );
        let body = br#"{"errors":[{"title":"Record not found","detail":"The record identified by 1*x could not be found.","code":"404","status":"404"}]}"#;
        assert_eq!(
            ApiError::from_status(404, "Not Found", body),
            ApiError::NotFound("The record identified by 1*x could not be found.".into())
        );
        let e = ApiError::from_status(401, "Unauthorized", b"");
        assert_eq!(e.exit_code(), 3);
    }

    #[test]
    fn hostile_details_are_sanitized() {
        let body = "{\"errors\":[{\"title\":\"x\",\"detail\":\"a\\u001b[2Jb\\nc\"}]}";
        let e = ApiError::from_status(422, "Unprocessable Content", body.as_bytes());
        assert_eq!(e.to_string(), "422 x: a␛[2Jb␊c");
    }
}
