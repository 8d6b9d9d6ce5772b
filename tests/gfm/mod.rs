//! GitHub's Markdown renderer for tests: cmark-gfm, through the `cmarkgfm` bindings from
//! PyPI, driven by `render.py` beside this file.
//!
//! Python comes from `$SHIPGATE_TEST_PYTHON` (one that can import `cmarkgfm`), else from
//! a virtualenv kept under cargo's target folder, made once with `cmarkgfm` installed from
//! PyPI at the version pinned here; later runs reuse it. When neither works the tests fail
//! under `CI=true` and are skipped, saying so, elsewhere.
//!
//! One [`Gfm`] is one Python process; each [`Gfm::render`] sends a batch of documents
//! as one JSON line and reads one line back, so a test pays for Python once, not per case.

#![allow(dead_code)]

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::OnceLock;

use serde::Deserialize;

/// The version installed into the virtualenv: 0.29.0.gfm.13, the cmark-gfm whose email
/// autolinks also take `mailto:` and `xmpp:` addresses.
const CMARKGFM: &str = "cmarkgfm==2025.10.22";

/// Python with `cmarkgfm`, or `None` (outside CI) when it cannot be had.
pub fn python() -> Option<&'static Path> {
    static FOUND: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match FOUND.get_or_init(find_or_install) {
        Ok(path) => Some(path),
        Err(why) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("cmark-gfm is needed for these tests under CI: {why}")
        }
        Err(why) => {
            eprintln!("skipping the cmark-gfm tests: {why}");
            None
        }
    }
}

fn find_or_install() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("SHIPGATE_TEST_PYTHON") {
        return Ok(PathBuf::from(path));
    }
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cmarkgfm-venv");
    let exe = venv.join("bin/python");
    // Written last: a venv without it is a broken install, made again from scratch.
    let ready = venv.join("shipgate-ready");
    if std::fs::read_to_string(&ready).is_ok_and(|v| v == CMARKGFM) {
        return Ok(exe);
    }
    let _ = std::fs::remove_dir_all(&venv);
    let run = |cmd: &mut Command| -> Result<(), String> {
        let out = cmd
            .output()
            .map_err(|e| format!("could not run {cmd:?}: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "{cmd:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(())
    };
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(&exe).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        CMARKGFM,
    ]))?;
    std::fs::write(&ready, CMARKGFM).map_err(|e| e.to_string())?;
    Ok(exe)
}

/// Elements that have no end tag, as render.py knows them.
const VOID: [&str; 13] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// A piece of rendered HTML: text (character references decoded) or an element.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Node {
    Text(String),
    Element(Element),
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Element {
    /// Lowercase; `#document` for the root, `#comment`, `#decl` and `#pi` for those.
    pub tag: String,
    pub attrs: Vec<(String, Option<String>)>,
    /// Written `<x />`: cmark-gfm's own line breaks, not the `<br>` of the report.
    pub selfclosing: bool,
    pub children: Vec<Node>,
}

impl Element {
    /// Every element below this one, depth first, in document order.
    pub fn descendants(&self) -> Vec<&Element> {
        let mut out = Vec::new();
        for child in &self.children {
            if let Node::Element(e) = child {
                out.push(e);
                out.extend(e.descendants());
            }
        }
        out
    }

    /// The text a reader sees in this element (and a copy of it would hold).
    pub fn text(&self) -> String {
        let mut out = String::new();
        for child in &self.children {
            match child {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) if !e.tag.starts_with('#') => out.push_str(&e.text()),
                Node::Element(_) => {}
            }
        }
        out
    }

    /// The elements without the text: one `<tag attrs>` or `</tag>` per line.
    pub fn structure(&self) -> String {
        let mut out = String::new();
        self.write_structure(&mut out);
        out
    }

    fn write_structure(&self, out: &mut String) {
        for child in &self.children {
            let Node::Element(e) = child else { continue };
            out.push('<');
            out.push_str(&e.tag);
            for (k, v) in &e.attrs {
                out.push_str(&format!(" {k}={v:?}"));
            }
            out.push_str(if e.selfclosing { " />\n" } else { ">\n" });
            e.write_structure(out);
            if !e.selfclosing && !VOID.contains(&e.tag.as_str()) {
                out.push_str(&format!("</{}>\n", e.tag));
            }
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Rendered {
    pub html: String,
    pub tree: Element,
}

/// How GitHub reads the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A step summary or a file: a newline inside a paragraph is a space.
    Document,
    /// An issue or pull-request comment: a newline inside a paragraph is a line break.
    Comment,
}

/// One Python process rendering Markdown.
pub struct Gfm {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Gfm {
    pub fn start(python: &Path) -> Gfm {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/gfm/render.py");
        let mut child = Command::new(python)
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {}: {e}", python.display()));
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Gfm {
            child,
            stdin,
            stdout,
        }
    }

    /// Renders every document, in one exchange with the process.
    pub fn render(&mut self, docs: &[(&str, Mode)]) -> Vec<Rendered> {
        let batch: Vec<serde_json::Value> = docs
            .iter()
            .map(|(markdown, mode)| {
                serde_json::json!({"markdown": markdown, "hardbreaks": *mode == Mode::Comment})
            })
            .collect();
        let mut line = serde_json::to_string(&batch).unwrap();
        line.push('\n');
        let stdin = self.stdin.as_mut().unwrap();
        stdin
            .write_all(line.as_bytes())
            .and_then(|()| stdin.flush())
            .expect("render.py takes the documents (its error is above)");
        let mut answer = String::new();
        let read = self.stdout.read_line(&mut answer).unwrap();
        assert!(read > 0, "render.py stopped (its error is above)");
        let rendered: Vec<Rendered> = serde_json::from_str(&answer).unwrap();
        assert_eq!(rendered.len(), docs.len());
        rendered
    }
}

impl Drop for Gfm {
    fn drop(&mut self) {
        // Closing stdin ends the script's loop.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}
