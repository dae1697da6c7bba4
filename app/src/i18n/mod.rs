//! Every label the UI shows, one catalogue per language. A missing label is a
//! compile error, so the two languages cannot drift apart.
pub mod compose;
pub mod dates;
pub mod mail_server;
pub mod mailbox;
pub mod oauth;
pub mod schedule;
pub mod webmail;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Ja,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }
    pub fn from_code(code: &str) -> Lang {
        if code == "en" { Lang::En } else { Lang::Ja }
    }
    pub fn other(self) -> Lang {
        match self {
            Lang::Ja => Lang::En,
            Lang::En => Lang::Ja,
        }
    }
    pub fn t(self) -> &'static Catalogue {
        match self {
            Lang::Ja => &JA,
            Lang::En => &EN,
        }
    }
}

/// The current language, provided once by `App`.
pub fn use_lang() -> Signal<Lang> {
    use_context::<Signal<Lang>>().unwrap_or_else(|| Signal::stored(page_lang()))
}

/// The language the server rendered the page in: what an island uses (the
/// page's context stays on the server).
fn page_lang() -> Lang {
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .document_element()
            .and_then(|e| e.get_attribute("lang"))
            .map(|code| Lang::from_code(&code))
            .unwrap_or_default()
    }
    #[cfg(feature = "ssr")]
    {
        Lang::Ja
    }
}

pub struct Catalogue {
    /// The language of these words (for the few that are built, not fixed).
    pub lang: Lang,
    pub app_name: &'static str,
    pub app_tagline: &'static str,
    pub language_name: &'static str,
    pub switch_language: &'static str,
    // menu
    pub menu_home: &'static str,
    pub menu_schedule: &'static str,
    pub menu_webmail: &'static str,
    pub menu_webmail_imap: &'static str,
    pub menu_admin: &'static str,
    pub menu_help: &'static str,
    pub logout: &'static str,
    // login
    pub login_title: &'static str,
    pub login_id: &'static str,
    pub password: &'static str,
    pub login_button: &'static str,
    pub login_failed: &'static str,
    pub login_throttled: &'static str,
    // password change
    pub password_change_title: &'static str,
    pub password_change_required: &'static str,
    pub current_password: &'static str,
    pub new_password: &'static str,
    pub confirm_password: &'static str,
    pub change_button: &'static str,
    pub password_changed: &'static str,
    // home
    pub welcome: &'static str,
    pub home_intro: &'static str,
    // admin
    pub admin_title: &'static str,
    pub admin_operations: &'static str,
    pub admin_basic: &'static str,
    pub org_admin: &'static str,
    pub user_admin: &'static str,
    pub company_settings: &'static str,
    // organisations
    pub org_name: &'static str,
    pub org_parent: &'static str,
    pub org_top_level: &'static str,
    pub org_add: &'static str,
    pub org_rename: &'static str,
    pub org_move: &'static str,
    pub org_delete: &'static str,
    pub org_none_yet: &'static str,
    pub org_delete_confirm: &'static str,
    // users
    pub user_name: &'static str,
    pub user_email: &'static str,
    pub user_role: &'static str,
    pub role_admin: &'static str,
    pub role_user: &'static str,
    pub user_org: &'static str,
    pub user_no_org: &'static str,
    pub user_all_orgs: &'static str,
    pub user_language: &'static str,
    pub user_disabled: &'static str,
    pub user_status: &'static str,
    pub user_active: &'static str,
    pub user_add: &'static str,
    pub user_edit: &'static str,
    pub user_initial_password: &'static str,
    pub user_reset_password: &'static str,
    pub user_reset_done: &'static str,
    pub user_none: &'static str,
    pub org_select: &'static str,
    pub back_to_list: &'static str,
    // company
    pub company_name: &'static str,
    pub company_email: &'static str,
    // common
    pub save: &'static str,
    pub mail_failed: &'static str,
    pub show: &'static str,
    pub saved: &'static str,
    pub cancel: &'static str,
    pub edit: &'static str,
    pub loading: &'static str,
    pub required_mark: &'static str,
    pub error_generic: &'static str,
    pub error_forbidden: &'static str,
    pub error_unauthenticated: &'static str,
    pub error_not_found: &'static str,
    pub page_not_found: &'static str,
    // help
    pub help_title: &'static str,
    pub help_flow_title: &'static str,
    pub help_flow_intro: &'static str,
    pub flow_sender: &'static str,
    pub flow_smtp: &'static str,
    pub flow_dns: &'static str,
    pub flow_receiving: &'static str,
    pub flow_pop: &'static str,
    pub flow_pop_desc: &'static str,
    pub flow_imap: &'static str,
    pub flow_imap_desc: &'static str,
    pub flow_send_label: &'static str,
    pub flow_lookup_label: &'static str,
    pub flow_relay_label: &'static str,
    pub flow_caption: &'static str,
}

/// The words of each area, reached through a method rather than a field: a
/// browser bundle then links only the areas its islands name (the mail
/// screen's bundle carries neither the schedule's nor the admin's words).
impl Catalogue {
    pub fn mail(&self) -> &'static crate::i18n::mail_server::MailTexts {
        match self.lang {
            Lang::Ja => &crate::i18n::mail_server::MAIL_JA,
            Lang::En => &crate::i18n::mail_server::MAIL_EN,
        }
    }
    pub fn sched(&self) -> &'static crate::i18n::schedule::SchedTexts {
        match self.lang {
            Lang::Ja => &crate::i18n::schedule::SCHED_JA,
            Lang::En => &crate::i18n::schedule::SCHED_EN,
        }
    }
    pub fn wm(&self) -> &'static crate::i18n::webmail::WebmailTexts {
        match self.lang {
            Lang::Ja => &crate::i18n::webmail::WM_JA,
            Lang::En => &crate::i18n::webmail::WM_EN,
        }
    }
    pub fn mv(&self) -> &'static crate::i18n::mailbox::MailViewTexts {
        match self.lang {
            Lang::Ja => &crate::i18n::mailbox::MV_JA,
            Lang::En => &crate::i18n::mailbox::MV_EN,
        }
    }
    pub fn cp(&self) -> &'static crate::i18n::compose::ComposeTexts {
        match self.lang {
            Lang::Ja => &crate::i18n::compose::CP_JA,
            Lang::En => &crate::i18n::compose::CP_EN,
        }
    }
    pub fn oauth(&self) -> &'static crate::i18n::oauth::OAuthTexts {
        match self.lang {
            Lang::Ja => &crate::i18n::oauth::OAUTH_JA,
            Lang::En => &crate::i18n::oauth::OAUTH_EN,
        }
    }
}

impl Catalogue {
    pub fn welcome_user(&self, name: &str) -> String {
        if self.lang == Lang::Ja {
            format!("{}、{name} さん", self.welcome)
        } else {
            format!("{}, {name}", self.welcome)
        }
    }

    /// The message for a validation code from the server.
    pub fn field_error(&self, code: &str, param: Option<u32>) -> String {
        let n = param.unwrap_or_default();
        let ja = self.lang == Lang::Ja;
        match (code, ja) {
            ("required", true) => "入力してください。".into(),
            ("required", false) => "This field is required.".into(),
            ("too_long", true) => format!("{n}文字以内で入力してください。"),
            ("too_long", false) => format!("Use at most {n} characters."),
            ("too_short", true) => format!("{n}文字以上で入力してください。"),
            ("too_short", false) => format!("Use at least {n} characters."),
            ("invalid_email", true) => {
                "メールアドレスの形式が正しくありません（例: yamada@example.co.jp）。".into()
            }
            ("invalid_email", false) => {
                "This is not a valid mail address (e.g. yamada@example.co.jp).".into()
            }
            ("invalid_login_id", true) => "半角英数字と . _ - @ だけで入力してください。".into(),
            ("invalid_login_id", false) => {
                "Use only letters, digits and . _ - @ (half-width).".into()
            }
            ("invalid_chars", true) => "使用できない文字が含まれています。".into(),
            ("invalid_chars", false) => "This contains characters that are not allowed.".into(),
            ("duplicate", true) => "既に使われています。別の値を入力してください。".into(),
            ("duplicate", false) => "This is already in use; choose another.".into(),
            ("not_found", true) => "見つかりません。一覧を再読み込みしてください。".into(),
            ("not_found", false) => "Not found; reload the list.".into(),
            ("has_children", true) => "下位の組織があるため削除できません。".into(),
            ("has_children", false) => "It has sub-organisations, so it cannot be deleted.".into(),
            ("has_users", true) => "所属するユーザーがいるため削除できません。".into(),
            ("has_users", false) => "It has members, so it cannot be deleted.".into(),
            ("would_cycle", true) => "自分自身やその下位の組織の下には移動できません。".into(),
            ("would_cycle", false) => {
                "An organisation cannot move under itself or its sub-organisations.".into()
            }
            ("wrong_password", true) => "パスワードが正しくありません。".into(),
            ("wrong_password", false) => "The password is not correct.".into(),
            ("password_mismatch", true) => "確認用のパスワードが一致しません。".into(),
            ("password_mismatch", false) => "The two passwords do not match.".into(),
            ("last_admin", true) => "有効な管理者が一人もいなくなるため変更できません。".into(),
            ("last_admin", false) => "This would leave no active administrator.".into(),
            ("not_yourself", true) => "自分自身には行えません。".into(),
            ("not_yourself", false) => "You cannot do this to yourself.".into(),
            ("invalid_host", true) => "サーバー名の形式が正しくありません。".into(),
            ("invalid_host", false) => "This is not a valid server name.".into(),
            ("invalid_port", true) => "1〜65535 の数値で入力してください。".into(),
            ("invalid_port", false) => "Enter a number from 1 to 65535.".into(),
            ("too_large", true) => format!("添付ファイルは合計 {n} MB までです。"),
            ("too_large", false) => format!("Attachments may add up to {n} MB."),
            ("range", true) => format!("1〜{n} の数値で入力してください。"),
            ("range", false) => format!("Enter a number from 1 to {n}."),
            ("unsupported", true) => "選んだプロバイダーでは使用できません。".into(),
            ("unsupported", false) => "The chosen provider does not support this.".into(),
            ("oauth_first", true) => "OAuth認可サーバーを先に登録してください。".into(),
            ("oauth_first", false) => "Register an OAuth authorization server first.".into(),
            ("invalid_date", true) => "日付は 2026-11-27 の形式で入力してください。".into(),
            ("invalid_date", false) => "Enter a date such as 2026-11-27.".into(),
            ("invalid_time", true) => "時刻は 09:30 の形式で入力してください。".into(),
            ("invalid_time", false) => "Enter a time such as 09:30.".into(),
            ("end_before_start", true) => "終了は開始より後にしてください。".into(),
            ("end_before_start", false) => "The end must come after the start.".into(),
            ("invalid_time_zone", true) => {
                "タイムゾーン名が正しくありません（例: Asia/Tokyo）。".into()
            }
            ("invalid_time_zone", false) => {
                "This is not a time zone name (e.g. Asia/Tokyo).".into()
            }
            ("no_sender", true) => "送信者のメールアドレスがありません。「会社情報設定」のメールアドレスを入れるか、上の「通知メールの差出人」でアドレスを指定して保存してください。".into(),
            ("no_sender", false) => "There is no sender address. Enter the address in Company settings, or choose one as the notification sender above and save.".into(),
            ("not_configured", true) => {
                "そのメールサーバー設定はまだ保存されていません。先に設定するか「個別に設定する」を選んでください。".into()
            }
            ("not_configured", false) => {
                "Those mail server settings have not been saved yet; set them up first or choose your own server.".into()
            }
            ("quota_full", true) => format!(
                "メールの保存容量（{n} MB）が一杯のため受信を止めました。メールはサーバーに残っています。"
            ),
            ("quota_full", false) => format!(
                "The mail storage quota ({n} MB) is full: receiving stopped and the mail stays on the server."
            ),
            ("invalid_certificate", true) => {
                "証明書を読み取れません。「-----BEGIN CERTIFICATE-----」から「-----END CERTIFICATE-----」までを、PEM形式のまま貼り付けてください。".into()
            }
            ("invalid_certificate", false) => {
                "This is not a readable certificate. Paste everything from “-----BEGIN CERTIFICATE-----” to “-----END CERTIFICATE-----”, in PEM form.".into()
            }
            ("confirm_delete_now", true) => {
                "0日にすると、受信したメールは受信後すぐにサーバーから削除され、サーバーには残りません。よろしければ下の「受信したメールを受信後すぐにサーバーから削除する」にチェックを入れて保存してください。".into()
            }
            ("confirm_delete_now", false) => {
                "With 0 days, received mail is deleted from the server right after receiving and nothing stays there. If that is what you want, tick the box below and save again.".into()
            }
            ("password_again", true) => {
                "サーバーまたはユーザーIDが変わったため、パスワードを入力し直してください。".into()
            }
            ("password_again", false) => {
                "The server or user ID changed: type the password again.".into()
            }
            ("message_too_large", true) => format!(
                "サーバーが示したサイズか上限（{n} MB）を超えるメールがあるため、受信を止めました。メールはサーバーに残っています。"
            ),
            ("message_too_large", false) => format!(
                "A message is larger than the server said or than the limit ({n} MB): receiving stopped and the mail stays on the server."
            ),
            ("answer_too_long", true) => {
                "メールサーバーの応答が長すぎるため、受信を止めました。メールはサーバーに残っています。".into()
            }
            ("answer_too_long", false) => {
                "The mail server's answer was far too long: receiving stopped and the mail stays on the server.".into()
            }
            ("not_allowed", true) => "管理者が許可していません。".into(),
            ("not_allowed", false) => "Your administrator does not allow this.".into(),
            ("too_many", true) => format!("{n} 個までです。"),
            ("too_many", false) => format!("At most {n}."),
            ("invalid_url", true) => "URLの形式が正しくありません。".into(),
            ("invalid_url", false) => "This is not a valid URL.".into(),
            ("https_required", true) => {
                "https:// で始まるURLを入力してください（http はこのサーバー上の認可サーバーのみ）。".into()
            }
            ("https_required", false) => {
                "Use an https:// URL (plain http only for a server on this machine).".into()
            }
            ("unreachable", true) => {
                "このURLを読み込めませんでした。URLと認可サーバーの状態を確認してください。".into()
            }
            ("unreachable", false) => {
                "This URL could not be read; check it and the authorization server.".into()
            }
            ("needs_reauth", true) => {
                "OAuth認可サーバーでの再認証が必要です。［再認証］を押してください。".into()
            }
            ("needs_reauth", false) => {
                "The OAuth sign-in must be renewed: press Sign in again.".into()
            }
            ("sign_in_failed", true) => "認証できませんでした。もう一度お試しください。".into(),
            ("sign_in_failed", false) => "The sign-in did not complete. Please try again.".into(),
            ("column_count", true) => format!("列の数が正しくありません（{n}列必要です）。"),
            ("column_count", false) => format!("Wrong number of columns ({n} expected)."),
            (_, true) => "入力内容を確認してください。".into(),
            (_, false) => "Check this value.".into(),
        }
    }
}

pub static JA: Catalogue = Catalogue {
    lang: Lang::Ja,
    app_name: "便り",
    app_tagline: "グループウェアのメール",
    language_name: "日本語",
    switch_language: "English",
    menu_home: "ホーム",
    menu_schedule: "スケジュール",
    menu_webmail: "ウェブメール",
    menu_webmail_imap: "ウェブメールIMAP",
    menu_admin: "管理者設定",
    menu_help: "ヘルプ",
    logout: "ログアウト",
    login_title: "ログイン",
    login_id: "ログインID",
    password: "パスワード",
    login_button: "ログイン",
    login_failed: "ログインIDまたはパスワードが正しくありません。",
    login_throttled: "ログインの失敗が続いたため、しばらく待ってからやり直してください。",
    password_change_title: "パスワードの変更",
    password_change_required: "初回ログインのため、パスワードを変更してください。",
    current_password: "現在のパスワード",
    new_password: "新しいパスワード",
    confirm_password: "新しいパスワード（確認）",
    change_button: "変更する",
    password_changed: "パスワードを変更しました。",
    welcome: "ようこそ",
    home_intro: "メニューから機能を選んでください。",
    admin_title: "管理者設定",
    admin_operations: "運用設定",
    admin_basic: "基本設定",
    org_admin: "組織管理",
    user_admin: "ユーザー管理",
    company_settings: "会社情報設定",
    org_name: "組織名",
    org_parent: "上位の組織",
    org_top_level: "（最上位）",
    org_add: "組織を追加",
    org_rename: "名前を変更",
    org_move: "移動",
    org_delete: "削除",
    org_none_yet: "組織はまだありません。",
    org_delete_confirm: "この組織を削除します。よろしいですか？",
    user_name: "氏名",
    user_email: "職場用メールアドレス",
    user_role: "権限",
    role_admin: "管理者",
    role_user: "一般ユーザー",
    user_org: "所属組織",
    user_no_org: "（所属なし）",
    user_all_orgs: "（すべての組織）",
    user_language: "言語",
    user_disabled: "利用停止",
    user_status: "状態",
    user_active: "利用中",
    user_add: "ユーザーを追加",
    user_edit: "ユーザーの編集",
    user_initial_password: "初期パスワード",
    user_reset_password: "パスワードを再設定",
    user_reset_done: "パスワードを再設定しました。次回ログイン時に変更が求められます。",
    user_none: "該当するユーザーはいません。",
    org_select: "組織選択",
    back_to_list: "一覧に戻る",
    company_name: "会社名",
    company_email: "会社のメールアドレス",
    save: "保存",
    mail_failed: "メールサーバーがエラーを返しました:",
    show: "表示",
    saved: "保存しました。",
    cancel: "キャンセル",
    edit: "編集",
    loading: "読み込み中…",
    required_mark: "必須",
    error_generic: "処理できませんでした。時間をおいてもう一度お試しください。",
    error_forbidden: "この操作を行う権限がありません。",
    error_unauthenticated: "ログインしてください。",
    error_not_found: "見つかりません。",
    page_not_found: "ページが見つかりません。",
    help_title: "ヘルプ",
    help_flow_title: "メールの流れ",
    help_flow_intro: "便りは会社のメールサーバーを使ってメールを送受信します。便り自身はメールサーバーではありません。",
    flow_sender: "便り（送信者）",
    flow_smtp: "送信メールサーバー（SMTP）",
    flow_dns: "DNS（MXレコード）",
    flow_receiving: "受信メールサーバー",
    flow_pop: "POP（ウェブメール）",
    flow_pop_desc: "メールを便りに運んで保存する",
    flow_imap: "IMAP（ウェブメールIMAP）",
    flow_imap_desc: "メールを運ばず、メールサーバーに見に行く",
    flow_send_label: "送信",
    flow_lookup_label: "宛先ドメインを問い合わせ",
    flow_relay_label: "配送",
    flow_caption: "POPは受信したメールを便りに保存します（サーバーに残す日数を設定できます）。IMAPはサーバー上のメールをそのまま表示します。",
};

pub static EN: Catalogue = Catalogue {
    lang: Lang::En,
    app_name: "Tayori",
    app_tagline: "Mail for your groupware",
    language_name: "English",
    switch_language: "日本語",
    menu_home: "Home",
    menu_schedule: "Schedule",
    menu_webmail: "Webmail",
    menu_webmail_imap: "Webmail IMAP",
    menu_admin: "Administration",
    menu_help: "Help",
    logout: "Sign out",
    login_title: "Sign in",
    login_id: "Login ID",
    password: "Password",
    login_button: "Sign in",
    login_failed: "The login ID or password is not correct.",
    login_throttled: "Too many failed sign-ins. Wait a while, then try again.",
    password_change_title: "Change password",
    password_change_required: "This is your first sign-in: please choose a new password.",
    current_password: "Current password",
    new_password: "New password",
    confirm_password: "New password (again)",
    change_button: "Change",
    password_changed: "Your password has been changed.",
    welcome: "Welcome",
    home_intro: "Choose a feature from the menu.",
    admin_title: "Administration",
    admin_operations: "Operations",
    admin_basic: "Basic settings",
    org_admin: "Organisations",
    user_admin: "Users",
    company_settings: "Company information",
    org_name: "Organisation name",
    org_parent: "Parent organisation",
    org_top_level: "(top level)",
    org_add: "Add organisation",
    org_rename: "Rename",
    org_move: "Move",
    org_delete: "Delete",
    org_none_yet: "There are no organisations yet.",
    org_delete_confirm: "Delete this organisation?",
    user_name: "Full name",
    user_email: "Work mail address",
    user_role: "Role",
    role_admin: "Administrator",
    role_user: "User",
    user_org: "Organisation",
    user_no_org: "(no organisation)",
    user_all_orgs: "(all organisations)",
    user_language: "Language",
    user_disabled: "Disabled",
    user_status: "Status",
    user_active: "Active",
    user_add: "Add user",
    user_edit: "Edit user",
    user_initial_password: "Initial password",
    user_reset_password: "Reset password",
    user_reset_done: "The password was reset. The user must change it at next sign-in.",
    user_none: "No users match.",
    org_select: "Organisation",
    back_to_list: "Back to the list",
    company_name: "Company name",
    company_email: "Company mail address",
    save: "Save",
    mail_failed: "The mail server answered with an error:",
    show: "Show",
    saved: "Saved.",
    cancel: "Cancel",
    edit: "Edit",
    loading: "Loading…",
    required_mark: "required",
    error_generic: "That did not work. Please try again later.",
    error_forbidden: "You are not allowed to do this.",
    error_unauthenticated: "Please sign in.",
    error_not_found: "Not found.",
    page_not_found: "Page not found.",
    help_title: "Help",
    help_flow_title: "How mail flows",
    help_flow_intro: "Tayori sends and receives mail through your company's mail server. Tayori itself is not a mail server.",
    flow_sender: "Tayori (sender)",
    flow_smtp: "Outgoing server (SMTP)",
    flow_dns: "DNS (MX record)",
    flow_receiving: "Incoming server",
    flow_pop: "POP (Webmail)",
    flow_pop_desc: "carries the mail into Tayori",
    flow_imap: "IMAP (Webmail IMAP)",
    flow_imap_desc: "leaves the mail on the server and views it there",
    flow_send_label: "send",
    flow_lookup_label: "look up the domain",
    flow_relay_label: "deliver",
    flow_caption: "POP stores received mail in Tayori (optionally leaving it on the server for N days). IMAP shows the mail where it is, on the server.",
};
