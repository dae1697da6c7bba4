//! Carrier pictograms (絵文字 of docomo, au and SoftBank phones) as the
//! Unicode emoji that Unicode's own mapping table (EmojiSources.txt, in
//! this folder) gives for them.
//!
//! Phones wrote them as Shift_JIS codes in the user-defined area, which
//! CP932 reads as private-use characters (docomo F89F is U+E63E, au F659
//! is U+E481 — the very code points those carriers used in UTF-8), and
//! SoftBank in UTF-8 as private-use characters of its own (U+E001…). au's
//! mail also carried them in ISO-2022-JP, 22 rows below their Shift_JIS
//! place ([`kddi_jis`]). The same private-use character means different
//! pictograms to different carriers (and may be a company's own 外字), so
//! the sender's address decides; mail from elsewhere (a forwarded phone
//! message) has docomo's, the most common, mapped.
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Carrier {
    Docomo,
    Kddi,
    SoftBank,
}

/// The carrier a sender's address belongs to, by its domain.
pub fn carrier(address: &str) -> Option<Carrier> {
    let domain = address.rsplit_once('@')?.1.to_ascii_lowercase();
    let under = |d: &str| domain == d || domain.ends_with(&format!(".{d}"));
    if under("docomo.ne.jp") {
        Some(Carrier::Docomo)
    } else if under("ezweb.ne.jp") || under("au.com") || under("biz.ezweb.ne.jp") {
        Some(Carrier::Kddi)
    } else if under("softbank.ne.jp")
        || under("softbank.jp")
        || under("vodafone.ne.jp")
        || under("disney.ne.jp")
    {
        Some(Carrier::SoftBank)
    } else {
        None
    }
}

/// Shift_JIS code → emoji, per carrier (docomo, au, SoftBank).
static TABLE: LazyLock<[HashMap<u16, String>; 3]> = LazyLock::new(|| {
    let mut maps: [HashMap<u16, String>; 3] = Default::default();
    for line in include_str!("EmojiSources.txt").lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut fields = line.split(';');
        let Some(emoji) = fields.next().map(|u| {
            u.split(' ')
                .filter_map(|h| u32::from_str_radix(h, 16).ok().and_then(char::from_u32))
                .collect::<String>()
        }) else {
            continue;
        };
        for (map, code) in maps.iter_mut().zip(fields) {
            if let Ok(code) = u16::from_str_radix(code.trim(), 16) {
                map.insert(code, emoji.clone());
            }
        }
    }
    maps
});

/// The Shift_JIS code CP932 reads as private-use character `c` (its
/// user-defined area F040–F9FC, 188 codes to a lead byte).
fn sjis_of_private_use(c: u32) -> Option<u16> {
    let i = c.checked_sub(0xe000).filter(|i| *i < 10 * 188)?;
    let trail = match i % 188 {
        t @ 0..=62 => 0x40 + t,
        t => 0x80 + (t - 63),
    };
    u16::try_from(((0xf0 + i / 188) << 8) | trail).ok()
}

/// SoftBank's own private-use characters: six pages of codes, each a run
/// of Shift_JIS codes (skipping 0x7F).
fn softbank_sjis(c: u32) -> Option<u16> {
    const PAGES: [(u32, u32, u16); 6] = [
        (0xe001, 90, 0xf941),
        (0xe101, 90, 0xf741),
        (0xe201, 83, 0xf7a1),
        (0xe301, 77, 0xf9a1),
        (0xe401, 76, 0xfb41),
        (0xe501, 62, 0xfba1),
    ];
    let (start, _, first) = PAGES.iter().find(|(s, n, _)| (*s..*s + n).contains(&c))?;
    let mut code = u32::from(*first) + (c - start);
    if *first & 0xff == 0x41 && code & 0xff >= 0x7f {
        code += 1;
    }
    u16::try_from(code).ok()
}

/// The emoji a private-use character stands for in mail from `carrier`.
fn emoji_of(c: char, carrier: Option<Carrier>) -> Option<&'static str> {
    let c = c as u32;
    let [docomo, kddi, softbank] = &*TABLE;
    let found = match carrier {
        Some(Carrier::Docomo) | None if (0xe63e..=0xe757).contains(&c) => {
            docomo.get(&sjis_of_private_use(c)?)
        }
        Some(Carrier::Kddi) => kddi.get(&sjis_of_private_use(c)?),
        Some(Carrier::SoftBank) => softbank_sjis(c)
            .and_then(|s| softbank.get(&s))
            // SoftBank's Shift_JIS codes, read by CP932.
            .or_else(|| softbank.get(&sjis_of_private_use(c)?)),
        _ => None,
    };
    found.map(String::as_str)
}

/// `text` with the carrier pictograms among its private-use characters
/// made emoji.
pub fn emoji(text: &str, carrier: Option<Carrier>) -> Cow<'_, str> {
    if !text.chars().any(|c| ('\u{e001}'..='\u{e757}').contains(&c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match emoji_of(c, carrier) {
            Some(e) => out.push_str(e),
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// An au pictogram in ISO-2022-JP (rows 85–90, 0x75–0x7A), as the
/// private-use character its Shift_JIS code reads as. Rows 85–88 hold
/// nothing else; rows 89–90 are IBM kanji to anyone but au.
pub fn kddi_jis(hi: u8, lo: u8, from_kddi: bool) -> Option<char> {
    if !(0x75..=0x7a).contains(&hi) || (hi >= 0x79 && !from_kddi) || !(0x21..=0x7e).contains(&lo) {
        return None;
    }
    // 22 rows up, then the row pair as Shift_JIS writes it.
    let row = u32::from(hi - 0x21) + 22;
    let lead = 0xf0 + (row - 94) / 2;
    let cell = u32::from(lo - 0x21) + if row % 2 == 1 { 94 } else { 0 };
    let index = (lead - 0xf0) * 188 + cell;
    char::from_u32(0xe000 + index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_carriers_suns_and_hearts() {
        // docomo F89F = U+E63E, SoftBank's own U+E04A (F98B) and U+E022
        // (F962), au F659 = U+E481.
        assert_eq!(emoji("\u{e63e}", Some(Carrier::Docomo)), "\u{2600}");
        assert_eq!(emoji("\u{e63e}", None), "\u{2600}");
        assert_eq!(
            emoji("\u{e04a}\u{e022}", Some(Carrier::SoftBank)),
            "\u{2600}\u{2764}"
        );
        assert_eq!(emoji("\u{e481}", Some(Carrier::Kddi)), "\u{26a0}");
        // Keycaps are sequences.
        assert_eq!(emoji("\u{e6e2}", None), "1\u{20e3}");
        // An au code from an unknown sender may be a company's 外字.
        assert_eq!(emoji("\u{e481}", None), "\u{e481}");
        assert_eq!(emoji("平文", None), "平文");
    }

    #[test]
    fn au_iso_2022_jp_rows() {
        // JIS 0x753A is au's Shift_JIS F659.
        assert_eq!(kddi_jis(0x75, 0x3a, true), Some('\u{e481}'));
        assert_eq!(kddi_jis(0x79, 0x21, false), None);
        assert_eq!(kddi_jis(0x30, 0x21, true), None);
    }

    #[test]
    fn carriers_by_domain() {
        assert_eq!(carrier("a@docomo.ne.jp"), Some(Carrier::Docomo));
        assert_eq!(carrier("b@ezweb.ne.jp"), Some(Carrier::Kddi));
        assert_eq!(carrier("c@i.softbank.jp"), Some(Carrier::SoftBank));
        assert_eq!(carrier("c@softbank.ne.jp"), Some(Carrier::SoftBank));
        assert_eq!(carrier("d@t.vodafone.ne.jp"), Some(Carrier::SoftBank));
        assert_eq!(carrier("e@example.jp"), None);
    }
}
