//! Maps read from RON with every key at most once: serde's own `BTreeMap` keeps the last of a
//! repeated key silently (vendor shares would then sum wrong, a decision's choice would be
//! replaced). Use with `#[serde(deserialize_with = "...")]`; a repeated key is a syntax error
//! at its position.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, Error, MapAccess, Visitor};

/// Most entries in one map (far above any real scenario's; keeps hostile input bounded).
pub const MAX_ENTRIES: usize = 100_000;

struct UniqueMap<K, V>(PhantomData<(K, V)>);

impl<'de, K, V> Visitor<'de> for UniqueMap<K, V>
where
    K: Deserialize<'de> + Ord + fmt::Debug,
    V: Deserialize<'de>,
{
    type Value = BTreeMap<K, V>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map with each key once")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut map = BTreeMap::new();
        while let Some(key) = access.next_key::<K>()? {
            if map.len() >= MAX_ENTRIES {
                return Err(A::Error::custom(format!("more than {MAX_ENTRIES} entries in one map")));
            }
            if map.contains_key(&key) {
                return Err(A::Error::custom(format!("the key {key:?} is given twice; give each key once")));
            }
            let value = access.next_value::<V>()?;
            map.insert(key, value);
        }
        Ok(map)
    }
}

/// A map whose keys are unique.
pub fn map<'de, D, K, V>(d: D) -> Result<BTreeMap<K, V>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + Ord + fmt::Debug,
    V: Deserialize<'de>,
{
    d.deserialize_map(UniqueMap(PhantomData))
}

/// An optional map whose keys are unique (use with `#[serde(default)]`).
pub fn opt_map<'de, D, K, V>(d: D) -> Result<Option<BTreeMap<K, V>>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + Ord + fmt::Debug,
    V: Deserialize<'de>,
{
    struct Opt<K, V>(PhantomData<(K, V)>);
    impl<'de, K, V> Visitor<'de> for Opt<K, V>
    where
        K: Deserialize<'de> + Ord + fmt::Debug,
        V: Deserialize<'de>,
    {
        type Value = Option<BTreeMap<K, V>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an optional map with each key once")
        }
        fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            map(d).map(Some)
        }
        fn visit_map<A: MapAccess<'de>>(self, access: A) -> Result<Self::Value, A::Error> {
            UniqueMap(PhantomData).visit_map(access).map(Some)
        }
    }
    d.deserialize_option(Opt(PhantomData))
}
