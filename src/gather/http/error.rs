//! How an API call failed: one error type for every client, whose text never holds the
//! token, and whose kind tells a missing permission from a service that is down.

use std::error::Error as StdError;
use std::fmt;

use crate::error::Code;

/// Why an API call failed, for callers that treat some failures differently (a missing
/// permission to comment is a warning, not a reason to stop).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No token was given, and the call needs one.
    NoToken,
    /// 401: the token is invalid or expired.
    Unauthorized,
    /// 403 without rate-limit headers: the token lacks a permission.
    Forbidden,
    /// 404 where something must exist.
    NotFound,
    /// The rate limit ran out and waiting for it would pass the deadline.
    RateLimited,
    /// Server errors, timeouts or broken connections, still failing at the deadline.
    Unavailable,
    /// A redirect that shipgate does not follow.
    Redirect,
    /// An answer shipgate cannot use: bad JSON, too large, an unexpected status.
    BadAnswer,
    /// A list at the service's cap, which may be cut short.
    Truncated,
}

impl ErrorKind {
    /// No token, or a token without the permission: a reason to warn and carry on where
    /// the API was only a nicety (the sticky comment).
    pub fn is_permission(self) -> bool {
        matches!(
            self,
            ErrorKind::NoToken | ErrorKind::Unauthorized | ErrorKind::Forbidden
        )
    }
}

/// A failed API call. Its text says what was asked (method and path), what came back and
/// what to do; it never holds the token.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub(super) kind: ErrorKind,
    pub(super) message: String,
}

impl ApiError {
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for ApiError {}

/// `error` with the code `api` when an API call caused it. The clients' own methods
/// return the bare [`ApiError`] for their callers to inspect ([`is_permission_error`]);
/// the code is attached where such an error leaves the code that asked, since the error
/// module knows no type of the crate.
pub(crate) fn with_code(error: anyhow::Error) -> anyhow::Error {
    if error.chain().any(|cause| cause.is::<ApiError>()) {
        Code::Api.tag_untagged(error)
    } else {
        error
    }
}

/// Whether `error` comes from a missing token or a missing permission.
pub fn is_permission_error(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|cause| cause.downcast_ref::<ApiError>())
        .any(|api| api.kind.is_permission())
}
