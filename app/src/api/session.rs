//! Signing in and out, the caller, language and own password.
use leptos::prelude::*;

use super::Me;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server::auth::{Need, done, fail, require};

#[server(prefix = "/api", endpoint = "whoami", output = crate::api::codec::Json)]
pub async fn whoami() -> Result<Option<Me>, AppError> {
    let caller = crate::server::auth::current_user().await.map_err(fail)?;
    Ok(caller.map(|c| Me::from(&c.user)))
}

#[server(prefix = "/api", endpoint = "login", output = crate::api::codec::Json)]
pub async fn login(login_id: String, password: String) -> Result<(), AppError> {
    use crate::server::auth::{client_ip, is_https, parts, session_cookie, set_cookie, state};
    use std::time::Instant;

    let state = state()?;
    let parts = parts().await?;
    let ip = client_ip(&parts, state.trust_proxy).unwrap_or_else(|| "unknown".into());
    // Counted before the password is checked (a failure unless it turns out
    // right), so a concurrent burst cannot slip past the count.
    if let Err(wait) = state.throttle.attempt(&login_id, &ip, Instant::now()) {
        return Err(fail(AppError::Throttled(wait.as_secs().max(1))));
    }
    let user = done(domain::users::authenticate(&state.db, &login_id, &password).await)?;
    let actor = domain::audit::Actor {
        user_id: user.as_ref().map(|u| u.id),
        ip: Some(ip.clone()),
    };
    let Some(user) = user else {
        let target: String = login_id.chars().take(64).collect();
        done(domain::audit::record(&state.db, &actor, "login.failed", &target, "").await)?;
        return Err(fail(AppError::LoginFailed));
    };
    state.throttle.succeeded(&login_id, &ip);
    let token = done(domain::sessions::create(&state.db, user.id, Some(ip)).await)?;
    done(
        domain::audit::record(&state.db, &actor, "login", &format!("user:{}", user.id), "").await,
    )?;
    let https = is_https(&parts, &state);
    set_cookie(session_cookie(
        &token,
        https,
        domain::sessions::LIFETIME.num_seconds(),
    ));
    set_cookie(crate::server::auth::lang_cookie(&user.language, https));
    crate::server::auth::redirect_form_post(if user.must_change_password {
        "/password"
    } else {
        "/"
    });
    Ok(())
}

#[server(prefix = "/api", endpoint = "logout", output = crate::api::codec::Json)]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::auth::{is_https, parts, session_cookie, session_token, set_cookie, state};
    let state = state()?;
    let parts = parts().await?;
    if let Some(token) = session_token(&parts.headers, &state) {
        done(domain::sessions::delete(&state.db, &token).await)?;
    }
    set_cookie(session_cookie("", is_https(&parts, &state), 0));
    crate::server::auth::redirect_form_post("/login");
    Ok(())
}

#[server(prefix = "/api", endpoint = "set_language", output = crate::api::codec::Json)]
pub async fn set_language(language: String) -> Result<(), AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::SignedIn).await?;
    done(domain::users::set_language(&state.db, caller.user.id, &language).await)?;
    let parts = crate::server::auth::parts().await?;
    crate::server::auth::set_cookie(crate::server::auth::lang_cookie(
        &language,
        crate::server::auth::is_https(&parts, &state),
    ));
    Ok(())
}

#[server(prefix = "/api", endpoint = "change_password", output = crate::api::codec::Json)]
pub async fn change_password(
    current: String,
    new_password: String,
    confirm: String,
) -> Result<(), AppError> {
    let state = crate::server::auth::state()?;
    let caller = require(Need::SignedIn).await?;
    let parts = crate::server::auth::parts().await?;
    let this_session = crate::server::auth::session_token(&parts.headers, &state);
    done(
        domain::users::change_own_password(
            &state.db,
            &caller.actor(),
            caller.user.id,
            &current,
            &new_password,
            &confirm,
            this_session.as_deref(),
        )
        .await,
    )?;
    crate::server::auth::redirect_form_post("/");
    Ok(())
}
