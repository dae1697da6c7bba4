//! What the benchmarks share: a deterministic generator and base64 lines.
#![allow(dead_code)]

/// A setting the bench script exports; named when missing.
pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run the bench's script"))
}

/// A number from the environment, or `default`.
pub fn num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small deterministic generator (xorshift): the same data every run.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Base64 in lines of 76, as MIME writes it.
pub fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    let s = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut out = String::with_capacity(s.len() + s.len() / 76 * 2);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && i % 76 == 0 {
            out.push_str("\r\n");
        }
        out.push(c);
    }
    out
}

const JA_WORDS: [&str; 24] = [
    "見積書",
    "請求書",
    "出張",
    "報告",
    "予定",
    "大阪",
    "議事録",
    "新製品",
    "開発",
    "営業",
    "品質",
    "契約",
    "納期",
    "確認",
    "連絡",
    "資料",
    "案件",
    "打合せ",
    "来客",
    "本日",
    "先日",
    "よろしく",
    "お願いします",
    "ご検討",
];
const EN_WORDS: [&str; 16] = [
    "meeting", "report", "schedule", "invoice", "quality", "contract", "delivery", "please",
    "review", "attached", "project", "customer", "update", "tomorrow", "office", "thanks",
];

/// A message of 1–4 KB of text, two thirds Japanese and one third English,
/// with the words the searches look for in known shares (会議 about a sixth,
/// 稟議 about 5 %, 東京都庁 about 0.3 %).
pub fn message(rng: &mut Rng, i: usize) -> Vec<u8> {
    let japanese = i % 3 != 2;
    let len = 1000 + rng.below(3000);
    let mut text = String::with_capacity(len + 64);
    let mut subject = String::new();
    if japanese {
        if rng.below(4) == 0 {
            text.push_str("定例会議の件です。");
            subject.push_str("会議のご案内 ");
        }
        if rng.below(12) == 0 {
            text.push_str("稟議をお願いします。");
        }
        if rng.below(200) == 0 {
            text.push_str("東京都庁にて。");
        }
        while text.len() < len {
            text.push_str(JA_WORDS[rng.below(JA_WORDS.len())]);
            text.push_str(["の", "を", "、", "。\n", "に"][rng.below(5)]);
        }
        subject.push_str(&format!(
            "{}の{} #{i}",
            JA_WORDS[rng.below(24)],
            JA_WORDS[rng.below(24)]
        ));
    } else {
        while text.len() < len {
            text.push_str(EN_WORDS[rng.below(EN_WORDS.len())]);
            text.push_str([" ", ", ", ".\n", " "][rng.below(4)]);
        }
        subject = format!(
            "{} {} #{i}",
            EN_WORDS[rng.below(16)],
            EN_WORDS[rng.below(16)]
        );
    }
    let from = [
        "佐藤 <sato@example.test>",
        "Alice <alice@example.test>",
        "鈴木 <suzuki@example.test>",
    ][i % 3];
    format!(
        "From: {from}\r\nTo: bench@example.test\r\nSubject: =?UTF-8?B?{}?=\r\nDate: Sat, 28 Nov 2026 09:00:00 +0900\r\n\
Message-ID: <list-{i}@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{}\r\n",
        b64(subject.as_bytes()).replace("\r\n", ""),
        b64(text.as_bytes())
    )
    .into_bytes()
}
