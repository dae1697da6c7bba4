//! 組織 (organisations): a tree of named units users belong to.
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use crate::audit::{self, Actor};
use crate::validate::Checks;
use crate::{Code, Error, Result};

pub use crate::entity::organisations as entity;

pub use entity::Model as Organisation;

pub const NAME_MAX: u32 = 100;

pub async fn list<C: ConnectionTrait>(conn: &C) -> Result<Vec<Organisation>> {
    Ok(entity::Entity::find()
        .order_by_asc(entity::Column::SortOrder)
        .order_by_asc(entity::Column::Name)
        .order_by_asc(entity::Column::Id)
        .all(conn)
        .await?)
}

async fn sibling_named<C: ConnectionTrait>(
    conn: &C,
    parent_id: Option<i32>,
    name: &str,
    except: Option<i32>,
) -> Result<bool> {
    let mut q = entity::Entity::find().filter(entity::Column::Name.eq(name));
    q = match parent_id {
        Some(p) => q.filter(entity::Column::ParentId.eq(p)),
        None => q.filter(entity::Column::ParentId.is_null()),
    };
    if let Some(id) = except {
        q = q.filter(entity::Column::Id.ne(id));
    }
    Ok(q.count(conn).await? > 0)
}

pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    name: &str,
    parent_id: Option<i32>,
) -> Result<Organisation> {
    let mut checks = Checks::default();
    let name = checks.text("name", name, NAME_MAX);
    checks.finish()?;
    let txn = crate::db::write(db).await?;
    if let Some(p) = parent_id
        && entity::Entity::find_by_id(p).one(&txn).await?.is_none()
    {
        return Err(Error::field("parent_id", Code::NotFound));
    }
    if sibling_named(&txn, parent_id, &name, None).await? {
        return Err(Error::field("name", Code::Duplicate));
    }
    let now = chrono::Utc::now();
    let org = entity::ActiveModel {
        name: Set(name.clone()),
        parent_id: Set(parent_id),
        sort_order: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, actor, "org.create", &format!("org:{}", org.id), &name).await?;
    txn.commit().await?;
    Ok(org)
}

pub async fn rename(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    name: &str,
) -> Result<Organisation> {
    let mut checks = Checks::default();
    let name = checks.text("name", name, NAME_MAX);
    checks.finish()?;
    let txn = crate::db::write(db).await?;
    let org = entity::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(Error::NotFound)?;
    if sibling_named(&txn, org.parent_id, &name, Some(id)).await? {
        return Err(Error::field("name", Code::Duplicate));
    }
    let old = org.name.clone();
    let mut am: entity::ActiveModel = org.into();
    am.name = Set(name.clone());
    am.updated_at = Set(chrono::Utc::now());
    let org = am.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        "org.rename",
        &format!("org:{id}"),
        &format!("{old} -> {name}"),
    )
    .await?;
    txn.commit().await?;
    Ok(org)
}

/// Moves `id` under `new_parent` (None = top level), refusing to create a cycle.
pub async fn move_to(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    new_parent: Option<i32>,
) -> Result<Organisation> {
    let txn = crate::db::write(db).await?;
    let all = list(&txn).await?;
    let org = all
        .iter()
        .find(|o| o.id == id)
        .cloned()
        .ok_or(Error::NotFound)?;
    if let Some(p) = new_parent {
        if !all.iter().any(|o| o.id == p) {
            return Err(Error::field("parent_id", Code::NotFound));
        }
        // Walk up from the new parent: meeting `id` means it would become its
        // own ancestor.
        let mut cursor = Some(p);
        let mut steps = 0;
        while let Some(c) = cursor {
            if c == id || steps > all.len() {
                return Err(Error::field("parent_id", Code::WouldCycle));
            }
            cursor = all.iter().find(|o| o.id == c).and_then(|o| o.parent_id);
            steps += 1;
        }
    }
    if sibling_named(&txn, new_parent, &org.name, Some(id)).await? {
        return Err(Error::field("parent_id", Code::Duplicate));
    }
    let mut am: entity::ActiveModel = org.into();
    am.parent_id = Set(new_parent);
    am.updated_at = Set(chrono::Utc::now());
    let org = am.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        "org.move",
        &format!("org:{id}"),
        &format!("parent={new_parent:?}"),
    )
    .await?;
    txn.commit().await?;
    Ok(org)
}

/// Deletes an organisation that has neither sub-organisations nor users.
pub async fn delete(db: &DatabaseConnection, actor: &Actor, id: i32) -> Result<()> {
    let txn = crate::db::write(db).await?;
    let org = entity::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(Error::NotFound)?;
    let children = entity::Entity::find()
        .filter(entity::Column::ParentId.eq(id))
        .count(&txn)
        .await?;
    if children > 0 {
        return Err(Error::field("id", Code::HasChildren));
    }
    let members = crate::entity::users::Entity::find()
        .filter(crate::entity::users::Column::OrganisationId.eq(id))
        .count(&txn)
        .await?;
    if members > 0 {
        return Err(Error::field("id", Code::HasUsers));
    }
    entity::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(&txn, actor, "org.delete", &format!("org:{id}"), &org.name).await?;
    txn.commit().await?;
    Ok(())
}
