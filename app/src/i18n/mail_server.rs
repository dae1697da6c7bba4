//! Labels of 管理者設定 > メールサーバー設定, one catalogue per language (part
//! of `i18n::Catalogue` as `.mail`).

pub struct MailTexts {
    /// The language of these words.
    pub lang: crate::i18n::Lang,
    pub title: &'static str,
    pub system_settings: &'static str,
    pub ac_title: &'static str,
    pub ac_address: &'static str,
    pub ac_run: &'static str,
    pub ac_running: &'static str,
    pub ac_not_found: &'static str,
    pub ac_found: &'static str,
    pub ac_confirm: &'static str,
    pub ac_confirmed: &'static str,
    pub ac_not_offered: &'static str,
    pub ac_skipped: &'static str,
    pub ca_title: &'static str,
    pub ca_hint: &'static str,
    pub ca_subject: &'static str,
    pub ca_issuer: &'static str,
    pub ca_expires: &'static str,
    pub ca_expired: &'static str,
    pub ca_fingerprint: &'static str,
    pub ca_added: &'static str,
    pub ca_none: &'static str,
    pub ca_pem: &'static str,
    pub ca_pem_hint: &'static str,
    pub ca_add: &'static str,
    pub ca_remove: &'static str,
    pub ca_advice_link: &'static str,
    pub step_provider: &'static str,
    pub step_receiving: &'static str,
    pub step_sending: &'static str,
    pub step_notification: &'static str,
    pub step_test: &'static str,
    pub next: &'static str,
    pub back: &'static str,
    pub preset: &'static str,
    pub host_hint: &'static str,
    pub server_name: &'static str,
    pub port: &'static str,
    pub protection: &'static str,
    pub prot_none: &'static str,
    pub prot_ssl: &'static str,
    pub prot_starttls: &'static str,
    pub prot_starttls_noverify: &'static str,
    pub port_mismatch: &'static str,
    pub pop_auth: &'static str,
    pub pop_auth_standard: &'static str,
    pub pop_auth_apop: &'static str,
    pub smtp_auth: &'static str,
    pub auth_none: &'static str,
    pub auth_pop_before_smtp: &'static str,
    pub auth_smtp: &'static str,
    pub auth_xoauth2: &'static str,
    pub oauth_first: &'static str,
    pub mechanism: &'static str,
    pub mech_standard: &'static str,
    pub not_supported_by: &'static str,
    pub auth_user: &'static str,
    pub password: &'static str,
    pub password_set: &'static str,
    pub password_not_set: &'static str,
    pub password_keep_hint: &'static str,
    pub timeout: &'static str,
    pub notify: &'static str,
    pub notify_on: &'static str,
    pub notify_off: &'static str,
    pub notify_features: &'static str,
    pub notify_feature_schedule: &'static str,
    pub from: &'static str,
    pub from_user: &'static str,
    pub from_company: &'static str,
    pub from_custom: &'static str,
    pub from_custom_hint: &'static str,
    pub from_differs: &'static str,
    pub charset: &'static str,
    pub charset_utf8: &'static str,
    pub charset_jis: &'static str,
    pub test_connection: &'static str,
    pub testing: &'static str,
    pub test_ok: &'static str,
    /// The server offers STARTTLS but なし is chosen.
    pub recommend_starttls: &'static str,
    pub test_failed: &'static str,
    pub test_mail: &'static str,
    pub test_mail_to: &'static str,
    pub test_mail_send: &'static str,
    pub test_mail_sent: &'static str,
    pub test_mail_needs_save: &'static str,
    pub save_settings: &'static str,
    pub last_saved: &'static str,
    pub field_to_change: &'static str,
}

impl MailTexts {
    /// 自動設定's source by its key (`discover::Source::as_str`).
    pub fn ac_source(&self, key: &str) -> &'static str {
        let ja = self.lang == crate::i18n::Lang::Ja;
        match (key, ja) {
            ("preset", true) => "便りのプロバイダー設定（ドメイン・MX）",
            ("preset", false) => "Tayori's provider presets (domain, MX)",
            ("autoconfig", true) => "ドメインの自動設定ファイル（autoconfig）",
            ("autoconfig", false) => "The domain's autoconfig document",
            ("ispdb", true) => "設定データベース（ISPDB）",
            ("ispdb", false) => "Settings database (ISPDB)",
            ("srv", true) => "DNSのSRVレコード",
            ("srv", false) => "DNS SRV records",
            (_, true) => "サーバーへの問い合わせ（ポートの確認）",
            (_, false) => "Asking the servers (probing ports)",
        }
    }

    /// The name of a protection by its code (`Protection::as_str`).
    pub fn protection(&self, code: &str) -> &'static str {
        match code {
            "ssl" => self.prot_ssl,
            "starttls" => self.prot_starttls,
            "starttls-noverify" => self.prot_starttls_noverify,
            _ => self.prot_none,
        }
    }

    /// A connection test's step by its key; POP3's test (`pop`) reads its
    /// capabilities with CAPA and signs in with USER/PASS or APOP, SMTP's
    /// with EHLO and AUTH.
    pub fn step(&self, key: &str, pop: bool) -> &'static str {
        let ja = self.lang == crate::i18n::Lang::Ja;
        match (key, ja) {
            ("dns", _) => "DNS",
            ("tcp", _) => "TCP",
            ("tls", _) => "TLS",
            ("greeting", true) => "グリーティング",
            ("greeting", false) => "Greeting",
            ("capabilities", true) if pop => "機能の確認（CAPA）",
            ("capabilities", false) if pop => "Capabilities (CAPA)",
            ("capabilities", true) => "機能の確認（EHLO）",
            ("capabilities", false) => "Capabilities (EHLO)",
            ("starttls", _) => "STARTTLS",
            ("pop_login", true) => "POPログイン",
            ("pop_login", false) => "POP login",
            ("token", true) => "アクセストークン（OAuth）",
            ("token", false) => "Access token (OAuth)",
            ("login", true) if pop => "ログイン（POP3認証）",
            ("login", false) if pop => "Login (POP3)",
            ("login", true) => "ログイン（SMTP認証）",
            ("login", false) => "Login (SMTP AUTH)",
            ("send", true) => "送信",
            ("send", false) => "Send",
            (_, _) => "?",
        }
    }

    /// What to do about a failed connection test, naming the field; `pop`
    /// for the receiving server's test (its ports are 995 and 110).
    pub fn advice(&self, key: &str, pop: bool) -> &'static str {
        let ja = self.lang == crate::i18n::Lang::Ja;
        match (key, ja) {
            ("wrong_port_for_protection", true) if pop => {
                "「ポート番号」と「通信の保護」が合っていません（例: 995 は SSL/TLS、110 は STARTTLS またはなし）。"
            }
            ("wrong_port_for_protection", false) if pop => {
                "“Port” does not fit “Protection” (e.g. 995 is SSL/TLS, 110 is STARTTLS or none)."
            }
            ("dns", true) => "サーバー名が見つかりません。「サーバー名」の綴りを確認してください。",
            ("dns", false) => {
                "The server name does not resolve. Check the spelling of “Server name”."
            }
            ("connection_refused", true) => {
                "接続を拒否されました。「ポート番号」を確認してください。"
            }
            ("connection_refused", false) => "The connection was refused. Check “Port”.",
            ("connection_failed", true) => {
                "サーバーに接続できません。「サーバー名」と「ポート番号」を確認してください。"
            }
            ("connection_failed", false) => {
                "Cannot reach the server. Check “Server name” and “Port”."
            }
            ("wrong_port_for_protection", true) => {
                "「ポート番号」と「通信の保護」が合っていません（例: 465 は SSL/TLS、587 は STARTTLS）。"
            }
            ("wrong_port_for_protection", false) => {
                "“Port” does not fit “Protection” (e.g. 465 is SSL/TLS, 587 is STARTTLS)."
            }
            ("timeout", true) => {
                "応答がありません。「サーバー名」「ポート番号」、ファイアウォールを確認してください。"
            }
            ("timeout", false) => "No answer. Check “Server name”, “Port” and any firewall.",
            ("certificate_name", true) => {
                "証明書の名前がサーバー名と一致しません。証明書に記載された名前を「サーバー名」に入力してください。"
            }
            ("certificate_name", false) => {
                "The certificate is for another name. Enter the name on the certificate as “Server name”."
            }
            ("certificate_expired", true) => {
                "サーバーの証明書の有効期限が切れています。サーバー管理者に更新を依頼してください。"
            }
            ("certificate_expired", false) => {
                "The server's certificate has expired. Ask its administrator to renew it."
            }
            ("certificate_untrusted", true) => {
                "サーバーの証明書を信頼できません（公的な認証局の発行ではありません）。社内の認証局（プライベートCA）の証明書なら「システム設定 > 信頼するCA証明書」にその認証局の証明書を追加してください。正しいサーバーか確かめられない場合は接続しないでください。"
            }
            ("certificate_untrusted", false) => {
                "The server's certificate is not trusted (no public authority issued it). If your own (private) CA issued it, add that CA's certificate under System settings > Trusted CA certificates. If you cannot confirm the server is the right one, do not connect."
            }
            ("tls_failed", true) => {
                "暗号化の開始に失敗しました。「通信の保護」を確認してください。"
            }
            ("tls_failed", false) => "TLS could not be started. Check “Protection”.",
            ("starttls_not_offered", true) => {
                "サーバーが STARTTLS に対応していません。パスワードは送信していません。「通信の保護」を見直してください。"
            }
            ("starttls_not_offered", false) => {
                "The server does not offer STARTTLS; no password was sent. Review “Protection”."
            }
            ("mechanism_not_offered", true) => {
                "選んだ認証方式にサーバーが対応していません。「認証方式」を変更してください。"
            }
            ("mechanism_not_offered", false) => {
                "The server does not offer this mechanism. Change “Mechanism”."
            }
            ("auth_failed", true) => {
                "認証に失敗しました。「ユーザーID」と「パスワード」を確認してください。"
            }
            ("auth_failed", false) => "Authentication failed. Check “User ID” and “Password”.",
            ("pop_login_failed", true) => {
                "POP before SMTP の POP ログインに失敗しました。受信メールサーバーの設定とパスワードを確認してください。"
            }
            ("pop_login_failed", false) => {
                "The POP login of POP before SMTP failed. Check the receiving server and the password."
            }
            ("rejected", true) => {
                "サーバーが送信を拒否しました。「送信元メールアドレス」が認証IDと一致しているか確認してください。"
            }
            ("rejected", false) => {
                "The server refused the message. Check that the From address matches the authentication ID."
            }
            ("needs_reauth", true) => {
                "OAuthのサインインがないか、期限が切れています。[OAuth認可サーバー認証] でサインインし直してください。"
            }
            ("needs_reauth", false) => {
                "There is no OAuth sign-in, or it has ended. Sign in again with [Sign in at the authorization server]."
            }
            ("smtp_auth_disabled", true) => {
                "このテナントまたはメールボックスで SMTP AUTH が無効です（535 5.7.139）。Microsoft 365 管理センターでメールボックスの「認証済み SMTP」を有効にしてください。"
            }
            ("smtp_auth_disabled", false) => {
                "SMTP AUTH is turned off for this tenant or mailbox (535 5.7.139). Turn on “Authenticated SMTP” for the mailbox in the Microsoft 365 admin center."
            }
            ("token_scope", true) => {
                "トークンにメール送受信の権限（スコープ）がありません。OAuth認可サーバー設定の「スコープ」とアプリの API のアクセス許可を確認し、サインインし直してください。"
            }
            ("token_scope", false) => {
                "The token lacks the mail permission (scope). Check “Scopes” in the authorization server settings and the app's API permissions, then sign in again."
            }
            ("token_other_mailbox", true) => {
                "トークンがこのメールボックスのものではありません。「ユーザーID」をサインインしたユーザーに合わせるか空にする、またはメールボックスを持つユーザーとしてサインインし直してください。"
            }
            ("token_other_mailbox", false) => {
                "The token is not for this mailbox. Make “User ID” the signed-in user (or leave it empty), or sign in again as the mailbox's user."
            }
            ("token_refused", true) => {
                "サーバーがアクセストークンを拒否しました（期限切れまたは取り消し）。サインインし直してください。"
            }
            ("token_refused", false) => {
                "The server refused the access token (expired or revoked). Sign in again."
            }
            ("send_as_denied", true) => {
                "サインインしたユーザーには、この送信元アドレスで送信する権限がありません。「送信元メールアドレス」を確認してください。"
            }
            ("send_as_denied", false) => {
                "The signed-in user may not send as this From address. Check the From address."
            }
            (_, true) => "サーバーがエラーを返しました。詳細を確認してください。",
            (_, false) => "The server returned an error; see the details.",
        }
    }
}

pub static MAIL_JA: MailTexts = MailTexts {
    lang: crate::i18n::Lang::Ja,
    title: "メールサーバー設定",
    system_settings: "システム設定",
    ac_title: "メールアドレスから設定",
    ac_address: "メールアドレス",
    ac_run: "調べる",
    ac_running: "調べています…",
    ac_not_found: "設定が見つかりませんでした。メールサーバーの情報を入力してください。",
    ac_found: "見つかった設定をフォームに入れました。接続テストで確かめてから保存してください。",
    ac_confirm: "これらのホスト名は第三者（設定データベース）の情報です。正しいホストか確かめてから、パスワードを使う接続テストや保存をしてください。",
    ac_confirmed: "ホスト名を確認しました",
    ac_not_offered: "このドメインは次のサービスを提供していません",
    ac_skipped: "設定されていないため使いません",
    ca_title: "信頼するCA証明書",
    ca_hint: "社内の認証局（プライベートCA）が発行した証明書を使うメールサーバーに接続するには、その認証局の証明書をここに追加します。受信・送信・IMAP・OAuthのすべての接続で、公的な認証局に加えて信頼されます。サーバーの再起動は不要です。",
    ca_subject: "サブジェクト",
    ca_issuer: "発行者",
    ca_expires: "有効期限",
    ca_expired: "期限切れ",
    ca_fingerprint: "SHA-256 フィンガープリント",
    ca_added: "追加日時",
    ca_none: "追加された証明書はありません。公的な認証局の証明書だけを信頼しています。",
    ca_pem: "CA証明書（PEM形式）",
    ca_pem_hint: "`-----BEGIN CERTIFICATE-----` から `-----END CERTIFICATE-----` までを貼り付けてください。中間CAを含む複数の証明書もまとめて追加できます。",
    ca_add: "追加",
    ca_remove: "削除",
    ca_advice_link: "信頼するCA証明書を追加する",
    step_provider: "① プロバイダー",
    step_receiving: "② 受信メールサーバー（POP3）",
    step_sending: "③ 送信メールサーバー（SMTP）",
    step_notification: "④ メール通知設定",
    step_test: "⑤ 接続テストと保存",
    next: "次へ",
    back: "戻る",
    preset: "プロバイダー",
    host_hint: "サーバー名の確認方法",
    server_name: "サーバー名",
    port: "ポート番号",
    protection: "通信の保護",
    prot_none: "なし",
    prot_ssl: "SSL/TLS",
    prot_starttls: "STARTTLS",
    prot_starttls_noverify: "STARTTLS（証明書の検証なし）",
    port_mismatch: "このポート番号は選んだ通信の保護と合わない可能性があります。",
    pop_auth: "認証方式（POP）",
    pop_auth_standard: "標準",
    pop_auth_apop: "標準（APOP）",
    smtp_auth: "メール送信時の認証",
    auth_none: "認証しない",
    auth_pop_before_smtp: "POP before SMTP",
    auth_smtp: "SMTP認証",
    auth_xoauth2: "XOAUTH2",
    oauth_first: "OAuth認可サーバーを先に登録してください",
    mechanism: "認証方式",
    mech_standard: "標準",
    not_supported_by: "このプロバイダーでは使用できません",
    auth_user: "ユーザーID",
    password: "パスワード",
    password_set: "設定済み",
    password_not_set: "未設定",
    password_keep_hint: "空欄のままなら変更しません",
    timeout: "サーバータイムアウト（秒）",
    notify: "メール通知機能",
    notify_on: "使用する",
    notify_off: "使用しない",
    notify_features: "メール通知利用機能一覧",
    notify_feature_schedule: "スケジュール（予定の追加・変更・削除を登録先に通知）",
    from: "送信元メールアドレス",
    from_user: "メール送信ユーザーの職場用メールアドレス",
    from_company: "会社情報設定のメールアドレス",
    from_custom: "任意のメールアドレス",
    from_custom_hint: "\"表示名\" <アドレス>、<アドレス> または アドレス",
    from_differs: "送信元メールアドレスが認証IDと異なると、多くのサーバーは送信を拒否します。通知専用の共有アドレスとその認証情報を使うことをお勧めします。",
    charset: "通知メールの文字コード",
    charset_utf8: "UTF-8（推奨）",
    charset_jis: "ISO-2022-JP（JIS：古いメールソフト向け。表せない文字を含む通知はUTF-8で送ります）",
    test_connection: "接続テスト",
    testing: "テスト中…",
    test_ok: "接続できました。",
    recommend_starttls: "このサーバーはSTARTTLSに対応しています。通信の保護を「STARTTLS」にすると、パスワードとメールが暗号化されて送られます（ポート番号はそのままで使えます）。",
    test_failed: "接続できませんでした。",
    test_mail: "テストメール送信",
    test_mail_to: "送信先",
    test_mail_send: "テストメールを送信",
    test_mail_sent: "送信しました。サーバーの応答:",
    test_mail_needs_save: "保存した設定で送信します。",
    save_settings: "設定を保存",
    last_saved: "最終更新",
    field_to_change: "確認する項目",
};

pub static MAIL_EN: MailTexts = MailTexts {
    lang: crate::i18n::Lang::En,
    title: "Mail server settings",
    system_settings: "System settings",
    ac_title: "Set up from a mail address",
    ac_address: "Mail address",
    ac_run: "Look up",
    ac_running: "Looking up…",
    ac_not_found: "No settings were found. Enter the mail server's details.",
    ac_found: "The settings found are in the form. Check them with the connection test, then save.",
    ac_confirm: "These host names come from a third party (a settings database). Make sure they are the right hosts before a connection test or save sends the password there.",
    ac_confirmed: "I have checked the host names",
    ac_not_offered: "The domain does not offer",
    ac_skipped: "not set up, not used",
    ca_title: "Trusted CA certificates",
    ca_hint: "To connect to mail servers whose certificates come from your own (private) certification authority, add that authority's certificate here. Every connection — receiving, sending, IMAP and OAuth — trusts it besides the public authorities. No restart is needed.",
    ca_subject: "Subject",
    ca_issuer: "Issuer",
    ca_expires: "Expires",
    ca_expired: "expired",
    ca_fingerprint: "SHA-256 fingerprint",
    ca_added: "Added",
    ca_none: "No certificate has been added: only the public authorities are trusted.",
    ca_pem: "CA certificate (PEM)",
    ca_pem_hint: "Paste everything from `-----BEGIN CERTIFICATE-----` to `-----END CERTIFICATE-----`. Several certificates (intermediates too) can be added at once.",
    ca_add: "Add",
    ca_remove: "Remove",
    ca_advice_link: "Add a trusted CA certificate",
    step_provider: "1. Provider",
    step_receiving: "2. Incoming server (POP3)",
    step_sending: "3. Outgoing server (SMTP)",
    step_notification: "4. Notification mail",
    step_test: "5. Test and save",
    next: "Next",
    back: "Back",
    preset: "Provider",
    host_hint: "Where to find the server name",
    server_name: "Server name",
    port: "Port",
    protection: "Protection",
    prot_none: "None",
    prot_ssl: "SSL/TLS",
    prot_starttls: "STARTTLS",
    prot_starttls_noverify: "STARTTLS (no certificate check)",
    port_mismatch: "This port may not fit the chosen protection.",
    pop_auth: "Authentication (POP)",
    pop_auth_standard: "Standard",
    pop_auth_apop: "Standard (APOP)",
    smtp_auth: "Authentication when sending",
    auth_none: "None",
    auth_pop_before_smtp: "POP before SMTP",
    auth_smtp: "SMTP AUTH",
    auth_xoauth2: "XOAUTH2",
    oauth_first: "Register an OAuth authorization server first",
    mechanism: "Mechanism",
    mech_standard: "Standard (strongest offered)",
    not_supported_by: "not supported by this provider",
    auth_user: "User ID",
    password: "Password",
    password_set: "set",
    password_not_set: "not set",
    password_keep_hint: "leave empty to keep it",
    timeout: "Server timeout (s)",
    notify: "Notification mail",
    notify_on: "On",
    notify_off: "Off",
    notify_features: "Features that send notification mail",
    notify_feature_schedule: "Schedule (tells participants when an entry is added, changed or deleted)",
    from: "From address",
    from_user: "The acting user's work address",
    from_company: "The company address (Company information)",
    from_custom: "Another address",
    from_custom_hint: "\"Name\" <address>, <address> or address",
    from_differs: "When the From address differs from the authentication ID, many servers refuse the mail. A shared notification address with its own credentials is recommended.",
    charset: "Character set of notification mail",
    charset_utf8: "UTF-8 (recommended)",
    charset_jis: "ISO-2022-JP (JIS, for older mail clients; a notification with characters it lacks is sent as UTF-8)",
    test_connection: "Test connection",
    testing: "Testing…",
    test_ok: "Connected.",
    recommend_starttls: "This server offers STARTTLS. Choose STARTTLS as the protection so that passwords and mail are encrypted in transit (the port stays the same).",
    test_failed: "Could not connect.",
    test_mail: "Send a test mail",
    test_mail_to: "To",
    test_mail_send: "Send test mail",
    test_mail_sent: "Sent. The server said:",
    test_mail_needs_save: "Uses the saved settings.",
    save_settings: "Save settings",
    last_saved: "Last saved",
    field_to_change: "Field to check",
};
