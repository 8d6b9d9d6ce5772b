//! JSON documents (the `--format json` report, the GitLab Code Quality report, the error
//! document) as pretty-printed text that carries its data whole and yet holds nothing a
//! reader cannot see or a runner could take for a command.
//!
//! serde_json escapes `"`, `\` and the C0 controls; this formatter also writes every
//! other [`hidden`] character (DEL, C1 controls, zero-width and bidi characters, U+2028,
//! U+FEFF...) as a `\uXXXX` escape, and the first `#` of `##[` as `\u0023`. A JSON reader
//! gets the same strings back. Pretty printing starts every line with spaces followed by a
//! quote, a bracket, a brace or a value, never with `::`, so [`crate::escape::defuse`] leaves the
//! document as it is: what the output boundary writes under GitHub Actions is still the
//! document.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

use crate::escape::hidden;

/// `value` as pretty-printed JSON, ending with a line feed.
pub(crate) fn to_string<T: Serialize + ?Sized>(value: &T) -> String {
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, Inert::default());
    value
        .serialize(&mut ser)
        .expect("shipgate's documents have string keys and always serialise");
    buf.push(b'\n');
    String::from_utf8(buf).expect("serde_json writes UTF-8")
}

/// [`PrettyFormatter`] with the extra escapes of the module docs.
#[derive(Default)]
struct Inert(PrettyFormatter<'static>);

impl Formatter for Inert {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // serde_json hands over the runs between the characters it escapes itself; none of
        // `##[` is one of those, so a `##[` never spans two fragments.
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if hidden(c) || (c == '#' && fragment[i + 1..].starts_with("#[")) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    // What follows hands the layout to the pretty printer: these are the methods it
    // overrides.
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn invisible_characters_and_legacy_commands_are_escaped() {
        let doc = to_string(&serde_json::json!({
            "a": "x\u{200b}y\u{2028}z\u{feff}\u{7f}\u{85}\u{e0041}",
            "b": "##[error]forged ###[x] #[ok]",
            "c": "\n::error::x",
        }));
        assert_eq!(
            doc,
            "{\n  \"a\": \"x\\u200by\\u2028z\\ufeff\\u007f\\u0085\\udb40\\udc41\",\n  \
             \"b\": \"\\u0023#[error]forged #\\u0023#[x] #[ok]\",\n  \
             \"c\": \"\\n::error::x\"\n}\n"
        );
        // The same as serde_json's own pretty printing, for text with nothing to hide.
        let plain = serde_json::json!({"k": [1, "two", {"three": null}]});
        assert_eq!(
            to_string(&plain),
            serde_json::to_string_pretty(&plain).unwrap() + "\n"
        );
    }

    proptest! {
        #[test]
        fn the_data_is_intact_and_nothing_is_hidden(s in any::<String>(), k in any::<String>()) {
            let value = serde_json::json!({ k.clone(): [s.clone(), {"x": s.clone()}] });
            let doc = to_string(&value);
            let back: serde_json::Value = serde_json::from_str(&doc).unwrap();
            prop_assert_eq!(back, value);
            prop_assert!(!doc.chars().any(|c| hidden(c) && c != '\n'));
            prop_assert!(!doc.contains("##["));
            prop_assert_eq!(crate::escape::defuse(&doc), doc);
        }
    }
}
