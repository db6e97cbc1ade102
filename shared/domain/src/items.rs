//! Turning domain records into table items and back.

use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::ports::table::{GSI1_PK, GSI1_SK, PK, SK, TTL};
use crate::ports::{Item, Key};

/// The record's fields plus its keys.
pub fn to_item<T: Serialize>(key: &Key, record: &T) -> Result<Item> {
    let mut item = match serde_json::to_value(record) {
        Ok(serde_json::Value::Object(map)) => map,
        Ok(_) => {
            return Err(Error::Internal(
                "a record must serialize to an object".to_owned(),
            ));
        }
        Err(e) => return Err(Error::Internal(format!("serializing a record: {e}"))),
    };
    item.insert(PK.to_owned(), key.pk.clone().into());
    item.insert(SK.to_owned(), key.sk.clone().into());
    Ok(item)
}

/// Puts the item in the secondary index under these keys.
pub fn indexed(mut item: Item, gsi1pk: impl Into<String>, gsi1sk: impl Into<String>) -> Item {
    item.insert(GSI1_PK.to_owned(), gsi1pk.into().into());
    item.insert(GSI1_SK.to_owned(), gsi1sk.into().into());
    item
}

/// Lets the store delete the item on its own after this instant.
pub fn expiring(mut item: Item, at: OffsetDateTime) -> Item {
    item.insert(TTL.to_owned(), at.unix_timestamp().into());
    item
}

pub fn from_item<T: DeserializeOwned>(item: Item) -> Result<T> {
    serde_json::from_value(serde_json::Value::Object(item))
        .map_err(|e| Error::Internal(format!("reading a stored record: {e}")))
}

/// An instant as a sort key: zero-padded epoch milliseconds, so byte order is time order.
pub fn sortable(at: OffsetDateTime) -> String {
    let millis = at.unix_timestamp_nanos() / 1_000_000;
    format!("{millis:015}")
}

/// Serde for `time::Date` as `YYYY-MM-DD`.
pub mod date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::values::format_date(*date))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let raw = String::deserialize(d)?;
        crate::values::parse_date(&raw).map_err(serde::de::Error::custom)
    }

    pub mod option {
        use super::*;

        pub fn serialize<S: Serializer>(date: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
            match date {
                Some(date) => super::serialize(date, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
            Option::<String>::deserialize(d)?
                .map(|raw| crate::values::parse_date(&raw).map_err(serde::de::Error::custom))
                .transpose()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sortable_instants_order_as_time() {
        let a = time::macros::datetime!(2001-09-09 01:46:39 UTC);
        let b = time::macros::datetime!(2001-09-09 01:46:40 UTC);
        assert!(sortable(a) < sortable(b));
        assert_eq!(sortable(a).len(), 15);
    }
}
