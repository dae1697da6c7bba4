//! 言語及びタイムゾーン設定: the installation's time zone, in which schedule
//! dates are entered, shown and written into notification mail.
use std::str::FromStr;

use chrono_tz::Tz;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Set};

use crate::audit::{self, Actor};
use crate::{Code, Error, Result};

pub use crate::entity::locale_settings as entity;

const ROW: i32 = 1;
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Asia::Tokyo;

/// The zones offered first in the settings form; any IANA name is accepted.
pub const COMMON_ZONES: [&str; 8] = [
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Shanghai",
    "Asia/Singapore",
    "UTC",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
];

pub async fn time_zone<C: ConnectionTrait>(conn: &C) -> Result<Tz> {
    Ok(entity::Entity::find_by_id(ROW)
        .one(conn)
        .await?
        .and_then(|m| Tz::from_str(&m.time_zone).ok())
        .unwrap_or(DEFAULT_TIME_ZONE))
}

pub async fn set_time_zone(db: &DatabaseConnection, actor: &Actor, name: &str) -> Result<Tz> {
    let name = name.trim();
    let tz = Tz::from_str(name).map_err(|_| Error::field("time_zone", Code::InvalidTimeZone))?;
    let txn = crate::db::write(db).await?;
    let row = entity::ActiveModel {
        id: Set(ROW),
        time_zone: Set(tz.name().to_owned()),
        updated_at: Set(chrono::Utc::now()),
        updated_by: Set(actor.user_id),
    };
    if entity::Entity::find_by_id(ROW).one(&txn).await?.is_some() {
        row.update(&txn).await?;
    } else {
        row.insert(&txn).await?;
    }
    audit::record(&txn, actor, "locale.time_zone", tz.name(), "").await?;
    txn.commit().await?;
    Ok(tz)
}
