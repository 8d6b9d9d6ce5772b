//! The one HTTP transport under every API client (the GitHub REST API today): how long a
//! run may wait, when to try again, where a redirect may lead, how much of an answer is
//! read, and that no error text carries the token.
//!
//! A client describes its service once, as a [`Service`] (its name in messages, its
//! headers, how it says what went wrong and what a user can do about it), and builds a
//! [`Transport`] for its base URL and token. The transport then owns the how:
//!
//! - **one deadline per run** ([`Deadline`]): every request, every retry and every wait
//!   between them counts against it, whichever client asks; a call gets what the calls
//!   before it left;
//! - **retries for idempotent calls only**: [`Transport::get`] tries again on server
//!   errors, timeouts and broken connections (with backoff) and on rate limits (waiting
//!   for `retry-after`, or for `x-ratelimit-reset` when `x-ratelimit-remaining` is 0);
//!   [`Transport::write`] sends a POST or PATCH once, since a write that timed out may
//!   have happened;
//! - **redirects within the origin only**: the token goes only to the base URL's origin,
//!   so a redirect or a next-page link ([`Transport::follow`]) that leaves it is refused;
//!   a write follows only 307 and 308, which keep it a write;
//! - **capped answers**: a body over the caller's limit is never read whole;
//! - **redaction**: every [`ApiError`] passes through one place that takes the token out
//!   of whatever text came from elsewhere (a server's message, an HTTP library's error).
//!
//! Waiting for a rate-limit reset compares with the wall clock; that decides how long to
//! wait (or to give up at once), never a verdict.
//!
//! A second client (PostHog's flag API, say: a bearer token, JSON, lists paged by a `next`
//! URL in the body) is a `Service` constant and endpoints over a `Transport`: it reads a
//! page with [`Transport::get`] and [`Transport::json`] and goes on with
//! [`Transport::follow`].

use std::fmt;
use std::io::Read as _;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use reqwest::blocking::Client as Http;
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::redirect::{Attempt, Policy};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;

mod answer;
mod error;

pub(crate) use error::with_code;
pub use error::{ApiError, ErrorKind, is_permission_error};

use answer::{Failure, Next, error_chain};

use super::env::Env;

/// Names the variable that scales every wait between retries (see [`sleeper_from_env`]).
pub(crate) const RETRY_SCALE_VAR: &str = "SHIPGATE_API_RETRY_SCALE";

/// Enough of an error answer to quote the service's message.
const MAX_ERROR_BYTES: usize = 64 << 10;
const MAX_REDIRECTS: usize = 5;
const BACKOFF_CAP: Duration = Duration::from_secs(8);

/// Spends a wait between two tries of a GET. Production sleeps; tests record the wait and
/// return at once. The deadline counts the wait asked for, not the time the sleeper took,
/// so a sleeper that returns early cannot make a call retry for ever.
pub type Sleeper = Arc<dyn Fn(Duration) + Send + Sync>;

/// A sleeper that really sleeps.
pub(crate) fn real_sleep() -> Sleeper {
    Arc::new(std::thread::sleep)
}

/// The sleeper that `SHIPGATE_API_RETRY_SCALE` asks for: unset, waits are slept in full;
/// a number from 0 to 1 scales each (0: no sleeping at all), so end-to-end tests of the
/// binary run in milliseconds. The deadline still counts the full waits.
pub(crate) fn sleeper_from_env(env: &Env) -> Result<Sleeper> {
    let Some(text) = env.get(RETRY_SCALE_VAR)? else {
        return Ok(real_sleep());
    };
    match text.trim().parse::<f64>() {
        Ok(scale) if (0.0..=1.0).contains(&scale) => Ok(Arc::new(move |wait: Duration| {
            std::thread::sleep(wait.mul_f64(scale))
        })),
        _ => bail!("{RETRY_SCALE_VAR} is `{text}`; set it to a number from 0 to 1, or unset it"),
    }
}

/// The time a run may spend on APIs: requests, and the waits between tries. A run makes
/// one and hands a clone to every transport it builds; the clones share what is spent.
#[derive(Clone)]
pub(crate) struct Deadline {
    total: Duration,
    spent: Arc<Mutex<Duration>>,
}

impl Deadline {
    pub(crate) fn new(total: Duration) -> Deadline {
        Deadline {
            total,
            spent: Arc::default(),
        }
    }

    fn spent(&self) -> Duration {
        *self.spent.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn spend(&self, time: Duration) {
        let mut spent = self.spent.lock().unwrap_or_else(PoisonError::into_inner);
        *spent = spent.saturating_add(time);
    }

    fn left(&self) -> Duration {
        self.total.saturating_sub(self.spent())
    }
}

/// What a client tells the transport about its service: how messages name it and what a
/// user can do when it fails. The transport words every failure from these.
pub(crate) struct Service {
    /// How messages name the API: `GitHub API`.
    pub(crate) name: &'static str,
    /// Who answers: `GitHub` (`GitHub said: …`, `GitHub asked to retry after 3 s`).
    pub(crate) speaker: &'static str,
    /// The setting that holds the API's address, and an example of it.
    pub(crate) url_setting: &'static str,
    pub(crate) example_url: &'static str,
    /// Sent with every request.
    pub(crate) headers: &'static [(&'static str, &'static str)],
    /// The service's own words in an error answer, if it gave any.
    pub(crate) said: fn(&[u8]) -> Option<String>,
    /// What to check when an answer is not one shipgate can use: the settings that name
    /// what is asked.
    pub(crate) check: &'static str,
    /// What to do when a redirect on the API's own host would turn a write into a read.
    pub(crate) moved: &'static str,
    /// What to do when the service fails for longer than the deadline.
    pub(crate) trouble: &'static str,
    /// What to do when the rate limit runs out before the deadline.
    pub(crate) rate_limited: &'static str,
    /// What to do on a 401 when no token was given.
    pub(crate) wants_token: &'static str,
    /// What to do on a 403 that is no rate limit: which permission the token lacks.
    pub(crate) forbidden: &'static str,
}

/// How a transport reaches its service, and how long it keeps trying.
#[derive(Clone)]
pub(crate) struct Config {
    /// Shared by every transport of the run; see [`Deadline`].
    pub(crate) deadline: Deadline,
    /// The budget for one request, until its answer is read.
    pub(crate) request_timeout: Duration,
    /// Spends the waits between tries; see [`Sleeper`].
    pub(crate) sleep: Sleeper,
}

/// The API's root URL from its setting: http(s), no credentials, no query; its path
/// without a trailing slash.
pub(crate) fn parse_base(service: &Service, text: &str) -> Result<Url> {
    let Service {
        name,
        url_setting,
        example_url,
        ..
    } = service;
    let url = Url::parse(text.trim()).map_err(|e| {
        anyhow::anyhow!(
            "the {name} URL `{text}` is not a URL ({e}); set {url_setting} to the API's \
             address, e.g. {example_url}"
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        bail!(
            "the {name} URL `{text}` is not an http(s) address; set {url_setting} to the \
             API's address, e.g. {example_url}"
        );
    }
    if !url.username().is_empty() || url.password().is_some() {
        bail!(
            "the {name} URL holds a user name or password; take them out (the token is \
             passed on its own)"
        );
    }
    if url.query().is_some() || url.fragment().is_some() {
        bail!("the {name} URL `{text}` has a query or fragment; give only the API's root");
    }
    let mut url = url;
    url.path_segments_mut()
        .expect("an http(s) URL has path segments")
        .pop_if_empty();
    Ok(url)
}

/// A successful (or 404) answer, read in full.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    /// The body was longer than `limit`; `body` holds the first part.
    pub(crate) too_large: bool,
    /// The most of the body that the caller would read.
    limit: usize,
}

/// Requests to one API root, with one token, under the run's deadline.
pub(crate) struct Transport {
    service: &'static Service,
    /// The API root, its path without a trailing slash.
    base: Url,
    token: Option<String>,
    auth: Option<HeaderValue>,
    deadline: Deadline,
    request_timeout: Duration,
    sleep: Sleeper,
    /// For GETs: follows a redirect within the API's origin (a renamed repository).
    reader: Http,
    /// For POST and PATCH: follows only 307 and 308 within the origin, the redirects that
    /// keep the method and body; others would turn the write into a GET.
    writer: OnceLock<Http>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("base", &self.base.as_str())
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// A transport to `base` ([`parse_base`]). `token` goes only into an `Authorization:
    /// Bearer` header of requests to `base`'s origin, never into a URL or a message.
    pub(crate) fn new(
        service: &'static Service,
        base: Url,
        token: Option<&str>,
        config: Config,
    ) -> Result<Transport> {
        let name = service.name;
        if config.deadline.total.is_zero() || config.request_timeout.is_zero() {
            bail!("the {name} deadline and request timeout must be longer than zero");
        }
        let token = token
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .map(str::to_owned);
        let auth = match &token {
            None => None,
            Some(token) => {
                // The value is left out of the message: it is the secret.
                let Ok(mut value) = HeaderValue::from_str(&format!("Bearer {token}")) else {
                    bail!(
                        "the {} token holds characters that cannot go in an HTTP header \
                         (a line break or a control character); check the secret that \
                         shipgate gets as its token",
                        service.speaker
                    );
                };
                value.set_sensitive(true);
                Some(value)
            }
        };

        // reqwest is built without a crypto provider so that only ring is linked; it must
        // be installed before a client is built. An earlier install (by this or another
        // crate) is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let reader = build_http(service, &base, config.request_timeout, |_| true)
            .map_err(|e| tls_setup_error(service, &base, &e, token.as_deref()))?;

        Ok(Transport {
            service,
            base,
            token,
            auth,
            deadline: config.deadline,
            request_timeout: config.request_timeout,
            sleep: config.sleep,
            reader,
            writer: OnceLock::new(),
        })
    }

    /// The API root.
    pub(crate) fn base(&self) -> &Url {
        &self.base
    }

    pub(crate) fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// The client for writes, built on the first one: most runs only read, and each
    /// client sets up TLS and a runtime thread of its own.
    fn writer(&self) -> Result<&Http, ApiError> {
        if let Some(http) = self.writer.get() {
            return Ok(http);
        }
        let http = build_http(self.service, &self.base, self.request_timeout, |status| {
            matches!(
                status,
                StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT
            )
        })
        .map_err(|e| {
            let text = format!(
                "{:#}",
                tls_setup_error(self.service, &self.base, &e, self.token.as_deref())
            );
            self.error(ErrorKind::Unavailable, text)
        })?;
        Ok(self.writer.get_or_init(|| http))
    }

    /// A GET, tried again on rate limits, server errors and timeouts until the run's
    /// deadline. Returns a 2xx or a 404 answer, its body read up to `limit` bytes; any
    /// other status is an error.
    pub(crate) fn get(&self, url: &Url, accept: &str, limit: usize) -> Result<Answer, ApiError> {
        let what = describe(&Method::GET, url);
        let mut tries = 0u32;
        let mut backoffs = 0u32;
        loop {
            let left = self.deadline.left();
            if left.is_zero() {
                return Err(self.out_of_time(&what));
            }
            tries += 1;
            let timeout = left.min(self.request_timeout);
            let started = Instant::now();
            let next = match self.send(&self.reader, Method::GET, url, accept, None, limit, timeout)
            {
                Ok(answer) => self.judge(&Method::GET, url, answer),
                Err(failure) => self.transport(&what, failure, timeout),
            };
            self.deadline.spend(started.elapsed());
            let (wait, kind, why, advice) = match next {
                Next::Done(answer) => return Ok(answer),
                Next::Fail(error) => return Err(error),
                Next::Again {
                    wait,
                    kind,
                    why,
                    advice,
                } => {
                    let wait = wait.unwrap_or_else(|| {
                        backoffs += 1;
                        BACKOFF_CAP.min(Duration::from_secs(1 << (backoffs - 1).min(4)))
                    });
                    (wait, kind, why, advice)
                }
            };
            let spent = self.deadline.spent();
            if spent.saturating_add(wait) >= self.deadline.total {
                return Err(self.error(
                    kind,
                    format!(
                        "{} {what}: {why}; gave up after {tries} {}, since waiting {} s \
                         more would pass the {} s deadline that the run's API calls share ({} s \
                         used); {advice}",
                        self.service.name,
                        if tries == 1 { "try" } else { "tries" },
                        wait.as_secs_f64().ceil(),
                        self.deadline.total.as_secs_f64(),
                        spent.as_secs(),
                    ),
                ));
            }
            (self.sleep)(wait);
            self.deadline.spend(wait);
        }
    }

    /// A POST or PATCH of a JSON `body`, sent once: a write that timed out may have
    /// happened, and a second one would, say, post a second comment. Returns a 2xx or a
    /// 404 answer (what a 404 means is the caller's to say).
    pub(crate) fn write(
        &self,
        method: Method,
        url: &Url,
        accept: &str,
        body: Vec<u8>,
        limit: usize,
    ) -> Result<Answer, ApiError> {
        let what = describe(&method, url);
        let left = self.deadline.left();
        if left.is_zero() {
            return Err(self.out_of_time(&what));
        }
        let timeout = left.min(self.request_timeout);
        let writer = self.writer()?;
        let started = Instant::now();
        let sent = self.send(
            writer,
            method.clone(),
            url,
            accept,
            Some(body),
            limit,
            timeout,
        );
        self.deadline.spend(started.elapsed());
        let answer = sent.map_err(|failure| {
            self.error(
                ErrorKind::Unavailable,
                format!(
                    "{} {what}: {}; not retried, since the write may have \
                     happened; re-run the job",
                    self.service.name,
                    self.failure_text(&failure, timeout)
                ),
            )
        })?;
        match self.judge(&method, url, answer) {
            Next::Done(answer) => Ok(answer),
            Next::Fail(error) => Err(error),
            Next::Again { kind, why, .. } => Err(self.error(
                kind,
                format!(
                    "{} {what}: {why}; a write is not retried; re-run the job later",
                    self.service.name
                ),
            )),
        }
    }

    /// An answer's body as JSON, named `what` in the message when it is not.
    pub(crate) fn json<T: DeserializeOwned>(
        &self,
        method: &Method,
        url: &Url,
        answer: &Answer,
        what: &str,
    ) -> Result<T, ApiError> {
        if answer.too_large {
            return Err(self.bad_answer(
                method,
                url,
                format!("it is over {} MiB", answer.limit >> 20),
            ));
        }
        serde_json::from_slice(&answer.body)
            .map_err(|e| self.bad_answer(method, url, format!("it is not {what} in JSON ({e})")))
    }

    /// The next page of a list, from the link an answer to `url` gave: on the API's own
    /// origin, or an error, so that the token never leaves it.
    pub(crate) fn follow(&self, url: &Url, next: &str) -> Result<Url, ApiError> {
        match self.base.join(next) {
            Ok(next) if same_origin(&next, &self.base) => Ok(next),
            _ => Err(self.bad_answer(
                &Method::GET,
                url,
                format!(
                    "its next-page link `{next}` leaves {}; shipgate does not follow it, so \
                     the token stays with the API",
                    origin(&self.base)
                ),
            )),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn send(
        &self,
        http: &Http,
        method: Method,
        url: &Url,
        accept: &str,
        body: Option<Vec<u8>>,
        limit: usize,
        timeout: Duration,
    ) -> Result<Answer, Failure> {
        let mut request = http
            .request(method, url.clone())
            .timeout(timeout)
            .header(header::ACCEPT, accept);
        if let Some(auth) = &self.auth {
            request = request.header(header::AUTHORIZATION, auth.clone());
        }
        if let Some(body) = body {
            request = request
                .header(header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        let response = request.send().map_err(Failure::Http)?;
        let status = response.status();
        let headers = response.headers().clone();
        let read = if status.is_success() || status == StatusCode::NOT_FOUND {
            limit
        } else if status.is_redirection() {
            0
        } else {
            MAX_ERROR_BYTES
        };
        if response.content_length().is_some_and(|n| n > read as u64) {
            return Ok(Answer {
                status,
                headers,
                body: Vec::new(),
                too_large: true,
                limit,
            });
        }
        let mut body = Vec::new();
        response
            .take((read as u64).saturating_add(1))
            .read_to_end(&mut body)
            .map_err(Failure::Read)?;
        let too_large = body.len() > read;
        body.truncate(read);
        Ok(Answer {
            status,
            headers,
            body,
            too_large,
            limit,
        })
    }

    fn out_of_time(&self, what: &str) -> ApiError {
        self.error(
            ErrorKind::Unavailable,
            format!(
                "{} {what}: not asked, since the run's API calls have used up the \
                 {} s deadline they share; {}",
                self.service.name,
                self.deadline.total.as_secs_f64(),
                self.service.trouble
            ),
        )
    }

    /// An answer that came back but cannot be used, and why.
    pub(crate) fn bad_answer(&self, method: &Method, url: &Url, why: String) -> ApiError {
        self.error(
            ErrorKind::BadAnswer,
            format!(
                "{} {}: shipgate cannot use the answer: {why}; check {}",
                self.service.name,
                describe(method, url),
                self.service.url_setting
            ),
        )
    }

    /// Every error passes here, so no text that came from elsewhere (a server's message,
    /// an HTTP library's error) can carry the token out.
    pub(crate) fn error(&self, kind: ErrorKind, message: String) -> ApiError {
        let message = match &self.token {
            Some(token) => message.replace(token.as_str(), "<redacted>"),
            None => message,
        };
        ApiError { kind, message }
    }
}

fn build_http(
    service: &Service,
    base: &Url,
    request_timeout: Duration,
    follows: fn(StatusCode) -> bool,
) -> reqwest::Result<Http> {
    let home = base.clone();
    let policy = Policy::custom(move |attempt: Attempt| {
        // Stopping hands the redirect itself back, and `judge` says why it was not taken.
        if attempt.previous().len() > MAX_REDIRECTS
            || !follows(attempt.status())
            || !same_origin(attempt.url(), &home)
        {
            attempt.stop()
        } else {
            attempt.follow()
        }
    });
    let mut headers = HeaderMap::new();
    for (name, value) in service.headers {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    let mut builder = Http::builder()
        .user_agent(concat!("shipgate/", env!("CARGO_PKG_VERSION")))
        .default_headers(headers)
        .redirect(policy)
        .retry(reqwest::retry::never())
        .timeout(request_timeout)
        .connect_timeout(request_timeout);
    let host = base.host_str().unwrap_or_default();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback {
        // HTTPS_PROXY and friends are honoured for a remote API; an API on this machine
        // is reached directly, whatever proxy the environment names.
        builder = builder.no_proxy();
    }
    if base.scheme() == "http" {
        // Nothing here speaks TLS (a redirect to https is another origin), so the
        // machine's CA certificates are not loaded: a plain-http API works where there
        // are none.
        builder = builder.tls_certs_only(std::iter::empty());
    }
    builder.build()
}

/// Building a client fails before any request only when TLS cannot be set up, mostly
/// because the machine has no CA certificates.
fn tls_setup_error(
    service: &Service,
    base: &Url,
    error: &reqwest::Error,
    token: Option<&str>,
) -> anyhow::Error {
    let mut text = format!(
        "could not set up HTTPS for the {} at {}: {}; install the machine's CA \
         certificates (the `ca-certificates` package) or point SSL_CERT_FILE at a PEM bundle",
        service.name,
        origin(base),
        error_chain(error)
    );
    if let Some(token) = token {
        text = text.replace(token, "<redacted>");
    }
    anyhow::Error::msg(text)
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

fn origin(url: &Url) -> String {
    match url.port() {
        Some(port) => format!("{}://{}:{port}", url.scheme(), url.host_str().unwrap_or("")),
        None => format!("{}://{}", url.scheme(), url.host_str().unwrap_or("")),
    }
}

/// `GET /repos/o/r/pulls/1/files?per_page=100`: what a message names as the request.
pub(crate) fn describe(method: &Method, url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{method} {}?{query}", url.path()),
        None => format!("{method} {}", url.path()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_scale_comes_from_the_environment() {
        for ok in ["0", "0.25", "1"] {
            let env = Env::from_pairs([(RETRY_SCALE_VAR, ok)]);
            assert!(sleeper_from_env(&env).is_ok(), "{ok}");
        }
        assert!(sleeper_from_env(&Env::default()).is_ok());
        for bad in ["-1", "2", "NaN", "inf", "fast"] {
            let env = Env::from_pairs([(RETRY_SCALE_VAR, bad)]);
            let error = sleeper_from_env(&env).err().expect(bad).to_string();
            assert_eq!(
                error,
                format!(
                    "{RETRY_SCALE_VAR} is `{bad}`; set it to a number from 0 to 1, or unset it"
                )
            );
        }
    }
}
