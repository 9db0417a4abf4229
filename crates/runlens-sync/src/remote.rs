//! The HTTP side: one MLflow tracking server, signed in as the MLflow client does it
//! (`MLFLOW_TRACKING_TOKEN`, `MLFLOW_TRACKING_USERNAME`/`PASSWORD`,
//! `MLFLOW_TRACKING_INSECURE_TLS`), with retries and backoff on 429 and 5xx. Every error names
//! the endpoint it came from.

use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::Error;

/// How to sign in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    /// A bearer token.
    pub token: Option<String>,
    /// Basic auth user.
    pub username: Option<String>,
    /// Basic auth password.
    pub password: Option<String>,
    /// Accept any TLS certificate (a self-signed team server).
    pub insecure_tls: bool,
}

impl Credentials {
    /// What the MLflow client would use: its environment variables.
    pub fn from_env() -> Credentials {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Credentials {
            token: var("MLFLOW_TRACKING_TOKEN"),
            username: var("MLFLOW_TRACKING_USERNAME"),
            password: var("MLFLOW_TRACKING_PASSWORD"),
            insecure_tls: var("MLFLOW_TRACKING_INSECURE_TLS").is_some_and(|v| v.eq_ignore_ascii_case("true")),
        }
    }

    fn authorization(&self) -> Option<String> {
        use base64::Engine as _;
        if let Some(t) = &self.token {
            return Some(format!("Bearer {t}"));
        }
        let user = self.username.as_deref()?;
        let pass = self.password.as_deref().unwrap_or("");
        Some(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))))
    }
}

/// The most one JSON answer may hold.
const MAX_JSON: u64 = 512 * 1024 * 1024;
/// Attempts per request (the first and the retries).
const ATTEMPTS: u32 = 5;

/// One MLflow tracking server.
pub struct Remote {
    base: String,
    agent: ureq::Agent,
    authorization: Option<String>,
    backoff: Duration,
    attempts: u32,
}

/// Percent-encodes each segment of an artifact path.
pub(crate) fn encode_path(path: &str) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
    const SEGMENT: &AsciiSet =
        &CONTROLS.add(b' ').add(b'"').add(b'#').add(b'%').add(b'<').add(b'>').add(b'?').add(b'`').add(b'{').add(b'}');
    path.split('/').map(|s| utf8_percent_encode(s, SEGMENT).to_string()).collect::<Vec<_>>().join("/")
}

enum Body<'a> {
    None,
    Json(&'a Value),
    File(&'a Path),
}

impl Remote {
    /// A server at `url` (`http://host:port`, maybe with a path prefix).
    pub fn new(url: &str, credentials: &Credentials) -> Result<Remote, Error> {
        let base = url.trim().trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::BadUrl(format!("'{url}' is not an http:// or https:// URL")));
        }
        let tls = ureq::tls::TlsConfig::builder().disable_verification(credentials.insecure_tls).build();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_recv_response(Some(Duration::from_secs(300)))
            .tls_config(tls)
            .user_agent(concat!("runlens/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        let backoff = std::env::var("RUNLENS_SYNC_BACKOFF_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .map(Duration::from_millis)
            .unwrap_or(Duration::from_millis(500));
        Ok(Remote { base, agent, authorization: credentials.authorization(), backoff, attempts: ATTEMPTS })
    }

    /// The same server, each request tried once (a connection test answers at once).
    pub fn without_retries(mut self) -> Remote {
        self.attempts = 1;
        self
    }

    /// The server's URL, as the sync records name it.
    pub fn url(&self) -> &str {
        &self.base
    }

    /// One request with retries; the answer's status and body reader are handed to `read`.
    fn send<T>(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Body<'_>,
        mut read: impl FnMut(u16, &mut ureq::Body) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let endpoint = format!("{method} {path}");
        let url = format!("{}{path}", self.base);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = match method {
                "GET" => {
                    let mut r = self.agent.get(&url);
                    for (k, v) in query {
                        r = r.query(k, v);
                    }
                    if let Some(a) = &self.authorization {
                        r = r.header("Authorization", a);
                    }
                    r.call()
                }
                _ => {
                    let mut r = match method {
                        "POST" => self.agent.post(&url),
                        "PUT" => self.agent.put(&url),
                        _ => self.agent.patch(&url),
                    };
                    for (k, v) in query {
                        r = r.query(k, v);
                    }
                    if let Some(a) = &self.authorization {
                        r = r.header("Authorization", a);
                    }
                    match &body {
                        Body::None => r.send_empty(),
                        Body::Json(v) => r
                            .header("Content-Type", "application/json")
                            .send(serde_json::to_vec(v).expect("JSON values encode")),
                        Body::File(p) => {
                            let f =
                                std::fs::File::open(p).map_err(|e| Error::Local(format!("{}: {e}", p.display())))?;
                            r.header("Content-Type", "application/octet-stream").send(f)
                        }
                    }
                }
            };
            let retry = match result {
                Ok(mut resp) => {
                    let status = resp.status().as_u16();
                    if status == 429 || status >= 500 {
                        let text = resp.body_mut().with_config().limit(64 * 1024).read_to_string().unwrap_or_default();
                        format!("the server answered {status}: {}", mlflow_message(&text))
                    } else if status == 401 || status == 403 {
                        return Err(Error::Unauthorized { endpoint, status });
                    } else {
                        return read(status, resp.body_mut()).map_err(|e| e.at(&endpoint));
                    }
                }
                Err(e) => e.to_string(),
            };
            if attempt >= self.attempts {
                let tries =
                    if self.attempts == 1 { String::new() } else { format!(" (after {} attempts)", self.attempts) };
                return Err(Error::Http { endpoint, message: format!("{retry}{tries}") });
            }
            std::thread::sleep(self.backoff * 2u32.pow(attempt - 1));
        }
    }

    fn json_answer(status: u16, body: &mut ureq::Body) -> Result<Value, Error> {
        let bytes =
            body.with_config().limit(MAX_JSON).read_to_vec().map_err(|e| Error::Malformed(format!("reading: {e}")))?;
        if !(200..300).contains(&status) {
            let text = String::from_utf8_lossy(&bytes);
            let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            return Err(Error::Server {
                endpoint: String::new(),
                status,
                code: v["error_code"].as_str().unwrap_or("").to_string(),
                message: v["message"].as_str().map(str::to_string).unwrap_or_else(|| mlflow_message(&text)),
            });
        }
        if bytes.is_empty() {
            return Ok(Value::Object(Default::default()));
        }
        serde_json::from_slice(&bytes).map_err(|e| Error::Malformed(format!("not JSON: {e}")))
    }

    /// `GET path?query` answering JSON.
    pub fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, Error> {
        self.send("GET", path, query, Body::None, Self::json_answer)
    }

    /// `POST path` with a JSON body, answering JSON.
    pub fn post(&self, path: &str, body: &Value) -> Result<Value, Error> {
        self.send("POST", path, &[], Body::Json(body), Self::json_answer)
    }

    /// Streams `GET path?query` into `dest` (through a temporary file beside it, renamed when
    /// complete: an interrupted download leaves no partial file). Returns the bytes written.
    pub fn download(&self, path: &str, query: &[(&str, &str)], dest: &Path) -> Result<u64, Error> {
        let dir = dest.parent().ok_or_else(|| Error::Local(format!("{}: no parent folder", dest.display())))?;
        std::fs::create_dir_all(dir).map_err(|e| Error::Local(format!("{}: {e}", dir.display())))?;
        self.send("GET", path, query, Body::None, |status, body| {
            if !(200..300).contains(&status) {
                return Self::json_answer(status, body).map(|_| 0);
            }
            let mut tmp =
                tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::Local(format!("{}: {e}", dir.display())))?;
            let n = std::io::copy(&mut body.as_reader(), &mut tmp)
                .map_err(|e| Error::Http { endpoint: String::new(), message: format!("the download stopped: {e}") })?;
            tmp.flush().map_err(|e| Error::Local(e.to_string()))?;
            tmp.persist(dest).map_err(|e| Error::Local(format!("{}: {}", dest.display(), e.error)))?;
            Ok(n)
        })
    }

    /// `PUT path` with a file's bytes (the artifact proxy's upload).
    pub fn upload(&self, path: &str, file: &Path) -> Result<(), Error> {
        self.send("PUT", path, &[], Body::File(file), |status, body| Self::json_answer(status, body).map(|_| ()))
    }
}

/// MLflow's `message` from an error body, else the body's start.
fn mlflow_message(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(v) if v["message"].is_string() => v["message"].as_str().unwrap_or_default().to_string(),
        _ => text.chars().take(300).collect::<String>().trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_become_the_header_the_mlflow_client_sends() {
        let c = Credentials { token: Some("t0k".into()), ..Default::default() };
        assert_eq!(c.authorization().as_deref(), Some("Bearer t0k"));
        let c = Credentials { username: Some("ann".into()), password: Some("pw".into()), ..Default::default() };
        assert_eq!(c.authorization().as_deref(), Some("Basic YW5uOnB3"));
        assert_eq!(Credentials::default().authorization(), None);
    }

    #[test]
    fn artifact_paths_are_encoded_segment_by_segment() {
        assert_eq!(encode_path("a b/c#d/e%f/ü.txt"), "a%20b/c%23d/e%25f/%C3%BC.txt");
    }

    #[test]
    fn a_url_that_is_not_http_is_refused() {
        assert!(matches!(Remote::new("ftp://x", &Credentials::default()), Err(Error::BadUrl(_))));
        assert!(Remote::new("http://127.0.0.1:5000/", &Credentials::default()).is_ok());
    }
}
