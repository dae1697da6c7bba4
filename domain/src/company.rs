//! 会社情報設定: the company name and address used as a notification sender.
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};

use crate::Result;
use crate::audit::{self, Actor};
use crate::validate::Checks;

pub use crate::entity::company as entity;

/// The single row's key.
const ROW: i32 = 1;
pub const NAME_MAX: u32 = 100;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompanyInfo {
    pub name: String,
    pub email: Option<String>,
}

pub async fn get(db: &DatabaseConnection) -> Result<CompanyInfo> {
    Ok(entity::Entity::find_by_id(ROW)
        .one(db)
        .await?
        .map(|m| CompanyInfo {
            name: m.name,
            email: m.email,
        })
        .unwrap_or_default())
}

pub async fn save(
    db: &DatabaseConnection,
    actor: &Actor,
    name: &str,
    email: &str,
) -> Result<CompanyInfo> {
    let mut checks = Checks::default();
    let name = checks.text("name", name, NAME_MAX);
    let email = checks.optional_email("email", email);
    checks.finish()?;
    let txn = crate::db::write(db).await?;
    let row = entity::ActiveModel {
        id: Set(ROW),
        name: Set(name.clone()),
        email: Set(email.clone()),
        updated_at: Set(chrono::Utc::now()),
        updated_by: Set(actor.user_id),
    };
    if entity::Entity::find_by_id(ROW).one(&txn).await?.is_some() {
        row.update(&txn).await?;
    } else {
        row.insert(&txn).await?;
    }
    audit::record(&txn, actor, "company.save", "company", &name).await?;
    txn.commit().await?;
    Ok(CompanyInfo { name, email })
}
