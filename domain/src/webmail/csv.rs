//! アカウントのインポート / アカウントのエクスポート (CSV).
//!
//! One row per account, keyed by (ログインID, アカウント名). Rows are
//! validated with the same `webmail::check` and saved with the same
//! `webmail::save_in` as the account form, so a CSV can never store what
//! the form would refuse. A file is all or nothing: one bad row and no row
//! is saved, and every error of every row is reported at once so the admin
//! fixes the file in one go.
use std::collections::{HashMap, HashSet};

use encoding_rs::{DecoderResult, Encoding, SHIFT_JIS, UTF_8};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use super::{AccountInput, check, save_in};
use crate::audit::{self, Actor};
use crate::mailbox::{Account, account};
use crate::secrets::SecretBox;
use crate::users::{User, entity as users};
use crate::{Code, Error, FieldError, Result};

/// The columns in file order: the Japanese header label (also used to name
/// a column in errors) and the English key, which equals the
/// `AccountInput` field the column fills, so field errors map back.
const COLUMNS: [(&str, &str); 25] = [
    ("ログインID", "login_id"),
    ("アカウント名", "name"),
    ("表示名", "display_name"),
    ("メールアドレス", "email"),
    ("受信時のログ", "log_receive"),
    ("送信時のログ", "log_send"),
    ("受信サーバー", "recv_source"),
    ("受信サーバー名", "pop_host"),
    ("受信ポート", "pop_port"),
    ("受信の保護", "pop_protection"),
    ("ユーザーID", "pop_user"),
    ("パスワード", "pop_password"),
    ("認証方式", "pop_auth"),
    ("サーバータイムアウト", "timeout_secs"),
    ("サーバーに残す", "leave_on_server"),
    ("サーバーに残す日数", "leave_days"),
    ("送信サーバー", "send_source"),
    ("送信サーバー名", "smtp_host"),
    ("送信ポート", "smtp_port"),
    ("送信の保護", "smtp_protection"),
    ("送信時の認証", "smtp_auth"),
    ("SMTP認証方式", "smtp_mechanism"),
    ("送信ユーザーID", "smtp_user"),
    ("送信パスワード", "smtp_password"),
    ("通常使用", "default"),
];

const LOGIN: usize = 0;
const NAME: usize = 1;
const POP_PASSWORD: usize = 11;
const SMTP_PASSWORD: usize = 23;
const DEFAULT: usize = 24;

/// Stands for a stored password in an export; on import, a cell of only
/// `*` keeps the stored password, so an exported file re-imports as is.
const MASK: &str = "********";
const MAX_ROWS: usize = 10_000;
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CsvEncoding {
    Auto,
    Utf8,
    ShiftJis,
}

impl CsvEncoding {
    pub fn parse(s: &str) -> Self {
        match s.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => CsvEncoding::Utf8,
            "shift_jis" | "sjis" | "cp932" => CsvEncoding::ShiftJis,
            _ => CsvEncoding::Auto,
        }
    }
}

/// What is wrong where: `line` is the physical line a record starts on
/// (the header is line 1), `column` the Japanese header label or "" for
/// the line as a whole.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineError {
    pub line: usize,
    pub column: String,
    pub code: Code,
}

impl LineError {
    fn new(line: usize, column: &str, code: Code) -> Self {
        LineError {
            line,
            column: column.to_owned(),
            code,
        }
    }
}

/// One data row as the preview lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRow {
    pub line: usize,
    pub login_id: String,
    /// The owner's 氏名; empty when the login ID is unknown.
    pub user_name: String,
    pub name: String,
    pub email: String,
    /// The account exists and will be changed (else added).
    pub update: bool,
}

/// `added` and `updated` count the rows that saved without error; unless
/// `committed`, they say what the import would have done.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub rows: Vec<PreviewRow>,
    pub errors: Vec<LineError>,
    pub added: usize,
    pub updated: usize,
    pub committed: bool,
}

impl Outcome {
    fn failed(errors: Vec<LineError>) -> Self {
        Outcome {
            errors,
            ..Default::default()
        }
    }
}

fn label(key: &str) -> &'static str {
    // The server of XOAUTH2 is not a column: a new XOAUTH2 account is
    // added on its screen, where it signs in.
    let key = if key == "oauth_server_id" {
        "pop_auth"
    } else {
        key
    };
    COLUMNS
        .iter()
        .find(|(_, k)| *k == key)
        .map(|(l, _)| *l)
        .unwrap_or("")
}

// ---------------------------------------------------------------- export

fn flag(on: bool, yes: &'static str, no: &'static str) -> &'static str {
    if on { yes } else { no }
}

fn masked(sealed: &Option<String>) -> &'static str {
    if sealed.is_some() { MASK } else { "" }
}

fn export_record(login_id: &str, a: &Account) -> Vec<String> {
    vec![
        login_id.to_owned(),
        a.name.clone(),
        a.display_name.clone(),
        a.email.clone(),
        flag(a.log_receive, "出力する", "出力しない").into(),
        flag(a.log_send, "出力する", "出力しない").into(),
        a.recv_source.as_str().to_owned(),
        a.pop_host.clone(),
        a.pop_port.to_string(),
        a.pop_protection.as_str().to_owned(),
        a.pop_user.clone(),
        masked(&a.pop_password_sealed).into(),
        if a.pop_oauth {
            "xoauth2"
        } else {
            flag(a.pop_apop, "apop", "standard")
        }
        .into(),
        a.timeout_secs.to_string(),
        flag(a.leave_on_server, "する", "しない").into(),
        a.leave_days.map(|d| d.to_string()).unwrap_or_default(),
        a.send_source.as_str().to_owned(),
        a.smtp_host.clone(),
        a.smtp_port.to_string(),
        a.smtp_protection.as_str().to_owned(),
        a.smtp_auth.as_str().to_owned(),
        a.smtp_mechanism.as_str().to_owned(),
        a.smtp_user.clone(),
        masked(&a.smtp_password_sealed).into(),
        flag(a.is_default, "1", "0").into(),
    ]
}

/// What makes a spreadsheet read a cell as a formula (or, for `'`, what
/// this escaping itself starts with).
const FORMULA_START: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\''];

/// A cell a spreadsheet shows as text: one that would start a formula (a
/// display name such as `=HYPERLINK(…)`) gets a leading `'`, the
/// spreadsheets' own mark for "text", which the import takes off again.
fn inert(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_START) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// The cell as it was before `inert`.
fn uninert(cell: &str) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_START) => rest.to_owned(),
        _ => cell.to_owned(),
    }
}

/// Every account of every user, by login ID then account name. Passwords
/// never leave: a stored one is written as `********`. CRLF line ends and
/// a BOM (for UTF-8) because the file is meant for spreadsheets, which
/// otherwise guess the encoding wrong.
pub async fn export(db: &DatabaseConnection, encoding: CsvEncoding) -> Result<Vec<u8>> {
    let logins: HashMap<i32, String> = users::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.login_id))
        .collect();
    let mut accounts: Vec<(&str, Account)> = account::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|a| logins.get(&a.user_id).map(|l| (l.as_str(), a)))
        .collect();
    // Sorted here rather than in SQL so SQLite and PostgreSQL (whose
    // collations differ) give the same file.
    accounts.sort_by(|(la, a), (lb, b)| {
        la.cmp(lb)
            .then_with(|| a.name.cmp(&b.name))
            .then(a.id.cmp(&b.id))
    });

    let csv_err = |e: ::csv::Error| Error::Internal(format!("csv: {e}"));
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(COLUMNS.iter().map(|(l, _)| *l))
        .map_err(csv_err)?;
    for (login, a) in &accounts {
        w.write_record(
            export_record(login, a)
                .iter()
                .map(|c| inert(c).into_owned()),
        )
        .map_err(csv_err)?;
    }
    let utf8 = w
        .into_inner()
        .map_err(|e| Error::Internal(format!("csv: {}", e.error())))?;

    match encoding {
        CsvEncoding::Auto | CsvEncoding::Utf8 => {
            let mut out = UTF8_BOM.to_vec();
            out.extend_from_slice(&utf8);
            Ok(out)
        }
        CsvEncoding::ShiftJis => {
            let text = String::from_utf8(utf8)
                .map_err(|_| Error::Internal("csv: output is not UTF-8".into()))?;
            let (bytes, _, unmappable) = SHIFT_JIS.encode(&text);
            // encoding_rs would write unmappable characters as `&#NNNN;`,
            // which a re-import would store as is: refuse rather than
            // change names behind the admin's back. UTF-8 holds everything.
            if unmappable {
                return Err(Error::field("encoding", Code::InvalidChars));
            }
            Ok(bytes.into_owned())
        }
    }
}

// ---------------------------------------------------------------- import

/// The text of the file, or the lines holding bytes that are not valid in
/// the encoding.
fn decode(bytes: &[u8], encoding: CsvEncoding) -> std::result::Result<String, Vec<LineError>> {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return decode_with(UTF_8, rest);
    }
    match encoding {
        CsvEncoding::Auto => match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_owned()),
            // Japanese spreadsheets save CSV as CP932 unless told otherwise.
            Err(_) => decode_with(SHIFT_JIS, bytes),
        },
        CsvEncoding::Utf8 => decode_with(UTF_8, bytes),
        CsvEncoding::ShiftJis => decode_with(SHIFT_JIS, bytes),
    }
}

fn decode_with(
    encoding: &'static Encoding,
    bytes: &[u8],
) -> std::result::Result<String, Vec<LineError>> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(
        decoder
            .max_utf8_buffer_length_without_replacement(bytes.len())
            .unwrap_or(bytes.len()),
    );
    let mut errors: Vec<LineError> = Vec::new();
    let mut pos = 0;
    loop {
        let (result, read) =
            decoder.decode_to_string_without_replacement(&bytes[pos..], &mut out, true);
        pos += read;
        match result {
            DecoderResult::InputEmpty => break,
            DecoderResult::OutputFull => out.reserve(
                decoder
                    .max_utf8_buffer_length_without_replacement(bytes.len() - pos)
                    .unwrap_or(64)
                    .max(64),
            ),
            DecoderResult::Malformed(bad, after) => {
                let start = pos.saturating_sub(usize::from(bad) + usize::from(after));
                // Neither UTF-8 nor Shift_JIS uses 0x0A inside a character,
                // so counting it finds the physical line.
                let line = 1 + bytes[..start].iter().filter(|&&b| b == b'\n').count();
                if errors.last().map(|e| e.line) != Some(line) {
                    errors.push(LineError::new(line, "", Code::InvalidChars));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Physical line numbers from byte offsets, counted forward only once.
struct Lines<'a> {
    bytes: &'a [u8],
    at: usize,
    line: usize,
}

impl Lines<'_> {
    /// The line of the first byte at or after `offset` that is not a line
    /// end. The csv crate ends a record at the CR of a CRLF and reports the
    /// next record as starting on that LF (one line too early), so its own
    /// line numbers are wrong for exactly the files spreadsheets write.
    fn of(&mut self, offset: usize) -> usize {
        let mut start = offset.min(self.bytes.len());
        while start < self.bytes.len() && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.at {
            self.line += self.bytes[self.at..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.at = start;
        }
        self.line
    }
}

/// The records with the line each starts on. Lines with nothing but
/// separators are skipped: spreadsheets leave them after the data.
fn records(text: &str) -> std::result::Result<Vec<(usize, Vec<String>)>, Vec<LineError>> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut lines = Lines {
        bytes: text.as_bytes(),
        at: 0,
        line: 1,
    };
    let mut out = Vec::new();
    let mut record = ::csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                if record.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                let line = lines.of(record.position().map_or(0, |p| p.byte() as usize));
                out.push((line, record.iter().map(uninert).collect()));
            }
            Err(e) => {
                let line = lines.of(e.position().map_or(0, |p| p.byte() as usize));
                return Err(vec![LineError::new(line, "", Code::InvalidChars)]);
            }
        }
    }
    Ok(out)
}

/// Extra cells are tolerated when empty (trailing separators that
/// spreadsheets add); anything else is the wrong shape.
fn has_column_count(cells: &[String]) -> bool {
    cells.len() >= COLUMNS.len() && cells[COLUMNS.len()..].iter().all(|c| c.trim().is_empty())
}

fn wrong_shape(line: usize) -> LineError {
    LineError::new(
        line,
        "",
        Code::ColumnCount {
            expected: COLUMNS.len() as u32,
        },
    )
}

fn check_header(line: usize, cells: &[String]) -> Vec<LineError> {
    if !has_column_count(cells) {
        return vec![wrong_shape(line)];
    }
    COLUMNS
        .iter()
        .zip(cells)
        .filter(|((ja, en), cell)| {
            let c = cell.trim().trim_start_matches('\u{feff}').to_lowercase();
            c != ja.to_lowercase() && c != *en
        })
        .map(|((ja, _), _)| LineError::new(line, ja, Code::Required))
        .collect()
}

/// Lower case, half-width parentheses, no spaces: the form a choice is
/// compared in, so `標準（APOP）`, `SSL/TLS` and `smtp` all match.
fn fold(v: &str) -> String {
    v.trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect::<String>()
        .to_lowercase()
}

/// None when the value is no yes/no at all. Empty is "no", as an
/// unchecked box on the form.
fn yes_no(v: &str) -> Option<bool> {
    match fold(v).as_str() {
        "" | "0" | "false" | "off" | "no" | "出力しない" | "しない" => Some(false),
        "1" | "true" | "on" | "yes" | "出力する" | "する" => Some(true),
        _ => None,
    }
}

/// The labels the UI shows map to the stored names; anything else passes
/// through (trimmed, as typed) for `check` to reject with the form's code.
fn choice(v: &str, aliases: &[(&str, &str)]) -> String {
    let f = fold(v);
    aliases
        .iter()
        .find(|(alias, _)| fold(alias) == f)
        .map(|(_, name)| (*name).to_owned())
        .unwrap_or_else(|| if f.is_ascii() { f } else { v.trim().to_owned() })
}

const SOURCES: &[(&str, &str)] = &[
    ("admin", "admin"),
    ("webmail", "webmail"),
    ("own", "own"),
    ("管理者設定", "admin"),
    ("ウェブメールの設定", "webmail"),
    ("個別に設定する", "own"),
];
const PROTECTIONS: &[(&str, &str)] = &[
    ("none", "none"),
    ("ssl", "ssl"),
    ("ssl-tls", "ssl"),
    ("ssl/tls", "ssl"),
    ("starttls", "starttls"),
    ("starttls-noverify", "starttls-noverify"),
    ("なし", "none"),
    ("STARTTLS（証明書の検証なし）", "starttls-noverify"),
];
const POP_AUTHS: &[(&str, &str)] = &[
    ("standard", "standard"),
    ("apop", "apop"),
    ("標準", "standard"),
    ("標準（APOP）", "apop"),
    ("xoauth2", "xoauth2"),
];
const SMTP_AUTHS: &[(&str, &str)] = &[
    ("none", "none"),
    ("pop-before-smtp", "pop-before-smtp"),
    ("smtp", "smtp"),
    ("認証しない", "none"),
    ("POP before SMTP", "pop-before-smtp"),
    ("SMTP認証", "smtp"),
    ("xoauth2", "xoauth2"),
];
const MECHANISMS: &[(&str, &str)] = &[
    ("standard", "standard"),
    ("cram-md5", "cram-md5"),
    ("login", "login"),
    ("plain", "plain"),
    ("標準", "standard"),
];

/// A password cell: empty or all `*` keeps the stored password. Not
/// trimmed otherwise, as spaces may belong to a password.
fn password(v: &str) -> String {
    let t = v.trim();
    if t.is_empty() || t.chars().all(|c| c == '*') {
        String::new()
    } else {
        v.to_owned()
    }
}

/// The form input of a record (which has every column), with the errors of
/// the yes/no columns, which `check` does not see as text.
fn input_of(line: usize, cells: &[String], errors: &mut Vec<LineError>) -> (AccountInput, bool) {
    let cell = |i: usize| cells[i].trim().to_owned();
    let mut yes_no_at = |i: usize| {
        yes_no(&cells[i]).unwrap_or_else(|| {
            errors.push(LineError::new(line, COLUMNS[i].0, Code::Required));
            false
        })
    };
    let log_receive = yes_no_at(4);
    let log_send = yes_no_at(5);
    let leave_on_server = yes_no_at(14);
    let default = yes_no_at(DEFAULT);
    let input = AccountInput {
        name: cell(NAME),
        display_name: cell(2),
        email: cell(3),
        log_receive,
        log_send,
        recv_source: choice(&cells[6], SOURCES),
        pop_host: cell(7),
        pop_port: cell(8),
        pop_protection: choice(&cells[9], PROTECTIONS),
        pop_user: cell(10),
        pop_password: password(&cells[POP_PASSWORD]),
        pop_auth: choice(&cells[12], POP_AUTHS),
        timeout_secs: cell(13),
        leave_on_server,
        leave_days: cell(15),
        // A file that says 0 days says so on purpose.
        delete_now_ok: true,
        send_source: choice(&cells[16], SOURCES),
        smtp_host: cell(17),
        smtp_port: cell(18),
        smtp_protection: choice(&cells[19], PROTECTIONS),
        smtp_auth: choice(&cells[20], SMTP_AUTHS),
        smtp_mechanism: choice(&cells[21], MECHANISMS),
        smtp_user: cell(22),
        smtp_password: password(&cells[SMTP_PASSWORD]),
        // Not a column: an existing account keeps its server (below).
        oauth_server_id: String::new(),
        // The file describes POP accounts (ウェブメール).
        ..AccountInput::default()
    };
    (input, default)
}

/// The data records of a file, decoded, split and under the row limit,
/// after its header was checked: everything the import does before it
/// looks at the database. Whatever the bytes, an answer and never a panic
/// (fuzzed: `scripts/fuzz.sh csv_import`).
pub fn read(
    bytes: &[u8],
    encoding: CsvEncoding,
) -> std::result::Result<Vec<(usize, Vec<String>)>, Vec<LineError>> {
    let text = decode(bytes, encoding)?;
    let mut records = records(&text)?;
    if records.is_empty() {
        return Err(vec![LineError::new(1, "", Code::Required)]);
    }
    let (header_line, header) = records.remove(0);
    let header_errors = check_header(header_line, &header);
    if !header_errors.is_empty() {
        return Err(header_errors);
    }
    if records.is_empty() {
        return Err(vec![LineError::new(header_line, "", Code::Required)]);
    }
    if let Some((line, _)) = records.get(MAX_ROWS) {
        return Err(vec![LineError::new(
            *line,
            "",
            Code::TooLong {
                max: MAX_ROWS as u32,
            },
        )]);
    }
    Ok(records)
}

/// The errors of one data record that need no database: its shape, its
/// yes/no cells and the account form's own checks.
pub fn check_row(line: usize, cells: &[String]) -> Vec<LineError> {
    if !has_column_count(cells) {
        return vec![wrong_shape(line)];
    }
    let mut errors = Vec::new();
    let (input, _) = input_of(line, cells, &mut errors);
    // `check` refuses only with field errors.
    if let Err(Error::Invalid(fields)) = check(&input, None) {
        errors.extend(field_errors(line, fields));
    }
    errors
}

fn field_errors(line: usize, fields: Vec<FieldError>) -> impl Iterator<Item = LineError> {
    fields
        .into_iter()
        .map(move |f| LineError::new(line, label(f.field), f.code))
}

/// A row that passed every check without the database.
struct Planned {
    line: usize,
    user_id: i32,
    existing: Option<Account>,
    input: AccountInput,
    default: bool,
}

async fn users_by_login(
    txn: &DatabaseTransaction,
    logins: &HashSet<String>,
) -> Result<HashMap<String, User>> {
    let logins: Vec<String> = logins.iter().cloned().collect();
    let mut found = HashMap::new();
    for chunk in logins.chunks(500) {
        for u in users::Entity::find()
            .filter(users::Column::LoginId.is_in(chunk.to_vec()))
            .all(txn)
            .await?
        {
            found.insert(u.login_id.to_lowercase(), u);
        }
    }
    Ok(found)
}

async fn accounts_by_key(
    txn: &DatabaseTransaction,
    user_ids: &[i32],
) -> Result<HashMap<(i32, String), Account>> {
    let mut found = HashMap::new();
    for chunk in user_ids.chunks(500) {
        for a in account::Entity::find()
            .filter(account::Column::UserId.is_in(chunk.to_vec()))
            .all(txn)
            .await?
        {
            found.insert((a.user_id, a.name.clone()), a);
        }
    }
    Ok(found)
}

/// Validates and, when `commit` and there is no error, saves every row in
/// one transaction. With `commit == false` (the preview) nothing is saved
/// even if all rows are good: the same saves run and are rolled back, so
/// the preview also reports what only the database can tell (a name
/// already taken, a shared server nobody has set up).
pub async fn import(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    actor: &Actor,
    bytes: &[u8],
    encoding: CsvEncoding,
    commit: bool,
) -> Result<Outcome> {
    let data = match read(bytes, encoding) {
        Ok(d) => d,
        Err(errors) => return Ok(Outcome::failed(errors)),
    };

    // Reads happen in the transaction too, so what a row updates is what
    // the row was checked against.
    let txn = crate::db::write(db).await?;
    let logins: HashSet<String> = data
        .iter()
        .filter_map(|(_, cells)| cells.get(LOGIN))
        .map(|l| l.trim().to_lowercase())
        .filter(|l| !l.is_empty())
        .collect();
    let people = users_by_login(&txn, &logins).await?;
    let user_ids: Vec<i32> = people.values().map(|u| u.id).collect();
    let mut existing = accounts_by_key(&txn, &user_ids).await?;

    let mut out = Outcome::default();
    let mut errors: Vec<LineError> = Vec::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut planned: Vec<Planned> = Vec::new();
    for (line, cells) in &data {
        let line = *line;
        if !has_column_count(cells) {
            errors.push(wrong_shape(line));
            continue;
        }
        let before = errors.len();
        let login = cells[LOGIN].trim().to_lowercase();
        let owner = people.get(&login);
        if owner.is_none() {
            let code = if login.is_empty() {
                Code::Required
            } else {
                Code::NotFound
            };
            errors.push(LineError::new(line, COLUMNS[LOGIN].0, code));
        }
        let (mut input, default) = input_of(line, cells, &mut errors);
        let name = input.name.trim().to_owned();
        if !name.is_empty() && !seen.insert((login.clone(), name.clone())) {
            errors.push(LineError::new(line, COLUMNS[NAME].0, Code::Duplicate));
        }
        let current = owner.and_then(|u| existing.remove(&(u.id, name.clone())));
        if let Some(server) = current.as_ref().and_then(|a| a.oauth_server_id) {
            input.oauth_server_id = server.to_string();
        }
        match check(&input, current.as_ref()) {
            Ok(_) => {}
            Err(Error::Invalid(fields)) => errors.extend(field_errors(line, fields)),
            Err(e) => return Err(e),
        }
        out.rows.push(PreviewRow {
            line,
            login_id: owner.map_or_else(|| cells[LOGIN].trim().to_owned(), |u| u.login_id.clone()),
            user_name: owner.map(|u| u.name.clone()).unwrap_or_default(),
            name,
            email: input.email.trim().to_owned(),
            update: current.is_some(),
        });
        if let Some(u) = owner
            && errors.len() == before
        {
            planned.push(Planned {
                line,
                user_id: u.id,
                existing: current,
                input,
                default,
            });
        }
    }

    // Rows already in error are not saved; the others are, even when some
    // row failed, so that one run reports the database's objections to
    // every row. The transaction is rolled back unless all went well.
    let mut defaults: HashMap<i32, i32> = HashMap::new();
    for p in planned {
        let updating = p.existing.is_some();
        match save_in(&txn, secrets, actor, p.user_id, p.existing, &p.input).await {
            Ok(saved) => {
                if updating {
                    out.updated += 1;
                } else {
                    out.added += 1;
                }
                if p.default && defaults.insert(p.user_id, saved.id).is_some() {
                    errors.push(LineError::new(p.line, COLUMNS[DEFAULT].0, Code::Duplicate));
                }
            }
            Err(Error::Invalid(fields)) => errors.extend(field_errors(p.line, fields)),
            Err(e) => return Err(e),
        }
    }
    for (user_id, account_id) in &defaults {
        account::Entity::update_many()
            .col_expr(
                account::Column::IsDefault,
                Expr::col(account::Column::Id).eq(*account_id),
            )
            .filter(account::Column::UserId.eq(*user_id))
            .exec(&txn)
            .await?;
    }

    errors.sort_by_key(|e| e.line);
    out.errors = errors;
    if commit && out.errors.is_empty() {
        audit::record(
            &txn,
            actor,
            "webmail.account.import",
            "mail_accounts",
            &format!("added={} updated={}", out.added, out.updated),
        )
        .await?;
        txn.commit().await?;
        out.committed = true;
    } else {
        txn.rollback().await?;
    }
    Ok(out)
}

#[cfg(test)]
mod inert_tests {
    use super::{inert, uninert};

    #[test]
    fn formula_cells_are_exported_as_text_and_read_back_unchanged() {
        for (cell, out) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+81 3", "'+81 3"),
            ("-営業部", "'-営業部"),
            ("@sato", "'@sato"),
            ("\tx", "'\tx"),
            ("'=already", "''=already"),
            ("'plain", "''plain"),
            ("山田 太郎", "山田 太郎"),
            ("", ""),
        ] {
            assert_eq!(inert(cell), out);
            assert_eq!(uninert(out), cell);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use sea_orm::{PaginatorTrait, QueryOrder};

    async fn database() -> DatabaseConnection {
        crate::testing::migrated("sqlite::memory:").await
    }

    fn secrets() -> SecretBox {
        let key = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        SecretBox::load_or_create(&std::env::temp_dir(), Some(&key)).expect("key")
    }

    async fn user(db: &DatabaseConnection, login: &str, name: &str) -> User {
        crate::testing::user(login).name(name).insert(db).await
    }

    fn header() -> String {
        COLUMNS
            .iter()
            .map(|(l, _)| *l)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// A row with its own servers, so no shared server settings are needed.
    fn row(login: &str, name: &str, display: &str, email: &str, password: &str) -> String {
        format!(
            "{login},{name},{display},{email},出力しない,出力しない,own,pop.example.jp,110,none,\
             {login}-pop,{password},standard,30,しない,,own,smtp.example.jp,587,starttls,smtp,\
             standard,,,0"
        )
    }

    fn file(rows: &[String]) -> String {
        let mut s = header();
        for r in rows {
            s.push_str("\r\n");
            s.push_str(r);
        }
        s.push_str("\r\n");
        s
    }

    async fn run(
        db: &DatabaseConnection,
        bytes: &[u8],
        encoding: CsvEncoding,
        commit: bool,
    ) -> Outcome {
        import(db, &secrets(), &Actor::system(), bytes, encoding, commit)
            .await
            .expect("import")
    }

    async fn all_accounts(db: &DatabaseConnection) -> Vec<Account> {
        account::Entity::find()
            .order_by_asc(account::Column::Id)
            .all(db)
            .await
            .expect("accounts")
    }

    async fn count(db: &DatabaseConnection) -> u64 {
        account::Entity::find().count(db).await.expect("count")
    }

    fn err(line: usize, column: &str, code: Code) -> LineError {
        LineError::new(line, column, code)
    }

    #[test]
    fn encoding_names() {
        assert_eq!(CsvEncoding::parse("UTF-8"), CsvEncoding::Utf8);
        assert_eq!(CsvEncoding::parse("utf8"), CsvEncoding::Utf8);
        assert_eq!(CsvEncoding::parse("Shift_JIS"), CsvEncoding::ShiftJis);
        assert_eq!(CsvEncoding::parse("sjis"), CsvEncoding::ShiftJis);
        assert_eq!(CsvEncoding::parse("cp932"), CsvEncoding::ShiftJis);
        assert_eq!(CsvEncoding::parse(""), CsvEncoding::Auto);
        assert_eq!(CsvEncoding::parse("auto"), CsvEncoding::Auto);
    }

    #[tokio::test]
    async fn shift_jis_file_with_japanese_names_imports() {
        let db = database().await;
        user(&db, "taro", "山田 太郎").await;
        let text = file(&[
            row(
                "taro",
                "営業用",
                "山田 太郎（営業部）",
                "taro@example.jp",
                "secret",
            ),
            row("taro", "個人用～①", "ﾔﾏﾀﾞ", "yamada@example.jp", "secret"),
        ]);
        let (sjis, _, unmappable) = SHIFT_JIS.encode(&text);
        assert!(!unmappable);
        assert!(std::str::from_utf8(&sjis).is_err(), "really not UTF-8");

        for encoding in [CsvEncoding::ShiftJis, CsvEncoding::Auto] {
            let o = run(&db, &sjis, encoding, encoding == CsvEncoding::Auto).await;
            assert_eq!(o.errors, vec![], "{encoding:?}");
            assert_eq!((o.added, o.updated), (2, 0), "{encoding:?}");
            assert_eq!(o.rows[0].name, "営業用");
            assert_eq!(o.rows[0].user_name, "山田 太郎");
        }
        let saved = all_accounts(&db).await;
        assert_eq!(saved.len(), 2);
        assert_eq!(saved[0].name, "営業用");
        assert_eq!(saved[0].display_name, "山田 太郎（営業部）");
        assert_eq!(saved[1].name, "個人用～①");
        assert_eq!(saved[1].display_name, "ﾔﾏﾀﾞ");
        assert!(saved[0].is_default, "a user's first account is the default");
    }

    #[tokio::test]
    async fn utf8_file_with_bom_imports_whatever_encoding_is_chosen() {
        let db = database().await;
        user(&db, "hanako", "佐藤 花子").await;
        let mut bytes = UTF8_BOM.to_vec();
        bytes.extend_from_slice(
            file(&[row(
                "hanako",
                "仕事",
                "佐藤 花子",
                "hanako@example.jp",
                "pw",
            )])
            .as_bytes(),
        );
        let o = run(&db, &bytes, CsvEncoding::ShiftJis, true).await;
        assert_eq!(o.errors, vec![]);
        assert!(o.committed);
        assert_eq!(all_accounts(&db).await[0].display_name, "佐藤 花子");
    }

    #[tokio::test]
    async fn english_header_and_ui_labels_are_accepted() {
        let db = database().await;
        user(&db, "taro", "山田 太郎").await;
        let en = COLUMNS
            .iter()
            .map(|(_, k)| k.to_uppercase())
            .collect::<Vec<_>>()
            .join(" , ");
        let text = format!(
            "{en}\nTaro,会社,,taro@example.jp,出力する,1,個別に設定する,pop.example.jp,995,SSL/TLS,\
             taro,pw,標準（APOP）,60,する,7,個別に設定する,smtp.example.jp,465,ssl-tls,SMTP認証,\
             CRAM-MD5,sender,spw,on\n"
        );
        let o = run(&db, text.as_bytes(), CsvEncoding::Auto, true).await;
        assert_eq!(o.errors, vec![]);
        let a = &all_accounts(&db).await[0];
        assert!(a.log_receive && a.log_send && a.pop_apop && a.leave_on_server);
        assert_eq!(a.recv_source, crate::webmail::Source::Own);
        assert_eq!(a.pop_protection.as_str(), "ssl");
        assert_eq!(a.smtp_protection.as_str(), "ssl");
        assert_eq!(a.smtp_auth.as_str(), "smtp");
        assert_eq!(a.smtp_mechanism.as_str(), "cram-md5");
        assert_eq!(a.leave_days, Some(7));
        assert_eq!(a.timeout_secs, 60);
    }

    #[tokio::test]
    async fn one_bad_row_saves_nothing() {
        let db = database().await;
        user(&db, "taro", "山田 太郎").await;
        user(&db, "hanako", "佐藤 花子").await;
        let before = count(&db).await;
        let text = file(&[
            row("taro", "A", "", "taro@example.jp", "pw"),
            row("hanako", "B", "", "not-an-address", "pw"),
            row("hanako", "C", "", "hanako@example.jp", "pw"),
        ]);
        let o = run(&db, text.as_bytes(), CsvEncoding::Auto, true).await;
        assert_eq!(o.errors, vec![err(3, "メールアドレス", Code::InvalidEmail)]);
        assert!(!o.committed);
        assert_eq!(o.rows.len(), 3);
        assert_eq!(count(&db).await, before);
        assert_eq!(before, 0);
    }

    #[tokio::test]
    async fn all_errors_are_reported_with_their_columns() {
        let db = database().await;
        user(&db, "taro", "山田 太郎").await;
        let mut bad = row("taro", "", "", "", "pw");
        bad = bad.replace(",110,", ",0,").replace(",30,", ",999,");
        let text = file(&[bad, "taro,only,three".into()]);
        let o = run(&db, text.as_bytes(), CsvEncoding::Auto, true).await;
        assert_eq!(
            o.errors,
            vec![
                err(2, "アカウント名", Code::Required),
                err(2, "メールアドレス", Code::Required),
                err(2, "受信ポート", Code::InvalidPort),
                err(2, "サーバータイムアウト", Code::Range { min: 1, max: 300 }),
                err(3, "", Code::ColumnCount { expected: 25 }),
            ]
        );
        assert_eq!(Code::ColumnCount { expected: 25 }.key(), "column_count");
        assert_eq!(Code::ColumnCount { expected: 25 }.param(), Some(25));
    }

    #[tokio::test]
    async fn stars_keep_the_stored_password() {
        let db = database().await;
        user(&db, "taro", "山田 太郎").await;
        let mut first = row("taro", "A", "旧", "taro@example.jp", "first-secret");
        first = first.replace(",,,0", ",sender,smtp-secret,0");
        let o = run(&db, file(&[first]).as_bytes(), CsvEncoding::Auto, true).await;
        assert!(o.committed, "{:?}", o.errors);
        let before = all_accounts(&db).await.remove(0);

        let mut again = row("taro", "A", "新", "taro@example.jp", MASK);
        again = again.replace(",,,0", ",sender,*,0");
        let o = run(&db, file(&[again]).as_bytes(), CsvEncoding::Auto, true).await;
        assert_eq!((o.added, o.updated, o.committed), (0, 1, true));
        let after = all_accounts(&db).await.remove(0);
        assert_eq!(after.id, before.id);
        assert_eq!(after.display_name, "新");
        assert_eq!(after.pop_password_sealed, before.pop_password_sealed);
        assert_eq!(after.smtp_password_sealed, before.smtp_password_sealed);
        let sealed = after.pop_password_sealed.expect("stored");
        assert_eq!(
            secrets()
                .open(crate::mailbox::SECRET_LABEL, &sealed)
                .expect("open"),
            "first-secret"
        );
    }

    /// `********` keeps a stored password only for the server and user ID
    /// it was saved with; pointing the account elsewhere needs it typed.
    #[tokio::test]
    async fn stars_for_another_server_need_the_password_again() {
        let db = database().await;
        user(&db, "taro", "山田 太郎").await;
        let first = row("taro", "A", "旧", "taro@example.jp", "first-secret");
        let o = run(&db, file(&[first]).as_bytes(), CsvEncoding::Auto, true).await;
        assert!(o.committed, "{:?}", o.errors);
        let before = all_accounts(&db).await.remove(0);
        let moved = row("taro", "A", "旧", "taro@example.jp", MASK)
            .replace("pop.example.jp", "pop.elsewhere.jp");
        let o = run(&db, file(&[moved]).as_bytes(), CsvEncoding::Auto, true).await;
        assert_eq!(o.errors, vec![err(2, "パスワード", Code::PasswordAgain)]);
        assert!(!o.committed);
        let after = all_accounts(&db).await.remove(0);
        assert_eq!(after.pop_host, "pop.example.jp", "nothing half-saved");
        assert_eq!(after.pop_password_sealed, before.pop_password_sealed);
    }

    #[tokio::test]
    async fn stars_for_a_new_account_need_a_password() {
        let db = database().await;
        user(&db, "taro", "山田 太郎").await;
        let text = file(&[row("taro", "A", "", "taro@example.jp", MASK)]);
        let o = run(&db, text.as_bytes(), CsvEncoding::Auto, true).await;
        assert_eq!(o.errors, vec![err(2, "パスワード", Code::Required)]);
    }

    #[tokio::test]
    async fn export_hides_passwords_and_reimports_unchanged() {
        let db = database().await;
        user(&db, "taro", "山田 太郎").await;
        user(&db, "hanako", "佐藤 花子").await;
        let text = file(&[
            // A name a spreadsheet would run as a formula.
            row("taro", "B", "=山田", "taro@example.jp", "Plain-Pass-1"),
            row(
                "taro",
                "A",
                "\"山田, \"\"太郎\"\"\"",
                "taro2@example.jp",
                "Plain-Pass-1",
            ),
            row(
                "hanako",
                "仕事",
                "佐藤 花子",
                "hanako@example.jp",
                "Plain-Pass-1",
            )
            .replace(",,,0", ",sender,Smtp-Pass-2,1"),
        ]);
        let o = run(&db, text.as_bytes(), CsvEncoding::Auto, true).await;
        assert!(o.committed, "{:?}", o.errors);
        let before = all_accounts(&db).await;

        for encoding in [CsvEncoding::Utf8, CsvEncoding::ShiftJis] {
            let out = export(&db, encoding).await.expect("export");
            let text = match encoding {
                CsvEncoding::ShiftJis => SHIFT_JIS.decode(&out).0.into_owned(),
                _ => {
                    assert!(out.starts_with(UTF8_BOM));
                    String::from_utf8(out[3..].to_vec()).expect("utf-8")
                }
            };
            assert!(!text.contains("Plain-Pass-1"));
            assert!(!text.contains("Smtp-Pass-2"));
            let lines: Vec<&str> = text.split("\r\n").collect();
            assert_eq!(lines[0], header());
            assert_eq!(lines.len(), 5, "header, 3 rows, empty after the last CRLF");
            assert!(lines[1].starts_with("hanako,仕事,"));
            assert!(lines[1].contains(",hanako-pop,********,standard,"));
            assert!(lines[1].ends_with(",smtp,standard,sender,********,1"));
            assert!(lines[2].contains(",\"山田, \"\"太郎\"\"\","));
            assert!(lines[2].starts_with("taro,A,"));
            assert!(lines[3].starts_with("taro,B,'=山田,"), "{}", lines[3]);

            let o = run(&db, &out, CsvEncoding::Auto, true).await;
            assert_eq!(o.errors, vec![], "{encoding:?}");
            assert_eq!((o.added, o.updated, o.committed), (0, 3, true));
            let after = all_accounts(&db).await;
            assert_eq!(after.len(), before.len());
            for (a, b) in after.iter().zip(&before) {
                let mut a = a.clone();
                a.updated_at = b.updated_at;
                assert_eq!(&a, b, "{encoding:?}");
            }
        }
    }

    #[tokio::test]
    async fn export_to_shift_jis_refuses_what_it_cannot_hold() {
        let db = database().await;
        user(&db, "taro", "山田 太郎").await;
        let text = file(&[row("taro", "A", "😀", "taro@example.jp", "pw")]);
        assert!(
            run(&db, text.as_bytes(), CsvEncoding::Auto, true)
                .await
                .committed
        );
        assert!(matches!(
            export(&db, CsvEncoding::ShiftJis).await,
            Err(Error::Invalid(_))
        ));
        assert!(export(&db, CsvEncoding::Utf8).await.is_ok());
    }

    #[tokio::test]
    async fn preview_saves_nothing() {
        let db = database().await;
        user(&db, "taro", "山田 太郎").await;
        let text = file(&[
            row("taro", "A", "", "taro@example.jp", "pw"),
            row("taro", "B", "", "taro@example.jp", "pw"),
        ]);
        let o = run(&db, text.as_bytes(), CsvEncoding::Auto, false).await;
        assert_eq!(o.errors, vec![]);
        assert_eq!((o.added, o.updated, o.committed), (2, 0, false));
        assert_eq!(o.rows.len(), 2);
        assert!(!o.rows[0].update);
        assert_eq!(count(&db).await, 0);
    }

    #[tokio::test]
    async fn preview_reports_database_errors() {
        let db = database().await;
        user(&db, "taro", "山田 太郎").await;
        let admin = row("taro", "A", "", "taro@example.jp", "pw").replacen(",own,", ",admin,", 1);
        let o = run(&db, file(&[admin]).as_bytes(), CsvEncoding::Auto, false).await;
        assert_eq!(o.errors, vec![err(2, "受信サーバー", Code::NotConfigured)]);
        assert_eq!(count(&db).await, 0);
    }

    #[tokio::test]
    async fn unknown_login_id() {
        let db = database().await;
        user(&db, "taro", "山田 太郎").await;
        let text = file(&[
            row("taro", "A", "", "taro@example.jp", "pw"),
            row("nobody", "A", "", "x@example.jp", "pw"),
        ]);
        let o = run(&db, text.as_bytes(), CsvEncoding::Auto, true).await;
        assert_eq!(o.errors, vec![err(3, "ログインID", Code::NotFound)]);
        assert_eq!(o.rows[1].user_name, "");
        assert_eq!(count(&db).await, 0);
    }

    #[tokio::test]
    async fn duplicate_row_in_file() {
        let db = database().await;
        user(&db, "taro", "山田 太郎").await;
        let text = file(&[
            row("taro", "A", "", "taro@example.jp", "pw"),
            row("TARO", " A ", "", "taro@example.jp", "pw"),
        ]);
        let o = run(&db, text.as_bytes(), CsvEncoding::Auto, true).await;
        assert_eq!(o.errors, vec![err(3, "アカウント名", Code::Duplicate)]);
        assert_eq!(count(&db).await, 0);
    }

    #[tokio::test]
    async fn empty_header_only_and_bad_header() {
        let db = database().await;
        for bytes in [
            Vec::new(),
            UTF8_BOM.to_vec(),
            format!("{}\r\n", header()).into_bytes(),
            format!("{}\r\n,,,\r\n", header()).into_bytes(),
        ] {
            let o = run(&db, &bytes, CsvEncoding::Auto, true).await;
            assert_eq!(o.errors, vec![err(1, "", Code::Required)]);
            assert!(!o.committed);
        }
        let bad = header().replace("表示名", "氏名");
        let o = run(
            &db,
            format!("{bad}\r\n").as_bytes(),
            CsvEncoding::Auto,
            true,
        )
        .await;
        assert_eq!(o.errors, vec![err(1, "表示名", Code::Required)]);
        let short = "ログインID,アカウント名\r\ntaro,A\r\n";
        let o = run(&db, short.as_bytes(), CsvEncoding::Auto, true).await;
        assert_eq!(
            o.errors,
            vec![err(1, "", Code::ColumnCount { expected: 25 })]
        );
    }

    #[tokio::test]
    async fn undecodable_bytes_name_their_line() {
        let db = database().await;
        user(&db, "taro", "山田 太郎").await;
        let utf8 = file(&[row("taro", "A", "", "taro@example.jp", "pw")]);
        let third = row("taro", "営業", "", "taro@example.jp", "pw");
        let (line3, _, _) = SHIFT_JIS.encode(&third);
        let mut mixed = utf8.clone().into_bytes();
        mixed.extend_from_slice(&line3);
        let o = run(&db, &mixed, CsvEncoding::Utf8, true).await;
        assert_eq!(o.errors, vec![err(3, "", Code::InvalidChars)]);
        assert_eq!(count(&db).await, 0);

        let (sjis, _, _) = SHIFT_JIS.encode(&utf8);
        let mut broken = sjis.into_owned();
        broken.extend_from_slice(b"taro,\x81,\r\n");
        let o = run(&db, &broken, CsvEncoding::ShiftJis, true).await;
        assert_eq!(o.errors, vec![err(3, "", Code::InvalidChars)]);
    }

    #[tokio::test]
    async fn lines_count_quoted_line_breaks_and_blank_lines() {
        let db = database().await;
        user(&db, "taro", "山田 太郎").await;
        for end in ["\r\n", "\n"] {
            let text = [
                header(),
                row("taro", "A", "\"二行の\r\n表示名\"", "taro@example.jp", "pw"),
                String::new(),
                ",,,,".into(),
                row("taro", "B", "", "bad", "pw"),
            ]
            .join(end);
            let o = run(&db, text.as_bytes(), CsvEncoding::Auto, false).await;
            assert_eq!(o.rows[1].line, 6, "{end:?}");
            assert_eq!(
                o.errors,
                vec![
                    err(2, "表示名", Code::InvalidChars),
                    err(6, "メールアドレス", Code::InvalidEmail)
                ]
            );
            assert_eq!(o.rows[0].line, 2);
        }
    }

    #[tokio::test]
    async fn too_many_rows() {
        let db = database().await;
        let mut text = header();
        for i in 0..=MAX_ROWS {
            text.push_str(&format!("\r\nx,{i}"));
        }
        let o = run(&db, text.as_bytes(), CsvEncoding::Auto, true).await;
        assert_eq!(
            o.errors,
            vec![err(10_002, "", Code::TooLong { max: 10_000 })]
        );
    }

    #[tokio::test]
    async fn default_column_moves_the_default() {
        let db = database().await;
        user(&db, "taro", "山田 太郎").await;
        let text = file(&[
            row("taro", "A", "", "taro@example.jp", "pw"),
            row("taro", "B", "", "taro@example.jp", "pw"),
        ]);
        assert!(
            run(&db, text.as_bytes(), CsvEncoding::Auto, true)
                .await
                .committed
        );
        let defaults = |v: Vec<Account>| v.iter().map(|a| a.is_default).collect::<Vec<_>>();
        assert_eq!(defaults(all_accounts(&db).await), vec![true, false]);

        let b_default = row("taro", "B", "", "taro@example.jp", "").replace(",,,0", ",,,1");
        let o = run(&db, file(&[b_default]).as_bytes(), CsvEncoding::Auto, true).await;
        assert!(o.committed, "{:?}", o.errors);
        assert_eq!(defaults(all_accounts(&db).await), vec![false, true]);

        let two = file(&[
            row("taro", "A", "", "taro@example.jp", "").replace(",,,0", ",,,1"),
            row("taro", "B", "", "taro@example.jp", "").replace(",,,0", ",,,1"),
        ]);
        let o = run(&db, two.as_bytes(), CsvEncoding::Auto, true).await;
        assert_eq!(o.errors, vec![err(3, "通常使用", Code::Duplicate)]);
        assert_eq!(defaults(all_accounts(&db).await), vec![false, true]);
    }
}
