//! ウェブメール for its user: the mail screen (`screen`), 作成 (`compose`),
//! and the inbox frame with 受信, アカウント設定 and the logs (`webmail`).
pub mod compose;
pub mod screen;
pub mod webmail;

pub use compose::ComposePage;
pub use webmail::{AccountFormPage, AccountLogPage, MailPage, MyAccountsPage};
