//! What an answer, or the lack of one, means for a call: done, worth another try after a
//! wait (a rate limit, a server error, a timeout), or a failure worded for the user.

use std::error::Error as StdError;
use std::fmt::Write as _;
use std::io;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode, Url};

use super::{
    Answer, ApiError, ErrorKind, MAX_REDIRECTS, Service, Transport, describe, origin, same_origin,
};

/// What one try of a request came to.
pub(super) enum Next {
    Done(Answer),
    Fail(ApiError),
    /// Worth trying again after `wait` (`None`: the next step of the backoff), if the
    /// deadline allows.
    Again {
        wait: Option<Duration>,
        kind: ErrorKind,
        why: String,
        /// What to do when the wait does not fit in the deadline.
        advice: &'static str,
    },
}

pub(super) enum Failure {
    /// No answer: could not connect, TLS, timeout before the headers.
    Http(reqwest::Error),
    /// The answer broke off while its body was read.
    Read(io::Error),
}

impl Transport {
    /// Decides what an answer means for the call.
    pub(super) fn judge(&self, method: &Method, url: &Url, answer: Answer) -> Next {
        let Service { name, speaker, .. } = self.service;
        let what = describe(method, url);
        let status = answer.status;
        if status.is_success() || status == StatusCode::NOT_FOUND {
            return Next::Done(answer);
        }
        let said = match (self.service.said)(&answer.body) {
            Some(message) if !message.trim().is_empty() => {
                let one_line: String = message
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .chars()
                    .take(300)
                    .collect();
                format!(" ({speaker} said: {one_line})")
            }
            _ => String::new(),
        };
        let headers = &answer.headers;
        let fail = |kind, text: String| {
            Next::Fail(self.error(
                kind,
                format!("{name} {what}: {}{text}", status_text(status)),
            ))
        };
        if status.is_redirection() {
            return fail(
                ErrorKind::Redirect,
                format!(": {}", self.redirect_text(method, url, headers)),
            );
        }
        if status == StatusCode::UNAUTHORIZED {
            let text = if self.token.is_some() {
                "the token is invalid or expired; check the secret that shipgate gets as its token"
            } else {
                self.service.wants_token
            };
            return fail(ErrorKind::Unauthorized, format!("{said}: {text}"));
        }
        if status == StatusCode::FORBIDDEN || status == StatusCode::TOO_MANY_REQUESTS {
            if let Some(seconds) = header_number(headers, "retry-after") {
                return Next::Again {
                    wait: Some(Duration::from_secs(seconds.max(1))),
                    kind: ErrorKind::RateLimited,
                    why: format!(
                        "{}{said}: {speaker} asked to retry after {seconds} s",
                        status_text(status)
                    ),
                    advice: self.service.rate_limited,
                };
            }
            if header_text(headers, "x-ratelimit-remaining") == Some("0") {
                let reset = header_number(headers, "x-ratelimit-reset");
                let wait = reset.map_or(Duration::from_secs(60), until_epoch);
                let until = reset.map_or_else(|| "its reset".to_owned(), utc_text);
                return Next::Again {
                    wait: Some(wait),
                    kind: ErrorKind::RateLimited,
                    why: format!(
                        "{}{said}: {name} rate limit exhausted until {until}",
                        status_text(status)
                    ),
                    advice: self.service.rate_limited,
                };
            }
            if status == StatusCode::TOO_MANY_REQUESTS {
                return Next::Again {
                    wait: None,
                    kind: ErrorKind::RateLimited,
                    why: format!("{}{said}", status_text(status)),
                    advice: self.service.rate_limited,
                };
            }
            return fail(
                ErrorKind::Forbidden,
                format!("{said}: {}", self.service.forbidden),
            );
        }
        if status.is_server_error() {
            return Next::Again {
                wait: None,
                kind: ErrorKind::Unavailable,
                why: format!("{}{said}", status_text(status)),
                advice: self.service.trouble,
            };
        }
        fail(
            ErrorKind::BadAnswer,
            format!(
                "{said}: shipgate cannot use this answer; {}",
                self.service.check
            ),
        )
    }

    pub(super) fn redirect_text(&self, method: &Method, url: &Url, headers: &HeaderMap) -> String {
        let Service {
            url_setting,
            check,
            moved,
            ..
        } = self.service;
        let target = header_text(headers, "location").and_then(|to| url.join(to).ok());
        match target {
            Some(to) if !same_origin(&to, &self.base) => format!(
                "redirects to another host ({}); shipgate does not follow it, so the token \
                 stays with {}; set {url_setting} to the API's own address",
                origin(&to),
                origin(&self.base)
            ),
            Some(_) if *method != Method::GET => format!(
                "redirects the write to another address, and only 307 and 308 keep a write \
                 intact; {moved}"
            ),
            Some(_) => format!("redirects more than {MAX_REDIRECTS} times; {check}"),
            None => format!("is a redirect without a usable Location; check {url_setting}"),
        }
    }

    /// A request that got no answer: timeouts and broken connections are worth another
    /// try; a TLS failure is not (the certificate will not change in a minute).
    pub(super) fn transport(&self, what: &str, failure: Failure, timeout: Duration) -> Next {
        let text = self.failure_text(&failure, timeout);
        if let Some(tls) = tls_problem(&failure) {
            return Next::Fail(self.error(
                ErrorKind::Unavailable,
                format!(
                    "{} {what}: the TLS connection failed ({tls}); check {}, \
                     and that the machine's CA certificates (or SSL_CERT_FILE) trust the server",
                    self.service.name, self.service.url_setting
                ),
            ));
        }
        Next::Again {
            wait: None,
            kind: ErrorKind::Unavailable,
            why: text,
            advice: self.service.trouble,
        }
    }

    pub(super) fn failure_text(&self, failure: &Failure, timeout: Duration) -> String {
        let timed_out = match failure {
            Failure::Http(e) => e.is_timeout(),
            Failure::Read(e) => {
                e.kind() == io::ErrorKind::TimedOut
                    || e.get_ref()
                        .and_then(|inner| inner.downcast_ref::<reqwest::Error>())
                        .is_some_and(reqwest::Error::is_timeout)
            }
        };
        if timed_out {
            return format!("no answer within {:.1} s", timeout.as_secs_f64());
        }
        match failure {
            Failure::Http(e) => error_chain(e),
            Failure::Read(e) => format!(
                "the connection broke while reading the answer: {}",
                error_chain(e)
            ),
        }
    }
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

fn header_number(headers: &HeaderMap, name: &str) -> Option<u64> {
    header_text(headers, name).and_then(|v| v.parse().ok())
}

/// `403 Forbidden`, with a space after it when the service's message follows.
fn status_text(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// How long until `reset` (seconds since the epoch), plus one second since the reset is
/// rounded down to the second. Reading the clock here only sets a wait.
fn until_epoch(reset: u64) -> Duration {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Duration::from_secs(reset)
        .saturating_sub(now)
        .saturating_add(Duration::from_secs(1))
}

/// `2024-05-01T12:00:00Z`, from seconds since the epoch. A reset past the year 9999, which
/// RFC 3339 cannot write and no server means, is given as the seconds themselves.
fn utc_text(epoch: u64) -> String {
    let mut text = String::new();
    let written = UNIX_EPOCH
        .checked_add(Duration::from_secs(epoch))
        .map(|time| write!(text, "{}", humantime::format_rfc3339_seconds(time)));
    match written {
        Some(Ok(())) => text,
        _ => format!("{epoch} s after 1970-01-01T00:00:00Z"),
    }
}

/// An error and its causes on one line. reqwest's own text can hold the URL, so the URL
/// is taken out; URLs never hold the token, but a message is no place for one either way.
pub(super) fn error_chain(error: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(error);
    while let Some(e) = current {
        // An io::Error that wraps another shows that one's text, and hides it from
        // `source`: go to it directly.
        if let Some(inner) = e.downcast_ref::<io::Error>().and_then(io::Error::get_ref) {
            current = Some(inner);
            continue;
        }
        let text = match e.downcast_ref::<reqwest::Error>() {
            Some(re) => without_url(re),
            None => e.to_string(),
        };
        if !parts.last().is_some_and(|last| last.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

fn without_url(error: &reqwest::Error) -> String {
    let text = error.to_string();
    match error.url() {
        Some(url) => text
            .replace(&format!(" for url ({url})"), "")
            .replace(url.as_str(), "<url>"),
        None => text,
    }
}

/// The rustls error inside a failure, if TLS was what failed.
fn tls_problem(failure: &Failure) -> Option<String> {
    let root: &(dyn StdError + 'static) = match failure {
        Failure::Http(e) => e,
        Failure::Read(e) => e,
    };
    let mut current = Some(root);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls.to_string());
        }
        // io::Error hides the error it wraps from `source`, and the TLS stack wraps the
        // rustls error in two of them.
        current = match e.downcast_ref::<io::Error>().and_then(io::Error::get_ref) {
            Some(inner) => Some(inner),
            None => e.source(),
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_seconds_read_as_utc() {
        assert_eq!(utc_text(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_text(1_714_564_800), "2024-05-01T12:00:00Z");
        assert_eq!(utc_text(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(
            utc_text(u64::MAX),
            "18446744073709551615 s after 1970-01-01T00:00:00Z"
        );
    }
}
