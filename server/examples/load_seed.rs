//! Fills a store for the load run (`scripts/bench-load.sh`): LOAD_USERS
//! users `load001`… (password LOAD_PASSWORD, webmail on), each with one mail
//! account on the project's Dovecot and Postfix (`load001@example.test`,
//! STARTTLS, mail left on the server) and LOAD_MESSAGES messages in the
//! inbox, stored through the path received mail takes, with the search
//! index merged as メール索引の最適化 leaves it.
//!
//! The database is DATABASE_URL, else the SQLite store of
//! TAYORI_DATA_DIR; the secret key is TAYORI_SECRET_KEY, as for the server.
use domain::mailbox;
use domain::webmail::{self, AccountInput, Who};
use sea_orm::{ActiveModelTrait, Set};

mod bench_util;
use bench_util::{Rng, env, message, num};

#[tokio::main]
async fn main() {
    let users = num("LOAD_USERS", 200);
    let messages = num("LOAD_MESSAGES", 200);
    let data_dir = std::path::PathBuf::from(env("TAYORI_DATA_DIR"));
    std::fs::create_dir_all(&data_dir).expect("data dir");
    let url = std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| domain::db::sqlite_url(&data_dir));
    let db = server::open_database(&url).await.expect("database");
    let secrets =
        domain::secrets::SecretBox::load_or_create(&data_dir, Some(&env(domain::secrets::KEY_ENV)))
            .expect("secret key");
    let hash = domain::password::hash(&env("LOAD_PASSWORD"))
        .await
        .expect("hash");
    let (pop_port, submission_port) = (env("MS_POP3_PORT"), env("MS_SUBMISSION_PORT"));
    let domain_name = env("MS_DOMAIN");
    let mut rng = Rng(0x10ad_2026_1207);
    let t = std::time::Instant::now();
    for n in 1..=users {
        let login = format!("load{n:03}");
        let now = chrono::Utc::now();
        let user = domain::users::entity::ActiveModel {
            login_id: Set(login.clone()),
            name: Set(format!("負荷 {n:03}")),
            email: Set(Some(format!("{login}@{domain_name}"))),
            role: Set(domain::users::Role::User),
            password_hash: Set(hash.clone()),
            must_change_password: Set(false),
            disabled: Set(false),
            language: Set("ja".into()),
            organisation_id: Set(None),
            webmail_enabled: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&db)
        .await
        .expect("user");
        let account = webmail::save_account(
            &db,
            &secrets,
            &domain::audit::Actor::system(),
            Who {
                user_id: user.id,
                admin: true,
            },
            user.id,
            None,
            &AccountInput {
                name: "会社".into(),
                display_name: format!("負荷 {n:03}"),
                email: format!("{login}@{domain_name}"),
                recv_source: "own".into(),
                pop_host: "127.0.0.1".into(),
                pop_port: pop_port.clone(),
                pop_protection: "starttls".into(),
                pop_user: format!("{login}@{domain_name}"),
                pop_password: format!("{login}pass"),
                pop_auth: "standard".into(),
                timeout_secs: "30".into(),
                leave_on_server: true,
                send_source: "own".into(),
                smtp_host: "127.0.0.1".into(),
                smtp_port: submission_port.clone(),
                smtp_protection: "starttls".into(),
                smtp_auth: "smtp".into(),
                smtp_mechanism: "standard".into(),
                ..Default::default()
            },
        )
        .await
        .expect("account");
        let mut i = 0;
        while i < messages {
            let batch: Vec<Vec<u8>> = (i..(i + 500).min(messages))
                .map(|k| message(&mut rng, k))
                .collect();
            i += batch.len();
            mailbox::store(&db, account.id, mailbox::INBOX, batch)
                .await
                .expect("store");
        }
        println!("{login} {}", account.id);
    }
    // As メール索引の最適化 leaves the index.
    mailbox::fts::optimize(&db).await.expect("optimize");
    eprintln!(
        "{users} users with {messages} messages each in {:.1} s",
        t.elapsed().as_secs_f64()
    );
}
