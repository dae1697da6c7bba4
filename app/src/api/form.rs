//! Numbers inside a form's input struct. A `#[server(flatten)]` struct is
//! decoded from a buffered map in which every value is text — the URL
//! encoding does not know the field's type at that point — so a field that
//! is a number, a yes/no or a list of ids is parsed from its text here. Used
//! with `#[serde(deserialize_with = "…")]`; plain-string fields need nothing.
use std::collections::BTreeMap;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, de::Error};

/// What one field can arrive as: its text, a list (`ids[]=1&ids[]=2`), or
/// an indexed list (`ids[0]=1&ids[1]=2`, as the browser's client writes it).
#[derive(Deserialize)]
#[serde(untagged)]
enum Text {
    One(String),
    Many(Vec<String>),
    Indexed(BTreeMap<String, String>),
}

impl Text {
    fn into_list(self) -> Vec<String> {
        match self {
            Text::One(s) => vec![s],
            Text::Many(v) => v,
            Text::Indexed(m) => {
                // Keys are text too: "10" sorts before "9" unless parsed.
                let mut v: Vec<(u32, String)> = m
                    .into_iter()
                    .map(|(k, s)| (k.parse().unwrap_or(u32::MAX), s))
                    .collect();
                v.sort_by_key(|(k, _)| *k);
                v.into_iter().map(|(_, s)| s).collect()
            }
        }
    }
}

fn parse<T: FromStr, E: Error>(s: &str) -> Result<T, E> {
    s.trim()
        .parse()
        .map_err(|_| E::custom(format_args!("not a number: {s:?}")))
}

/// A number; an empty field is `T::default()`.
pub fn num<'de, D: Deserializer<'de>, T: FromStr + Default>(d: D) -> Result<T, D::Error> {
    let s = String::deserialize(d)?;
    if s.trim().is_empty() {
        Ok(T::default())
    } else {
        parse(&s)
    }
}

/// A number or nothing (an empty field).
pub fn opt_num<'de, D: Deserializer<'de>, T: FromStr>(d: D) -> Result<Option<T>, D::Error> {
    let s = String::deserialize(d)?;
    if s.trim().is_empty() {
        Ok(None)
    } else {
        parse(&s).map(Some)
    }
}

/// A list of numbers (checkboxes of one name); empty entries are skipped.
pub fn nums<'de, D: Deserializer<'de>, T: FromStr>(d: D) -> Result<Vec<T>, D::Error> {
    Text::deserialize(d)?
        .into_list()
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| parse(s))
        .collect()
}

/// The checked values of checkboxes of one name, joined by commas.
pub fn joined<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let list = Text::deserialize(d)?.into_list();
    Ok(list
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(","))
}

/// A yes/no: a checkbox's "on", a link's "1", or "true" from the browser's
/// client.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let s = String::deserialize(d)?;
    Ok(matches!(s.trim(), "on" | "1" | "true"))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(default)]
    struct Inner {
        #[serde(deserialize_with = "super::opt_num")]
        id: Option<i32>,
        #[serde(deserialize_with = "super::num")]
        aid: i64,
        #[serde(deserialize_with = "super::flag")]
        asc: bool,
        #[serde(deserialize_with = "super::nums")]
        user_ids: Vec<i32>,
        title: String,
    }

    #[derive(Debug, Deserialize)]
    struct Outer {
        #[serde(flatten)]
        form: Inner,
    }

    fn decode(q: &str) -> Result<Inner, serde_qs::Error> {
        serde_qs::Config::new(5, false)
            .deserialize_str::<Outer>(q)
            .map(|o| o.form)
    }

    #[test]
    fn numbers_in_a_flattened_form_are_read_from_their_text() {
        let f = decode("id=7&aid=12&asc=1&title=%E4%BC%9A%E8%AD%B0&user_ids[]=3&user_ids[]=5")
            .expect("decodes");
        assert_eq!(
            f,
            Inner {
                id: Some(7),
                aid: 12,
                asc: true,
                user_ids: vec![3, 5],
                title: "会議".into(),
            }
        );
    }

    #[test]
    fn indexed_lists_and_empty_fields_decode() {
        let f = decode("id=&user_ids[1]=9&user_ids[0]=4").expect("decodes");
        assert_eq!(f.id, None);
        assert_eq!(f.user_ids, vec![4, 9]);
        assert!(!f.asc);
        let one = decode("user_ids=2").expect("decodes");
        assert_eq!(one.user_ids, vec![2]);
    }

    #[test]
    fn a_word_where_a_number_belongs_is_refused() {
        assert!(decode("aid=many").is_err());
        assert!(decode("user_ids[]=x").is_err());
    }
}
