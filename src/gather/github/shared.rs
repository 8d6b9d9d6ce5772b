//! Files of other repositories at a ref, through the contents API: the shared policy of an
//! organisation that a repository's policy extends (`extends:
//! github:acme/policies/shipgate.yml@<sha>`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use anyhow::{Result, bail};

use super::{Client, ClientConfig, DEFAULT_API_URL, valid_sha};
use crate::gather::SharedFiles;
use crate::gather::env::Env;
use crate::gather::http::{self, Deadline, Sleeper, with_code};

/// A run's budget for waiting on APIs, as a client of its own has it ([`ClientConfig::new`]).
pub(crate) const BUDGET: Duration = Duration::from_secs(60);

/// How a run reaches the GitHub API for files of other repositories: the API's URL and
/// a token, as the entry found them (under GitHub Actions the `token` input or
/// `GITHUB_TOKEN` and the runner's `GITHUB_API_URL`; elsewhere `GITHUB_TOKEN` and
/// `GITHUB_API_URL`), and the run's budget for waiting on APIs.
#[derive(Clone)]
pub(crate) struct Access {
    pub(crate) api_url: String,
    /// Sent only as `Authorization: Bearer`; without one the API is asked anonymously,
    /// which reads public repositories.
    pub(crate) token: Option<String>,
    pub(crate) sleep: Sleeper,
    pub(crate) deadline: Deadline,
}

impl Access {
    /// From `GITHUB_API_URL` (else the public API), `GITHUB_TOKEN` and
    /// `SHIPGATE_API_RETRY_SCALE`, with a budget of its own.
    pub(crate) fn from_env(env: &Env) -> Result<Access> {
        let api_url = env
            .get("GITHUB_API_URL")?
            .unwrap_or(DEFAULT_API_URL)
            .trim_end_matches('/')
            .to_owned();
        Ok(Access {
            api_url,
            token: env.get("GITHUB_TOKEN")?.map(str::to_owned),
            sleep: http::sleeper_from_env(env)?,
            deadline: Deadline::new(BUDGET),
        })
    }
}

impl Access {
    /// The public API without a token, for an entry that found no settings.
    pub(crate) fn public() -> Access {
        Access {
            api_url: DEFAULT_API_URL.to_owned(),
            token: None,
            sleep: http::real_sleep(),
            deadline: Deadline::new(BUDGET),
        }
    }
}

impl fmt::Debug for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Access")
            .field("api_url", &self.api_url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// Reads shared policies through the API, one client per repository, built when first
/// needed: a policy that extends nothing on GitHub makes no call. What it read is kept, for
/// [`SharedPolicies::already_read`].
pub(crate) struct SharedPolicies {
    access: Access,
    clients: RefCell<HashMap<String, Client>>,
    read: RefCell<HashMap<FileKey, Option<Vec<u8>>>>,
}

/// A file's identity: the repository without case (GitHub ignores it), the ref, the path.
type FileKey = (String, String, String);

fn key(repository: &str, reference: &str, path: &str) -> FileKey {
    (
        repository.to_ascii_lowercase(),
        reference.to_owned(),
        path.to_owned(),
    )
}

impl SharedPolicies {
    pub(crate) fn new(access: Access) -> SharedPolicies {
        SharedPolicies {
            access,
            clients: RefCell::default(),
            read: RefCell::default(),
        }
    }

    /// The shared policies read so far, and no other: for the policy that a change brings,
    /// which is validated, never applied. Fetching what the change names would let a
    /// pull request have any repository the token can read fetched, and quoted back in
    /// the report's list of problems.
    pub(crate) fn already_read(&self) -> AlreadyRead<'_> {
        AlreadyRead(self)
    }
}

/// See [`SharedPolicies::already_read`].
pub(crate) struct AlreadyRead<'a>(&'a SharedPolicies);

impl SharedFiles for AlreadyRead<'_> {
    fn read(
        &self,
        repository: &str,
        reference: &str,
        path: &str,
        _max: usize,
    ) -> Result<Option<Vec<u8>>> {
        match self.0.read.borrow().get(&key(repository, reference, path)) {
            Some(bytes) => Ok(bytes.clone()),
            None => bail!(
                "the policy in force does not extend it, and a change's own policy cannot have \
                 shipgate read another repository: it is read once the change is merged"
            ),
        }
    }
}

impl SharedFiles for SharedPolicies {
    fn read(
        &self,
        repository: &str,
        reference: &str,
        path: &str,
        max: usize,
    ) -> Result<Option<Vec<u8>>> {
        if !valid_sha(reference) && !valid_ref_name(reference) {
            bail!("`{reference}` is not a commit id, branch or tag name");
        }
        let mut clients = self.clients.borrow_mut();
        let client = match clients.entry(repository.to_owned()) {
            std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::hash_map::Entry::Vacant(entry) => {
                let mut config =
                    ClientConfig::new(&self.access.api_url, repository, self.access.token.clone());
                config.sleep = self.access.sleep.clone();
                entry.insert(Client::sharing(config, self.access.deadline.clone())?)
            }
        };
        let bytes = client.contents(reference, path, max).map_err(with_code)?;
        self.read
            .borrow_mut()
            .insert(key(repository, reference, path), bytes.clone());
        Ok(bytes)
    }
}

/// A branch or tag name as git accepts it (`refs/heads/<name>` is a valid reference).
fn valid_ref_name(name: &str) -> bool {
    !name.is_empty() && git2::Reference::is_valid_name(&format!("refs/heads/{name}"))
}
