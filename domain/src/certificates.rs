//! 信頼するCA証明書: the certificates of in-house certification authorities
//! the admin adds in the UI, trusted by every mail connection (POP3, SMTP,
//! IMAP, OAuth) besides the public roots — no file and no restart. Each
//! certificate is a row of its own (a pasted chain gives several), known
//! by its SHA-256 fingerprint.
use base64::Engine;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use sha2::Digest;

use crate::audit::{self, Actor};
use crate::{Code, Error, Result};

pub use crate::entity::trusted_certificates as entity;

/// The most a pasted PEM may hold (a long chain is a few KB).
pub const PEM_MAX: usize = 64 * 1024;

/// Every added certificate, oldest first.
pub async fn list(db: &DatabaseConnection) -> Result<Vec<entity::Model>> {
    Ok(entity::Entity::find()
        .order_by_asc(entity::Column::Id)
        .all(db)
        .await?)
}

/// Adds the certificates of `pem`; their IDs. Refused at the field `pem`
/// when empty, too long, not a certificate, or added already.
pub async fn add(db: &DatabaseConnection, actor: &Actor, pem: &str) -> Result<Vec<i32>> {
    let pem = pem.trim();
    if pem.is_empty() {
        return Err(Error::field("pem", Code::Required));
    }
    if pem.len() > PEM_MAX {
        return Err(Error::field(
            "pem",
            Code::TooLong {
                max: PEM_MAX as u32,
            },
        ));
    }
    let certs = mail::tls::read_ca_pem(pem.as_bytes())
        .map_err(|_| Error::field("pem", Code::InvalidCertificate))?;
    let txn = db.begin().await?;
    let mut ids = Vec::new();
    for c in certs {
        let fingerprint = hex::encode(sha2::Sha256::digest(&c.der));
        let known = entity::Entity::find()
            .select_only()
            .column(entity::Column::Id)
            .filter(entity::Column::Fingerprint.eq(fingerprint.as_str()))
            .into_tuple::<i32>()
            .one(&txn)
            .await?;
        if known.is_some() {
            return Err(Error::field("pem", Code::Duplicate));
        }
        let row = entity::ActiveModel {
            subject: Set(c.subject.clone()),
            issuer: Set(c.issuer),
            not_after: Set(c.not_after),
            fingerprint: Set(fingerprint.clone()),
            pem: Set(pem_of(&c.der)),
            created_at: Set(chrono::Utc::now()),
            created_by: Set(actor.user_id),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| Error::unique_violation_as(e, "pem"))?;
        audit::record(&txn, actor, "trusted_ca.add", &c.subject, &fingerprint).await?;
        ids.push(row.id);
    }
    txn.commit().await?;
    Ok(ids)
}

/// Removes one; connections stop trusting it once [`apply`] has run.
pub async fn remove(db: &DatabaseConnection, actor: &Actor, id: i32) -> Result<()> {
    let txn = db.begin().await?;
    let row = entity::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(Error::NotFound)?;
    entity::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        actor,
        "trusted_ca.remove",
        &row.subject,
        &row.fingerprint,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Makes `trust` (and every clone of it) trust exactly the certificates
/// stored now, besides the public roots and a CA given at start-up.
pub async fn apply(db: &DatabaseConnection, trust: &mail::tls::Trust) -> Result<()> {
    let pems: Vec<Vec<u8>> = entity::Entity::find()
        .select_only()
        .column(entity::Column::Pem)
        .order_by_asc(entity::Column::Id)
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .map(String::into_bytes)
        .collect();
    // Rows were checked when added; one that no longer reads (edited by
    // hand) must not take the others down with it.
    if trust.set_added(&pems).is_err() {
        let readable: Vec<Vec<u8>> = pems
            .into_iter()
            .filter(|p| mail::tls::read_ca_pem(p).is_ok())
            .collect();
        tracing::warn!("a stored trusted CA certificate does not read; it is left out");
        trust
            .set_added(&readable)
            .map_err(|e| Error::Internal(e.to_string()))?;
    }
    Ok(())
}

/// One certificate as PEM, lines of 64 characters.
fn pem_of(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}
