//! The pages outside any menu area: ログイン, パスワードの変更, the portal
//! after sign-in, ヘルプ and the 404 page.
mod help;
mod home;
mod login;

pub use help::HelpPage;
pub use home::{HomePage, NotFoundPage};
pub use login::{LoginPage, PasswordPage};
