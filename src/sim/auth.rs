//! Tokens of the simulated `POST /auth`: yeti-shaped JWTs (`{"alg":"HS256"}` /
//! `{"sub":1,"aud":["admin"],"exp":<unix>}`), with a random signature. The simulator remembers every token it
//! issued, so revocation works and forged tokens are refused; `exp` is checked when a lifetime is configured.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// Above this many remembered tokens, expired ones are forgotten on the next issue.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Debug)]
pub(crate) struct TokenStore {
    tokens: HashMap<String, Option<i64>>,
    rng: SmallRng,
    lifetime: Option<u64>,
}

impl TokenStore {
    pub fn new(seed: u64, lifetime: Option<u64>) -> Self {
        // Mix in the clock so two simulators with the same seed do not hand out the same tokens.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        TokenStore {
            tokens: HashMap::new(),
            rng: SmallRng::seed_from_u64(seed.rotate_left(17) ^ nanos),
            lifetime,
        }
    }

    /// Issues a token at `now` (unix seconds).
    pub fn issue(&mut self, now: i64) -> String {
        if self.tokens.len() > PRUNE_ABOVE {
            self.tokens.retain(|_, exp| exp.is_none_or(|e| e > now));
        }
        let exp = self
            .lifetime
            .map(|l| now.saturating_add(i64::try_from(l).unwrap_or(i64::MAX)));
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256"}"#);
        let payload = match exp {
            Some(e) => format!(r#"{{"sub":1,"aud":["admin"],"exp":{e}}}"#),
            None => r#"{"sub":1,"aud":["admin"]}"#.to_owned(),
        };
        let payload = URL_SAFE_NO_PAD.encode(payload.as_bytes());
        let mut sig = [0u8; 32];
        self.rng.fill(&mut sig);
        let token = format!("{header}.{payload}.{}", URL_SAFE_NO_PAD.encode(sig));
        self.tokens.insert(token.clone(), exp);
        token
    }

    /// Whether `token` was issued here, is not revoked and (with a lifetime) not expired at `now`.
    pub fn valid(&self, token: &str, now: i64) -> bool {
        match self.tokens.get(token) {
            Some(Some(exp)) => now < *exp,
            Some(None) => true,
            None => false,
        }
    }

    /// Forgets every token; returns how many there were.
    pub fn revoke_all(&mut self) -> usize {
        let n = self.tokens.len();
        self.tokens.clear();
        n
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }
}

#[cfg(test)]
#[path = "auth_tests.rs"]
mod tests;
