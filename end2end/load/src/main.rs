//! Signed-in webmail sessions against a running Tayori, for
//! `scripts/bench-load.sh`: each Goose user signs in as one of the seeded
//! users (LOAD_SEED_FILE: "login account" lines, LOAD_PASSWORD) and then,
//! with a pause of LOAD_WAIT_MS (±50 %; 0: none) between steps, does what a
//! person at the mail screen does — lists the inbox, opens a message,
//! searches, loads the mail page, sends a message to another seeded user
//! and presses 受信 (LOAD_STEPS chooses some of these). Requests go through the same routes the browser uses, with the
//! same-origin header the browser sends.
use std::sync::OnceLock;
use std::time::Duration;

use goose::goose::GooseResponse;
use goose::prelude::*;
use reqwest::header::{HeaderMap, HeaderValue, ORIGIN};

struct Session {
    account: i32,
    number: usize,
    /// Message ids seen in the last listing, opened in turn.
    ids: Vec<i64>,
    step: usize,
}

fn seeds() -> &'static Vec<(String, i32)> {
    static SEEDS: OnceLock<Vec<(String, i32)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let path = std::env::var("LOAD_SEED_FILE").expect("LOAD_SEED_FILE");
        std::fs::read_to_string(&path)
            .expect("seed file")
            .lines()
            .filter_map(|l| {
                let (login, account) = l.split_once(' ')?;
                Some((login.to_owned(), account.trim().parse().ok()?))
            })
            .collect()
    })
}

fn password() -> String {
    std::env::var("LOAD_PASSWORD").expect("LOAD_PASSWORD")
}

/// A named POST of form fields; the name groups the figures.
async fn form(
    user: &mut GooseUser,
    name: &str,
    path: &str,
    fields: &[(&str, String)],
) -> Result<GooseResponse, Box<TransactionError>> {
    let rb = user
        .get_request_builder(&GooseMethod::Post, path)?
        .form(fields);
    let req = GooseRequest::builder()
        .set_request_builder(rb)
        .name(name)
        .build();
    Ok(user.request(req).await?)
}

/// The JSON body of a successful answer; anything else is recorded as a
/// failure of that request.
async fn json(user: &mut GooseUser, mut r: GooseResponse) -> Option<serde_json::Value> {
    match r.response {
        Ok(resp) if resp.status().is_success() => match resp.json().await {
            Ok(v) => Some(v),
            Err(e) => {
                let _ = user.set_failure(&e.to_string(), &mut r.request, None, None);
                None
            }
        },
        Ok(resp) => {
            let status = resp.status();
            let body = resp.text().await.unwrap_or_default();
            let _ = user.set_failure(
                &format!("{status}"),
                &mut r.request,
                None,
                Some(&body.chars().take(300).collect::<String>()),
            );
            None
        }
        Err(_) => None,
    }
}

async fn sign_in(user: &mut GooseUser) -> TransactionResult {
    let mut headers = HeaderMap::new();
    let origin = user.base_url.origin().ascii_serialization();
    headers.insert(
        ORIGIN,
        HeaderValue::from_str(&origin).expect("an origin is a header value"),
    );
    user.set_client_builder(
        reqwest::Client::builder()
            .cookie_store(true)
            .default_headers(headers)
            .timeout(Duration::from_secs(60)),
    )
    .await?;
    let seeds = seeds();
    let number = user.weighted_users_index % seeds.len();
    let (login, account) = seeds[number].clone();
    let r = form(
        user,
        "sign in",
        "/api/login",
        &[("login_id", login), ("password", password())],
    )
    .await?;
    json(user, r).await;
    user.set_session_data(Session {
        account,
        number,
        ids: Vec::new(),
        step: 0,
    });
    Ok(())
}

fn session(user: &mut GooseUser) -> (i32, usize, usize) {
    let s = user.get_session_data_mut::<Session>().expect("signed in");
    s.step += 1;
    (s.account, s.number, s.step)
}

async fn list(user: &mut GooseUser) -> TransactionResult {
    let (account, ..) = session(user);
    let r = form(
        user,
        "list",
        "/api/mail_list",
        &[("account", account.to_string())],
    )
    .await?;
    if let Some(v) = json(user, r).await {
        let ids: Vec<i64> = v["rows"]
            .as_array()
            .map(|rows| rows.iter().filter_map(|r| r["id"].as_i64()).collect())
            .unwrap_or_default();
        if let Some(s) = user.get_session_data_mut::<Session>() {
            s.ids = ids;
        }
    }
    Ok(())
}

async fn open(user: &mut GooseUser) -> TransactionResult {
    let (_, _, step) = session(user);
    let id = match user.get_session_data::<Session>() {
        Some(s) if !s.ids.is_empty() => s.ids[step % s.ids.len()],
        _ => return list(user).await,
    };
    let r = form(user, "open", "/api/read_message", &[("id", id.to_string())]).await?;
    json(user, r).await;
    Ok(())
}

async fn search(user: &mut GooseUser) -> TransactionResult {
    let (account, _, step) = session(user);
    let q = ["会議", "稟議", "meeting", "東京都庁"][step % 4];
    let r = form(
        user,
        "search",
        "/api/mail_list",
        &[("account", account.to_string()), ("q", q.to_owned())],
    )
    .await?;
    json(user, r).await;
    Ok(())
}

async fn page(user: &mut GooseUser) -> TransactionResult {
    let (account, ..) = session(user);
    let rb = user.get_request_builder(&GooseMethod::Get, &format!("/mail?account={account}"))?;
    let req = GooseRequest::builder()
        .set_request_builder(rb)
        .name("mail page")
        .build();
    user.request(req).await?;
    Ok(())
}

async fn send(user: &mut GooseUser) -> TransactionResult {
    let (account, number, step) = session(user);
    let seeds = seeds();
    let (to, _) = &seeds[(number + step) % seeds.len()];
    let domain = std::env::var("MS_DOMAIN").unwrap_or_else(|_| "example.test".into());
    let body = serde_json::json!({
        "account": account,
        "to": format!("{to}@{domain}"),
        "subject": format!("負荷試験 {number}-{step}"),
        "body": "お疲れさまです。\n定例会議の資料を送ります。\nよろしくお願いします。\n",
        "charset": "utf-8",
    });
    let rb = user
        .get_request_builder(&GooseMethod::Post, "/api/send_mail")?
        .json(&body);
    let req = GooseRequest::builder()
        .set_request_builder(rb)
        .name("send")
        .build();
    let r = user.request(req).await?;
    json(user, r).await;
    Ok(())
}

async fn receive(user: &mut GooseUser) -> TransactionResult {
    let (account, ..) = session(user);
    let r = form(
        user,
        "receive (受信)",
        "/api/receive_now",
        &[("account", account.to_string())],
    )
    .await?;
    json(user, r).await;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), GooseError> {
    let wait: u64 = std::env::var("LOAD_WAIT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    // LOAD_STEPS: a comma-separated subset of the steps (default: all).
    let steps =
        std::env::var("LOAD_STEPS").unwrap_or_else(|_| "list,open,search,page,send,receive".into());
    let mut scenario =
        scenario!("webmail").register_transaction(transaction!(sign_in).set_on_start());
    if wait > 0 {
        scenario = scenario.set_wait_time(
            Duration::from_millis(wait / 2),
            Duration::from_millis(wait * 3 / 2),
        )?;
    }
    for step in steps.split(',') {
        let t = match step.trim() {
            "list" => transaction!(list).set_weight(4)?,
            "open" => transaction!(open).set_weight(4)?,
            "search" => transaction!(search).set_weight(2)?,
            "page" => transaction!(page),
            "send" => transaction!(send),
            "receive" => transaction!(receive),
            other => panic!("unknown step {other}"),
        };
        scenario = scenario.register_transaction(t);
    }
    GooseAttack::initialize()?
        .register_scenario(scenario)
        .execute()
        .await?;
    Ok(())
}
