//! Credentials and JWT handling: log in with user + password, read `exp` (unverified) to log in again a
//! little before it, or use a ready token given by the user.

use std::fmt;

use base64::Engine;
use chrono::{DateTime, Utc};

/// A secret string (password or token). Its `Debug` and `Display` never show the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("••••")
    }
}

/// How the client authenticates.
#[derive(Clone, Debug)]
pub enum Credentials {
    /// `POST /auth` for a JWT, again before it expires and once on a 401.
    Password { user: String, password: Secret },
    /// A ready token: a 401 is final.
    Token(Secret),
}

/// A token and its expiry, if it has one.
#[derive(Clone, Debug)]
pub struct Token {
    pub jwt: Secret,
    pub expires: Option<DateTime<Utc>>,
}

impl Token {
    pub fn new(jwt: Secret) -> Token {
        let expires = jwt_expiry(jwt.expose());
        Token { jwt, expires }
    }

    /// True when the token expires within `margin_secs` of `now` (time to log in again).
    pub fn expires_within(&self, now: DateTime<Utc>, margin_secs: i64) -> bool {
        self.expires
            .map(|e| (e - now).num_seconds() <= margin_secs)
            .unwrap_or(false)
    }
}

/// Reads `exp` from a JWT payload without verifying the signature (only the server can; the client only
/// needs to know when to log in again). `None` for tokens without `exp` or that are not JWTs.
pub fn jwt_expiry(jwt: &str) -> Option<DateTime<Utc>> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    #[derive(serde::Deserialize)]
    struct Claims {
        exp: Option<i64>,
    }
    let claims: Claims = serde_json::from_slice(&bytes).ok()?;
    DateTime::from_timestamp(claims.exp?, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_exp_of_the_seed_token() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjIzLCJhdWQiOlsiYWRtaW4iXSwiZXhwIjoxNzY3MzU4NTYwfQ.X9q7iSV63wodMDiCN1GwyGCBPZwiGC4jsCFCYpKo568";
        assert_eq!(jwt_expiry(jwt).unwrap().timestamp(), 1767358560);
        assert_eq!(jwt_expiry("garbage"), None);
        assert_eq!(jwt_expiry("a.!!!.c"), None);
        let t = Token::new(Secret::new(jwt));
        let before = DateTime::from_timestamp(1767358560 - 20, 0).unwrap();
        assert!(t.expires_within(before, 30));
        assert!(!t.expires_within(before, 10));
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?} {s}").contains("hunter2"));
        let c = Credentials::Password {
            user: "admin".into(),
            password: s,
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
