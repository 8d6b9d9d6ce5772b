//! A fake GitHub REST API on `127.0.0.1`, for tests of the API client and of the binary
//! under GitHub Actions.
//!
//! ```ignore
//! let server = GithubServer::start();
//! server.on("GET", "/repos/o/r/pulls/1", Reply::json(pull_json(1)));
//! server.on_seq("GET", "/repos/o/r/pulls/2", [Reply::status(503), Reply::json(pull_json(2))]);
//! // ... point the client (or GITHUB_API_URL) at server.url() ...
//! assert_eq!(server.hits("GET", "/repos/o/r/pulls/2"), 2);
//! let sent = server.requests(); // method, path with query, headers, body
//! ```
//!
//! Routes match the method and the exact path with its query. A route scripted with
//! several replies gives them in order and then repeats the last; an unscripted route gets
//! GitHub's 404. Every connection is answered once and closed (`Connection: close`), each
//! on its own thread, so a delayed reply (to provoke a timeout) holds up no other. The
//! fixtures below give the shapes of the real API's answers. [`GithubServer::start_tls`]
//! serves HTTPS with a test certificate signed by [`TEST_CA_PEM`].

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serde_json::{Value, json};

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    delay: Duration,
    /// Sent instead of a well-formed answer (a connection that breaks off).
    raw: Option<Vec<u8>>,
}

impl Reply {
    /// 200 with a JSON body.
    pub fn json(value: Value) -> Reply {
        Reply {
            status: 200,
            headers: vec![(
                "content-type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body: value.to_string().into_bytes(),
            delay: Duration::ZERO,
            raw: None,
        }
    }

    /// `status` with GitHub's error body (`{"message": ..., "documentation_url": ...}`).
    pub fn status(status: u16) -> Reply {
        let message = match status {
            401 => "Bad credentials",
            403 => "Resource not accessible by integration",
            404 => "Not Found",
            422 => "Validation Failed",
            429 => "You have exceeded a secondary rate limit",
            _ => "Server Error",
        };
        Reply::json(json!({
            "message": message,
            "documentation_url": "https://docs.github.com/rest",
        }))
        .with_status(status)
    }

    /// 200 with a file's raw bytes, as for `Accept: application/vnd.github.raw`.
    pub fn raw(bytes: &[u8]) -> Reply {
        Reply {
            status: 200,
            headers: vec![(
                "content-type".into(),
                "application/vnd.github.raw; charset=utf-8".into(),
            )],
            body: bytes.to_vec(),
            delay: Duration::ZERO,
            raw: None,
        }
    }

    /// A redirect to `location` (absolute, or a path on this server).
    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::status(status).header("location", location)
    }

    /// Bytes sent as they are, in place of an answer; the connection closes after them.
    pub fn broken(bytes: &[u8]) -> Reply {
        Reply {
            raw: Some(bytes.to_vec()),
            ..Reply::status(200)
        }
    }

    pub fn with_status(mut self, status: u16) -> Reply {
        self.status = status;
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// Replaces the body, keeping status and headers.
    pub fn body(mut self, body: &[u8]) -> Reply {
        self.body = body.to_vec();
        self
    }

    /// Waits this long before answering.
    pub fn delay(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// The path with its query, as sent: `/repos/o/r/pulls/1/files?per_page=100`.
    pub path: String,
    /// Names in lower case, in the order sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
}

#[derive(Default)]
struct State {
    routes: HashMap<(String, String), Vec<Reply>>,
    requests: Vec<Recorded>,
}

pub struct GithubServer {
    addr: SocketAddr,
    scheme: &'static str,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl GithubServer {
    /// A plain-HTTP server on a free port of 127.0.0.1.
    pub fn start() -> GithubServer {
        GithubServer::serve(None)
    }

    /// An HTTPS server whose certificate (for `127.0.0.1` and `localhost`) is signed by
    /// [`TEST_CA_PEM`]. A client trusts it only if that CA is among its roots.
    pub fn start_tls() -> GithubServer {
        use rustls::pki_types::pem::PemObject as _;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs = CertificateDer::pem_slice_iter(TEST_SERVER_CERT_PEM.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .expect("test certificate");
        let key = PrivateKeyDer::from_pem_slice(TEST_SERVER_KEY_PEM.as_bytes()).expect("test key");
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("test certificate and key match");
        GithubServer::serve(Some(Arc::new(config)))
    }

    fn serve(tls: Option<Arc<rustls::ServerConfig>>) -> GithubServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let scheme = if tls.is_some() { "https" } else { "http" };
        let thread = {
            let (state, stop) = (state.clone(), stop.clone());
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (state, tls) = (state.clone(), tls.clone());
                    thread::spawn(move || serve_connection(stream, tls, &state));
                }
            })
        };
        GithubServer {
            addr,
            scheme,
            state,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT` (or `https://`), to use as the API URL.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// Answers `method path` (path with query) with `reply`, every time.
    pub fn on(&self, method: &str, path: &str, reply: Reply) -> &GithubServer {
        self.on_seq(method, path, [reply])
    }

    /// Answers `method path` with `replies` in order, then the last one again and again.
    pub fn on_seq(
        &self,
        method: &str,
        path: &str,
        replies: impl IntoIterator<Item = Reply>,
    ) -> &GithubServer {
        let replies: Vec<Reply> = replies.into_iter().collect();
        assert!(!replies.is_empty(), "a route needs a reply");
        self.state
            .lock()
            .unwrap()
            .routes
            .insert((method.to_owned(), path.to_owned()), replies);
        self
    }

    /// Scripts a list endpoint as GitHub paginates it: `path?per_page=100` is the first
    /// page, `path?per_page=100&page=N` the others, each page but the last with a
    /// `Link: <...>; rel="next"` header (and `rel="last"`) in absolute URLs on this server.
    pub fn paginate(&self, path: &str, items: Vec<Value>, per_page: usize) {
        let pages: Vec<Vec<Value>> = items.chunks(per_page).map(<[Value]>::to_vec).collect();
        let pages = if pages.is_empty() {
            vec![Vec::new()]
        } else {
            pages
        };
        let last = pages.len();
        for (i, page) in pages.into_iter().enumerate() {
            let number = i + 1;
            let here = page_path(path, number);
            let mut reply = Reply::json(Value::Array(page));
            if number < last {
                let link = format!(
                    "<{url}{next}>; rel=\"next\", <{url}{last}>; rel=\"last\"",
                    url = self.url(),
                    next = page_path(path, number + 1),
                    last = page_path(path, last),
                );
                reply = reply.header("link", &link);
            }
            self.on("GET", &here, reply);
        }
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }

    /// How many times `method path` (path with query) was asked.
    pub fn hits(&self, method: &str, path: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .requests
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .count()
    }
}

impl Drop for GithubServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The path of page `number` of a list, as [`GithubServer::paginate`] scripts it.
pub fn page_path(path: &str, number: usize) -> String {
    if number == 1 {
        format!("{path}?per_page=100")
    } else {
        format!("{path}?per_page=100&page={number}")
    }
}

trait Stream: Read + Write {}
impl<T: Read + Write> Stream for T {}

fn serve_connection(
    stream: TcpStream,
    tls: Option<Arc<rustls::ServerConfig>>,
    state: &Mutex<State>,
) {
    // A client that stalls must not keep a thread for ever.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut stream: Box<dyn Stream> = match tls {
        None => Box::new(stream),
        Some(config) => match rustls::ServerConnection::new(config) {
            Ok(conn) => Box::new(rustls::StreamOwned::new(conn, stream)),
            Err(_) => return,
        },
    };
    let Some(request) = read_request(&mut stream) else {
        return;
    };
    let reply = {
        let mut state = state.lock().unwrap();
        let key = (request.method.clone(), request.path.clone());
        state.requests.push(request);
        match state.routes.get_mut(&key) {
            Some(replies) if replies.len() > 1 => replies.remove(0),
            Some(replies) => replies[0].clone(),
            None => Reply::status(404),
        }
    };
    thread::sleep(reply.delay);
    let bytes = match reply.raw {
        Some(raw) => raw,
        None => {
            let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
            for (name, value) in &reply.headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str(&format!(
                "content-length: {}\r\nconnection: close\r\n\r\n",
                reply.body.len()
            ));
            let mut bytes = head.into_bytes();
            bytes.extend_from_slice(&reply.body);
            bytes
        }
    };
    // The client may have given up (a timeout test); that is no failure of the server.
    let _ = stream.write_all(&bytes);
    let _ = stream.flush();
}

fn read_request(stream: &mut Box<dyn Stream>) -> Option<Recorded> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Recorded {
        method,
        path,
        headers,
        body,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// A pull request as `GET /repos/{owner}/{repo}/pulls/{n}` answers it, trimmed to the
/// fields shipgate reads and a few it does not. Change fields with `value["body"] = ...`.
pub fn pull_json(number: u64) -> Value {
    json!({
        "url": format!("https://api.github.com/repos/octo-org/octo-repo/pulls/{number}"),
        "id": 1_000 + number,
        "number": number,
        "state": "open",
        "title": "Add session replay",
        "body": "Adds session replay.\n\n- [x] Marketing notified",
        "user": { "login": "ada", "id": 1, "type": "User" },
        "labels": [
            { "id": 1, "name": "release:full", "color": "ededed", "default": false },
            { "id": 2, "name": "marketing-notified", "color": "ededed", "default": false }
        ],
        "head": {
            "label": "ada:replay",
            "ref": "replay",
            "sha": "1111111111111111111111111111111111111111",
            "repo": { "id": 20, "full_name": "ada/octo-repo", "fork": true }
        },
        "base": {
            "label": "octo-org:main",
            "ref": "main",
            "sha": "2222222222222222222222222222222222222222",
            "repo": { "id": 10, "full_name": "octo-org/octo-repo", "fork": false }
        },
        "draft": false,
        "merged": false,
        "requested_reviewers": [],
        "requested_teams": []
    })
}

/// One entry of `GET .../pulls/{n}/reviews`: `state` is `APPROVED`, `CHANGES_REQUESTED`,
/// `COMMENTED`, `DISMISSED` or `PENDING`.
pub fn review_json(id: u64, login: &str, state: &str) -> Value {
    json!({
        "id": id,
        "user": { "login": login, "id": 100 + id, "type": "User" },
        "body": "",
        "state": state,
        "commit_id": "1111111111111111111111111111111111111111",
        "author_association": "MEMBER",
        "submitted_at": "2024-01-01T00:00:00Z"
    })
}

/// One entry of `GET .../pulls/{n}/files`.
pub fn file_json(filename: &str, status: &str) -> Value {
    json!({
        "sha": "3333333333333333333333333333333333333333",
        "filename": filename,
        "status": status,
        "additions": 1,
        "deletions": 0,
        "changes": 1,
        "patch": "@@ -0,0 +1 @@\n+x"
    })
}

/// A renamed entry of `GET .../pulls/{n}/files`.
pub fn renamed_json(filename: &str, previous: &str) -> Value {
    let mut value = file_json(filename, "renamed");
    value["previous_filename"] = json!(previous);
    value
}

/// One entry of `GET .../pulls/{n}/commits`.
pub fn commit_json(sha: &str, message: &str) -> Value {
    json!({
        "sha": sha,
        "commit": {
            "author": { "name": "Ada Lovelace", "email": "ada@example.com", "date": "2024-01-01T00:00:00Z" },
            "message": message,
            "comment_count": 0
        },
        "author": { "login": "ada" },
        "parents": []
    })
}

/// One issue comment by the workflow token's bot, as listed by
/// `GET .../issues/{n}/comments` and answered by POST and PATCH.
pub fn comment_json(id: u64, body: &str) -> Value {
    json!({
        "id": id,
        "url": format!("https://api.github.com/repos/octo-org/octo-repo/issues/comments/{id}"),
        "body": body,
        "user": { "login": "github-actions[bot]", "type": "Bot" },
        "author_association": "NONE",
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z"
    })
}

/// One issue comment by a user, with GitHub's `author_association` (`NONE` for a
/// stranger, `COLLABORATOR`, `MEMBER`, `OWNER` for people with access).
pub fn user_comment_json(id: u64, body: &str, login: &str, association: &str) -> Value {
    let mut value = comment_json(id, body);
    value["user"] = json!({ "login": login, "type": "User" });
    value["author_association"] = json!(association);
    value
}

/// The CA of [`GithubServer::start_tls`], for `SSL_CERT_FILE`. A test-only CA whose key
/// is not kept; valid 2024 to 2124.
pub const TEST_CA_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBazCCARCgAwIBAgICEAAwCgYIKoZIzj0EAwIwGzEZMBcGA1UEAwwQc2hpcGdh
dGUgdGVzdCBDQTAgFw0yNDAxMDEwMDAwMDBaGA8yMTI0MDEwMTAwMDAwMFowGzEZ
MBcGA1UEAwwQc2hpcGdhdGUgdGVzdCBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEH
A0IABMANSqNmV9fh3rACOeK3qn535hA6/zYzGTqs7gxu+5Yd45GSEcnNAaQI4ik8
Tz/B/ZOR3kRcen4y49boF6JG7FqjQjBAMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0P
AQH/BAQDAgEGMB0GA1UdDgQWBBTRRhNA6kSaMoaONd7N2xJc8FToWjAKBggqhkjO
PQQDAgNJADBGAiEAus0Hn+lm8cZTjjOIuTWxT5uIwO9A+TxA7GbSixXUTpoCIQDq
WrizL7GC/IOSdzstRd/3mcZ1JcxlXN/hjh9LsO6jFQ==
-----END CERTIFICATE-----
";

/// The server's certificate (`127.0.0.1`, `localhost`), signed by [`TEST_CA_PEM`].
const TEST_SERVER_CERT_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBtTCCAVqgAwIBAgICEAEwCgYIKoZIzj0EAwIwGzEZMBcGA1UEAwwQc2hpcGdh
dGUgdGVzdCBDQTAgFw0yNDAxMDEwMDAwMDBaGA8yMTI0MDEwMTAwMDAwMFowFDES
MBAGA1UEAwwJMTI3LjAuMC4xMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEw/XC
fR2YuXGm2GNjaLb0PFtGTQVHUFkCIZh4UAHaB7kSWGOKpJMylNTT6UfV27YzZ+wg
fQ+bQwoJ2PFiJieJu6OBkjCBjzAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB/wQEAwIH
gDATBgNVHSUEDDAKBggrBgEFBQcDATAaBgNVHREEEzARhwR/AAABgglsb2NhbGhv
c3QwHQYDVR0OBBYEFAp0EsmjzSAEYd1Gc1uRDUiGbWsdMB8GA1UdIwQYMBaAFNFG
E0DqRJoyho413s3bElzwVOhaMAoGCCqGSM49BAMCA0kAMEYCIQD6sIfEhLIF/I3y
U2LysM29jwIBiMpZKHVaUcXy5/aksQIhAIkO/1W5yXiwzGFF5F5sANbPEw6XyE8g
XUizLjDGCFZ8
-----END CERTIFICATE-----
";

/// The server certificate's key: a throwaway made for these tests, guarding nothing.
const TEST_SERVER_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgGcFgBRs1+46VWXKt
K+2P/hQkcqNin3Xyxu8RvDCpJIGhRANCAATD9cJ9HZi5cabYY2NotvQ8W0ZNBUdQ
WQIhmHhQAdoHuRJYY4qkkzKU1NPpR9XbtjNn7CB9D5tDCgnY8WImJ4m7
-----END PRIVATE KEY-----
";
