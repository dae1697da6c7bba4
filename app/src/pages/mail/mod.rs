//! ウェブメール for its user: the mail screen (`screen`), 作成 (`compose`),
//! the inbox frame with 受信, アカウント設定 and the logs (`webmail`), and
//! the account form's 自動設定 (`lookup`).
pub mod compose;
mod lookup;
pub mod screen;
pub mod webmail;

pub use compose::ComposePage;
pub use webmail::{AccountFormPage, AccountLogPage, MailPage, MyAccountsPage};
