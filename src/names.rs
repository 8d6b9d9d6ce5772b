//! The names serde gives the unit variants of shipgate's enums (`kebab-case`: `flag-registry`,
//! `type-changed`, `bad-policy`), as the one spelling for JSON and for text: no enum keeps
//! a second table of its names.

use std::fmt;

use serde::Serialize;
use serde::ser::{self, Impossible};

/// The name that `value`, a unit variant, serialises as: its variant's name after the
/// enum's `rename_all` or the variant's `rename`.
pub(crate) fn name<T: Serialize>(value: &T) -> &'static str {
    match value.serialize(Name) {
        Ok(name) => name,
        // Only enums without fields are named here; anything else is a mistake in the caller.
        Err(NotUnit) => unreachable!("only unit variants have a name"),
    }
}

/// A serializer that takes nothing but a unit variant, and keeps its name.
struct Name;

#[derive(Debug)]
struct NotUnit;

impl fmt::Display for NotUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a unit variant")
    }
}

impl std::error::Error for NotUnit {}

impl ser::Error for NotUnit {
    fn custom<T: fmt::Display>(_: T) -> Self {
        NotUnit
    }
}

type Refused = Impossible<&'static str, NotUnit>;

/// Methods for every other kind of value, which has no name.
macro_rules! refuse {
    ($($method:ident($($arg:ty),*);)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<&'static str, NotUnit> {
            Err(NotUnit)
        })*
    };
}

impl ser::Serializer for Name {
    type Ok = &'static str;
    type Error = NotUnit;
    type SerializeSeq = Refused;
    type SerializeTuple = Refused;
    type SerializeTupleStruct = Refused;
    type SerializeTupleVariant = Refused;
    type SerializeMap = Refused;
    type SerializeStruct = Refused;
    type SerializeStructVariant = Refused;

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<&'static str, NotUnit> {
        Ok(variant)
    }

    refuse! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_char(char);
        serialize_str(&str);
        serialize_bytes(&[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(&'static str);
    }

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<&'static str, NotUnit> {
        Err(NotUnit)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<&'static str, NotUnit> {
        Err(NotUnit)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<&'static str, NotUnit> {
        Err(NotUnit)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Refused, NotUnit> {
        Err(NotUnit)
    }

    fn serialize_tuple(self, _: usize) -> Result<Refused, NotUnit> {
        Err(NotUnit)
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Refused, NotUnit> {
        Err(NotUnit)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Refused, NotUnit> {
        Err(NotUnit)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Refused, NotUnit> {
        Err(NotUnit)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Refused, NotUnit> {
        Err(NotUnit)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Refused, NotUnit> {
        Err(NotUnit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    #[serde(rename_all = "kebab-case")]
    enum Kind {
        FlagRegistry,
        #[serde(rename = "type-changed")]
        TypeChange,
    }

    #[test]
    fn a_variant_is_named_as_serde_writes_it() {
        assert_eq!(name(&Kind::FlagRegistry), "flag-registry");
        assert_eq!(name(&Kind::TypeChange), "type-changed");
        assert_eq!(
            serde_json::to_value(Kind::FlagRegistry).unwrap(),
            name(&Kind::FlagRegistry)
        );
    }
}
