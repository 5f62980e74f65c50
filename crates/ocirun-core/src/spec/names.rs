//! The names an enum of the spec accepts, read from its serde derive: `features` lists what the
//! parsers recognise, and this keeps a second list from drifting away from them.

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// Every name (aliases included) `T`'s derived Deserialize accepts, in declaration order.
/// `T` must be a plain (externally tagged) enum; anything else gives an empty list.
pub fn variant_names<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let mut names: &'static [&'static str] = &[];
    let _ = T::deserialize(Introspect { names: &mut names });
    names
}

/// A deserializer that only records the variant list serde_derive hands to `deserialize_enum`.
struct Introspect<'a> {
    names: &'a mut &'static [&'static str],
}

#[derive(Debug)]
struct Stop;

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("introspection only")
    }
}

impl std::error::Error for Stop {}

impl de::Error for Stop {
    fn custom<M: std::fmt::Display>(_msg: M) -> Self {
        Stop
    }
}

impl<'de> Deserializer<'de> for Introspect<'_> {
    type Error = Stop;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Stop> {
        Err(Stop)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Stop> {
        *self.names = variants;
        Err(Stop)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::seccomp::Action;
    use crate::spec::{HookKind, NamespaceType};

    #[test]
    fn the_names_are_the_serde_names_in_order() {
        assert_eq!(
            variant_names::<HookKind>(),
            ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]
        );
        assert!(variant_names::<NamespaceType>().contains(&"network"));
        assert_eq!(variant_names::<Action>()[0], "SCMP_ACT_KILL");
    }

    #[test]
    fn every_name_listed_deserializes() {
        for name in variant_names::<Action>() {
            assert!(serde_json::from_value::<Action>(serde_json::json!(name)).is_ok(), "{name}");
        }
    }

    #[test]
    fn a_type_that_is_not_an_enum_has_no_names() {
        assert!(variant_names::<String>().is_empty());
    }
}
