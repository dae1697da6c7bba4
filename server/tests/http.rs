//! The HTTP surface without a socket (`Router` + `oneshot`), on SQLite and
//! PostgreSQL: who may call what, status codes, cookies, messages.
use axum::Router;
use axum::body::Body;
use domain::DatabaseConnection;
use http::{Request, StatusCode, header};
use rstest::rstest;
use sea_orm::EntityTrait;
use serde_json::Value;
use tower::ServiceExt;

struct TestApp {
    router: Router,
    db: DatabaseConnection,
    /// The database, for a second server process on it.
    #[cfg_attr(not(feature = "servers"), allow(dead_code))]
    url: String,
}

struct Reply {
    status: StatusCode,
    headers: http::HeaderMap,
    body: String,
    bytes: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    /// `name=value` of a cookie this reply sets.
    fn cookie(&self, name: &str) -> String {
        let c = self
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|v| v.starts_with(&format!("{name}=")))
            .unwrap_or_else(|| panic!("cookie {name} set"));
        c.split(';').next().unwrap().to_owned()
    }
    /// The session cookie, under whichever name the scheme gives it.
    fn session_cookie(&self) -> String {
        let secure = self
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|v| v.as_bytes().starts_with(b"__Host-tayori_session="));
        self.cookie(if secure {
            "__Host-tayori_session"
        } else {
            "tayori_session"
        })
    }
}

impl TestApp {
    async fn new(backend: &str, secure: bool) -> Self {
        Self::with_site(backend, secure, "target/site").await
    }

    async fn with_site(backend: &str, secure: bool, site_root: &str) -> Self {
        let trust = match std::env::var("MS_CA_PEM") {
            Ok(p) => mail::tls::Trust::new(Some(&std::fs::read(p).unwrap())).unwrap(),
            Err(_) => mail::tls::Trust::public(),
        };
        Self::build(backend, secure, site_root, trust).await
    }

    /// A server trusting the public roots only (no CA from a file).
    #[cfg_attr(not(feature = "servers"), allow(dead_code))]
    async fn public_trust(backend: &str) -> Self {
        Self::build(backend, false, "target/site", mail::tls::Trust::public()).await
    }

    /// Another server process on `app`'s database, trusting the public
    /// roots and what the database lists.
    #[cfg_attr(not(feature = "servers"), allow(dead_code))]
    async fn public_trust_on(app: &TestApp) -> Self {
        Self::build_at(
            app.url.clone(),
            false,
            "target/site",
            mail::tls::Trust::public(),
        )
        .await
    }

    async fn build(backend: &str, secure: bool, site_root: &str, trust: mail::tls::Trust) -> Self {
        let url = domain::testing::database_url(backend).await;
        Self::build_at(url, secure, site_root, trust).await
    }

    async fn build_at(url: String, secure: bool, site_root: &str, trust: mail::tls::Trust) -> Self {
        // Names resolve as the test stack's DNS says (自動設定's domains),
        // as a server started with TAYORI_DNS_SERVERS does.
        static DNS: std::sync::Once = std::sync::Once::new();
        DNS.call_once(|| {
            if let Ok(s) = std::env::var("MS_DNS") {
                mail::dns::use_servers(mail::dns::parse_servers(&s).unwrap());
            }
        });
        let opts = server::leptos_options(site_root, "127.0.0.1:3000".parse().unwrap());
        let data_dir =
            std::env::temp_dir().join(format!("tayori_http_keys_{}", domain::testing::unique("")));
        let options = server::Options {
            secure_cookies: secure,
            data_dir,
            mail_trust: trust,
            ..Default::default()
        };
        let state = server::build_state(&url, opts, options).await.unwrap();
        let db = state.db.clone();
        TestApp {
            router: server::router(state),
            db,
            url,
        }
    }

    async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    async fn call(&self, fname: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Reply {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", app::url::query_value(k), app::url::query_value(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut req = Request::post(format!("/api/{fname}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    async fn login(&self, login: &str, password: &str) -> String {
        let r = self
            .call(
                "login",
                &[("login_id", login), ("password", password)],
                None,
            )
            .await;
        assert!(
            r.status.is_success() || r.status.is_redirection(),
            "login {login}: {} {}",
            r.status,
            r.body
        );
        r.session_cookie()
    }

    /// A user's first sign-in with the one-time password "first-pass-1",
    /// changed at once to "second-pass-2": the session cookie and the
    /// change's answer.
    async fn first_sign_in(&self, login: &str) -> (String, Reply) {
        let cookie = self.login(login, "first-pass-1").await;
        let r = self
            .call(
                "change_password",
                &[
                    ("current", "first-pass-1"),
                    ("new_password", "second-pass-2"),
                    ("confirm", "second-pass-2"),
                ],
                Some(&cookie),
            )
            .await;
        (cookie, r)
    }

    /// An administrator who has already changed the one-time password.
    async fn admin(&self) -> String {
        let pw = domain::users::create_or_reset_admin(&self.db, "root", "管理者")
            .await
            .unwrap();
        let c = self.login("root", &pw).await;
        let r = self
            .call(
                "change_password",
                &[
                    ("current", &pw),
                    ("new_password", "admin-pass-1"),
                    ("confirm", "admin-pass-1"),
                ],
                Some(&c),
            )
            .await;
        assert!(
            !r.status.is_client_error() && !r.status.is_server_error(),
            "{} {}",
            r.status,
            r.body
        );
        c
    }
}

/// The bundle goes out as the compressed copy the browser accepts, to
/// anyone (the sign-in page needs it), and is revalidated on every use.
#[tokio::test]
async fn the_bundle_is_sent_compressed_and_revalidated() {
    let site = std::env::temp_dir().join(format!("tayori_site_{}", domain::testing::unique("")));
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let (raw, br, gz) = (
        b"export function start() {}".as_slice(),
        b"brotli bytes".as_slice(),
        b"gzip bytes".as_slice(),
    );
    std::fs::write(pkg.join("tayori.js"), raw).unwrap();
    std::fs::write(pkg.join("tayori.js.br"), br).unwrap();
    std::fs::write(pkg.join("tayori.js.gz"), gz).unwrap();
    let app = TestApp::with_site("sqlite", false, site.to_str().unwrap()).await;
    let get = |accept: &str| {
        let mut req = Request::get("/pkg/tayori.js");
        if !accept.is_empty() {
            req = req.header(header::ACCEPT_ENCODING, accept);
        }
        app.router.clone().oneshot(req.body(Body::empty()).unwrap())
    };
    for (accept, encoding, body) in [
        ("gzip, deflate, br, zstd", Some("br"), br),
        ("gzip, deflate", Some("gzip"), gz),
        ("", None, raw),
    ] {
        let res = get(accept).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{accept}");
        let h = res.headers().clone();
        assert_eq!(
            h.get(header::CONTENT_ENCODING).map(|v| v.to_str().unwrap()),
            encoding,
            "{accept}"
        );
        assert!(
            h[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .contains("javascript")
        );
        assert_eq!(h[header::CACHE_CONTROL], "no-cache");
        assert_eq!(h[header::VARY], "accept-encoding");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        let got = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        assert_eq!(&got[..], body, "{accept}");
    }
    // Revalidation of an unchanged file: 304, no body.
    let modified = get("br").await.unwrap().headers()[header::LAST_MODIFIED].clone();
    let again = app
        .router
        .clone()
        .oneshot(
            Request::get("/pkg/tayori.js")
                .header(header::IF_MODIFIED_SINCE, modified)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(
        app.send(Request::get("/pkg/missing.js").body(Body::empty()).unwrap())
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let _ = std::fs::remove_dir_all(site);
}

#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn signed_out_callers_get_401_and_pages_redirect_to_login(#[case] backend: &str) {
    let app = TestApp::new(backend, false).await;
    for f in [
        "list_orgs",
        "create_org",
        "list_users",
        "get_company",
        "save_company",
    ] {
        let r = app
            .call(
                f,
                &[("name", "x"), ("parent", ""), ("org", ""), ("email", "")],
                None,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "{backend} {f}: {}",
            r.body
        );
        assert_eq!(
            r.json(),
            serde_json::json!("Unauthenticated"),
            "{backend} {f}"
        );
    }
    let r = app
        .call(
            "create_org",
            &[("name", "x"), ("parent", "")],
            Some("tayori_session=forged"),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "{backend}: forged cookie"
    );
    let r = app
        .send(Request::get("/admin/users").body(Body::empty()).unwrap())
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend}");
    assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/login");
    let r = app
        .send(Request::get("/login").body(Body::empty()).unwrap())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{backend}");
    assert!(
        r.body.contains("ログイン"),
        "{backend}: login page renders in Japanese"
    );
    assert!(r.body.contains("data-testid=\"login-id\""));
}

#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn non_admins_get_403_from_every_admin_function(#[case] backend: &str) {
    let app = TestApp::new(backend, false).await;
    let admin = app.admin().await;
    let r = app
        .call(
            "create_user",
            &[
                ("login_id", "tanaka"),
                ("name", "田中 一郎"),
                ("email", "tanaka@example.co.jp"),
                ("role", "user"),
                ("password", "first-pass-1"),
                ("organisation", ""),
                ("language", "ja"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{backend}: {}", r.body);
    let user = app.login("tanaka", "first-pass-1").await;

    // Before changing the one-time password, even user functions refuse.
    let r = app.call("list_orgs", &[], Some(&user)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{backend}");
    assert_eq!(r.json(), serde_json::json!("PasswordChangeRequired"));
    let r = app
        .call(
            "change_password",
            &[
                ("current", "first-pass-1"),
                ("new_password", "second-pass-2"),
                ("confirm", "second-pass-2"),
            ],
            Some(&user),
        )
        .await;
    assert!(!r.status.is_client_error(), "{backend}: {}", r.body);
    assert_eq!(
        app.call("list_orgs", &[], Some(&user)).await.status,
        StatusCode::OK
    );

    let admin_calls: [(&str, &[(&str, &str)]); 13] = [
        ("trusted_cas", &[]),
        ("add_trusted_ca", &[("pem", "x")]),
        ("remove_trusted_ca", &[("id", "1")]),
        ("create_org", &[("name", "x"), ("parent", "")]),
        ("rename_org", &[("id", "1"), ("name", "x")]),
        ("move_org", &[("id", "1"), ("parent", "")]),
        ("delete_org", &[("id", "1")]),
        ("list_users", &[("org", "")]),
        ("get_user", &[("id", "1")]),
        (
            "create_user",
            &[
                ("login_id", "x"),
                ("name", "x"),
                ("email", ""),
                ("role", "admin"),
                ("password", "12345678"),
                ("organisation", ""),
                ("language", "ja"),
            ],
        ),
        (
            "update_user",
            &[
                ("id", "1"),
                ("name", "x"),
                ("email", ""),
                ("role", "user"),
                ("organisation", ""),
                ("language", "ja"),
            ],
        ),
        ("reset_password", &[("id", "1"), ("password", "12345678")]),
        ("save_company", &[("name", "x"), ("email", "")]),
    ];
    for (f, form) in admin_calls {
        let r = app.call(f, form, Some(&user)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{backend} {f}: {}", r.body);
        assert_eq!(r.json(), serde_json::json!("Forbidden"), "{backend} {f}");
    }
    assert_eq!(
        app.call("get_company", &[], Some(&user)).await.status,
        StatusCode::FORBIDDEN
    );
    // Nothing changed behind the refusals.
    assert!(
        domain::orgs::list(&app.db).await.unwrap().is_empty(),
        "{backend}"
    );
    assert!(
        domain::users::find_by_login(&app.db, "x")
            .await
            .unwrap()
            .is_none()
    );
}

#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn validation_errors_name_the_field_with_422(#[case] backend: &str) {
    let app = TestApp::new(backend, false).await;
    let admin = app.admin().await;
    let base = [
        ("login_id", "suzuki"),
        ("name", "鈴木 次郎"),
        ("email", "suzuki@example.co.jp"),
        ("role", "user"),
        ("password", "first-pass-1"),
        ("organisation", ""),
        ("language", "ja"),
    ];
    assert_eq!(
        app.call("create_user", &base, Some(&admin)).await.status,
        StatusCode::OK
    );
    let r = app.call("create_user", &base, Some(&admin)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
    assert_eq!(
        r.json(),
        serde_json::json!({"Invalid": [{"field": "login_id", "code": "duplicate", "param": null}]})
    );
    let mut bad = base;
    bad[0].1 = "other";
    bad[1].1 = "";
    bad[2].1 = "no-at-sign";
    let r = app.call("create_user", &bad, Some(&admin)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = r.json()["Invalid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["field"].as_str().unwrap(),
                e["code"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        fields,
        ["name:required", "email:invalid_email"],
        "{backend}"
    );
    let long = "あ".repeat(101);
    let r = app
        .call(
            "create_org",
            &[("name", &long), ("parent", "")],
            Some(&admin),
        )
        .await;
    assert_eq!(r.json()["Invalid"][0]["code"], "too_long", "{backend}");
    assert_eq!(r.json()["Invalid"][0]["param"], 100);
    assert!(
        domain::users::find_by_login(&app.db, "other")
            .await
            .unwrap()
            .is_none()
    );
}

/// A server function's body is bounded before it is read: one longer than
/// the limit is refused (413) whether or not it declares its length, and
/// only the CSV import gets more room.
#[tokio::test]
async fn oversized_bodies_are_refused_before_they_are_read() {
    let app = TestApp::new("sqlite", false).await;
    let huge = format!("login_id={}&password=x", "a".repeat(server::API_BODY_MAX));
    for declared in [true, false] {
        let mut req = Request::post("/api/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if declared {
            req = req.header(header::CONTENT_LENGTH, huge.len());
        }
        let r = app.send(req.body(Body::from(huge.clone())).unwrap()).await;
        // Declared: refused before reading. Not declared: the read stops at
        // the limit and the call is refused as bad arguments.
        let expected = if declared {
            StatusCode::PAYLOAD_TOO_LARGE
        } else {
            StatusCode::BAD_REQUEST
        };
        assert_eq!(r.status, expected, "declared length {declared}: {}", r.body);
        if !declared {
            assert!(r.body.contains("length limit exceeded"), "{}", r.body);
        }
    }
    // The import takes a larger file (and then asks who is calling).
    let r = app
        .send(
            Request::post("/api/import_accounts")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::CONTENT_LENGTH, huge.len())
                .body(Body::from(huge))
                .unwrap(),
        )
        .await;
    assert_ne!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
}

/// A page on another site, or on another port of this host (the same
/// "site", so a `SameSite=Lax` cookie goes along), cannot sign anyone in
/// or change anything; a body type other than the one the route decodes is
/// refused, so a form posting `text/plain` cannot smuggle JSON in.
#[tokio::test]
async fn requests_from_other_pages_are_refused() {
    let app = TestApp::new("sqlite", false).await;
    let pw = domain::users::create_or_reset_admin(&app.db, "root", "管理者")
        .await
        .unwrap();
    let form = format!("login_id=root&password={}", app::url::query_value(&pw));
    let post = |path: &str, kind: &str, headers: &[(&str, &str)], body: String| {
        let mut req = Request::post(path)
            .header(header::HOST, "groupware.example.test:3000")
            .header(header::CONTENT_TYPE, kind);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.body(Body::from(body)).unwrap()
    };
    let urlencoded = "application/x-www-form-urlencoded";
    for (headers, why) in [
        (vec![("sec-fetch-site", "cross-site")], "another site"),
        (vec![("sec-fetch-site", "same-site")], "another port"),
        (
            vec![("origin", "http://groupware.example.test:8080")],
            "another port, by Origin only",
        ),
        (vec![("origin", "null")], "an opaque origin"),
    ] {
        let r = app
            .send(post("/api/login", urlencoded, &headers, form.clone()))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "login from {why}");
        assert!(r.headers.get(header::SET_COOKIE).is_none(), "{why}");
    }
    let r = app
        .send(post(
            "/api/login",
            "text/plain",
            &[("sec-fetch-site", "same-origin")],
            form.clone(),
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.body);
    // Our own pages, by either header; a client that is no browser page
    // sends neither.
    for headers in [
        vec![("sec-fetch-site", "same-origin")],
        vec![("origin", "http://groupware.example.test:3000")],
        vec![],
    ] {
        let r = app
            .send(post("/api/login", urlencoded, &headers, form.clone()))
            .await;
        assert!(
            r.status.is_success() || r.status.is_redirection(),
            "{headers:?}: {} {}",
            r.status,
            r.body
        );
    }
    // Signed in, a cross-site post is refused before the function runs.
    let cookie = app.login("root", &pw).await;
    let mut req = post(
        "/api/save_company",
        urlencoded,
        &[("sec-fetch-site", "cross-site")],
        "name=x&email=x%40example.test".into(),
    );
    req.headers_mut()
        .insert(header::COOKIE, cookie.parse().unwrap());
    assert_eq!(app.send(req).await.status, StatusCode::FORBIDDEN);
    // send_mail decodes JSON: a form post to it is refused as such.
    let mut req = post(
        "/api/send_mail",
        "text/plain",
        &[("sec-fetch-site", "same-origin")],
        "{}".into(),
    );
    req.headers_mut()
        .insert(header::COOKIE, cookie.parse().unwrap());
    assert_eq!(
        app.send(req).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
}

#[tokio::test]
async fn wrong_passwords_are_refused_then_slowed() {
    let app = TestApp::new("sqlite", false).await;
    domain::users::create_or_reset_admin(&app.db, "root", "管理者")
        .await
        .unwrap();
    for _ in 0..3 {
        let r = app
            .call(
                "login",
                &[("login_id", "root"), ("password", "guess")],
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.json(), serde_json::json!("LoginFailed"));
        assert!(r.headers.get(header::SET_COOKIE).is_none());
    }
    let r = app
        .call(
            "login",
            &[("login_id", "root"), ("password", "guess")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    let failures = domain::audit::recent(&app.db, 10)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "login.failed")
        .count();
    assert_eq!(failures, 3, "each checked failure is audited");
}

#[tokio::test]
async fn session_cookie_flags_and_logout() {
    for secure in [false, true] {
        let app = TestApp::new("sqlite", secure).await;
        let pw = domain::users::create_or_reset_admin(&app.db, "root", "管理者")
            .await
            .unwrap();
        let r = app
            .call("login", &[("login_id", "root"), ("password", &pw)], None)
            .await;
        let set = r
            .headers
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Lax"),
            "{set}"
        );
        assert_eq!(set.contains("; Secure"), secure, "{set}");
        // Over HTTPS the name carries the __Host- prefix (browsers then
        // refuse one planted by another host or over plain HTTP), and the
        // unprefixed name is not honoured there.
        assert_eq!(set.starts_with("__Host-tayori_session="), secure, "{set}");
        let cookie = r.session_cookie();
        if secure {
            let planted = cookie.replacen("__Host-", "", 1);
            let r = app
                .send(
                    Request::get("/")
                        .header(header::COOKIE, &planted)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await;
            assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/login");
        }
        let get = |path: &'static str| {
            Request::get(path)
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap()
        };
        let r = app.send(get("/")).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "a one-time password must be changed first"
        );
        assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/password");
        let r = app.send(get("/password")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("data-testid=\"password-change-required\""));
        assert!(
            r.body
                .contains(r#"<script id="tayori-me" type="application/json">{"id":"#),
            "the user is embedded for hydration"
        );
        let r = app.send(get("/login")).await;
        assert_eq!(
            r.headers.get(header::LOCATION).unwrap(),
            "/",
            "signed in: no sign-in form"
        );
        app.call("logout", &[], Some(&cookie)).await;
        let r = app
            .call(
                "change_password",
                &[
                    ("current", &pw),
                    ("new_password", "abcdefgh1"),
                    ("confirm", "abcdefgh1"),
                ],
                Some(&cookie),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "the old cookie is dead after logout"
        );
    }
}

#[tokio::test]
async fn language_switch_is_per_user_and_sets_html_lang() {
    let app = TestApp::new("sqlite", false).await;
    let admin = app.admin().await;
    let r = app
        .call("set_language", &[("language", "en")], Some(&admin))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let lang = r.cookie("tayori_lang");
    assert_eq!(lang, "tayori_lang=en");
    let r = app
        .send(
            Request::get("/help")
                .header(header::COOKIE, format!("{admin}; {lang}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(
        r.body.contains("<html lang=\"en\""),
        "{}",
        &r.body[..200.min(r.body.len())]
    );
    assert!(
        r.body.contains("How mail flows"),
        "the page renders in English on the server"
    );
    let me = domain::users::find_by_login(&app.db, "root")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(me.language, "en", "stored with the user");
    let r = app
        .call("set_language", &[("language", "fr")], Some(&admin))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[cfg(feature = "servers")]
fn mail_form(
    port_var: &str,
    protection: &'static str,
    mechanism: &'static str,
) -> Vec<(&'static str, String)> {
    vec![
        ("preset", "custom".into()),
        ("pop_host", "localhost".into()),
        ("pop_port", domain::testing::env("MS_POP3_PORT")),
        ("pop_protection", "none".into()),
        ("pop_auth", "standard".into()),
        ("smtp_host", "localhost".into()),
        ("smtp_port", domain::testing::env(port_var)),
        ("smtp_protection", protection.into()),
        ("smtp_auth", "smtp".into()),
        ("smtp_mechanism", mechanism.into()),
        ("auth_user", "bob@example.test".into()),
        ("password", "bobpass".into()),
        ("timeout_secs", "10".into()),
        ("from_mode", "custom".into()),
        ("from_custom", "\"便り通知\" <bob@example.test>".into()),
    ]
}

impl TestApp {
    async fn post_form(&self, path: &str, form: &[(&str, String)], cookie: Option<&str>) -> Reply {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", app::url::query_value(k), app::url::query_value(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut req =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }
}

#[cfg(feature = "servers")]
fn ndjson(body: &str) -> Vec<Value> {
    body.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[cfg(feature = "servers")]
#[tokio::test]
async fn connection_test_streams_steps_and_advises() {
    let app = TestApp::new("sqlite", false).await;
    let admin = app.admin().await;
    let form = mail_form("MS_SUBMISSION_PORT", "starttls", "standard");

    assert_eq!(
        app.post_form("/api/mail_server/test", &form, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    let r = app
        .post_form("/api/mail_server/test", &form, Some(&admin))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/x-ndjson")
    );
    let lines = ndjson(&r.body);
    let steps: Vec<&str> = lines.iter().filter_map(|l| l["step"].as_str()).collect();
    assert_eq!(
        steps,
        [
            "dns",
            "tcp",
            "greeting",
            "capabilities",
            "starttls",
            "capabilities",
            "login"
        ]
    );
    let verdict = lines.last().unwrap();
    assert_eq!(verdict["verdict"], "ok", "{verdict}");
    assert_eq!(verdict["mechanism"], "CRAM-MD5");

    let form = mail_form("MS_SMTP_LOGINONLY_PORT", "none", "cram-md5");
    let lines = ndjson(
        &app.post_form("/api/mail_server/test", &form, Some(&admin))
            .await
            .body,
    );
    let verdict = lines.last().unwrap();
    assert_eq!(
        (verdict["advice"].as_str(), verdict["field"].as_str()),
        (Some("mechanism_not_offered"), Some("smtp_mechanism"))
    );
    assert_eq!(verdict["offered"], serde_json::json!(["LOGIN"]));

    // Sending with なし: advised to use STARTTLS where the server offers
    // it, and not where it does not.
    for (port, advised) in [
        ("MS_SMTP_LOGINONLY_PORT", serde_json::json!("starttls")),
        ("MS_SMTP_NOTLS_PORT", Value::Null),
    ] {
        let form = mail_form(port, "none", "login");
        let verdict = ndjson(
            &app.post_form("/api/mail_server/test", &form, Some(&admin))
                .await
                .body,
        )
        .pop()
        .unwrap();
        assert_eq!(verdict["verdict"], "ok", "{port}: {verdict}");
        assert_eq!(verdict["recommend"], advised, "{port}: {verdict}");
    }

    let form = mail_form("MS_SMTP_NOTLS_PORT", "starttls", "plain");
    let verdict = ndjson(
        &app.post_form("/api/mail_server/test", &form, Some(&admin))
            .await
            .body,
    )
    .pop()
    .unwrap();
    assert_eq!(verdict["advice"], "starttls_not_offered");
    assert_eq!(verdict["field"], "smtp_protection");

    let mut form = mail_form("MS_SMTPS_PORT", "starttls", "plain");
    form.retain(|(k, _)| *k != "timeout_secs");
    form.push(("timeout_secs", "2".into()));
    let verdict = ndjson(
        &app.post_form("/api/mail_server/test", &form, Some(&admin))
            .await
            .body,
    )
    .pop()
    .unwrap();
    assert_eq!(verdict["advice"], "wrong_port_for_protection", "{verdict}");

    let mut form = mail_form("MS_SUBMISSION_PORT", "starttls", "plain");
    form.retain(|(k, _)| *k != "password");
    form.push(("password", "wrong".into()));
    let verdict = ndjson(
        &app.post_form("/api/mail_server/test", &form, Some(&admin))
            .await
            .body,
    )
    .pop()
    .unwrap();
    assert_eq!(
        (verdict["advice"].as_str(), verdict["field"].as_str()),
        (Some("auth_failed"), Some("password"))
    );

    let mut form = mail_form("MS_SUBMISSION_PORT", "starttls", "plain");
    form.retain(|(k, _)| *k != "pop_protection");
    form.push(("pop_protection", "starttls".into()));
    let lines = ndjson(
        &app.post_form(
            "/api/mail_server/test",
            &[form.as_slice(), &[("target", "pop3".to_owned())]].concat(),
            Some(&admin),
        )
        .await
        .body,
    );
    let steps: Vec<&str> = lines.iter().filter_map(|l| l["step"].as_str()).collect();
    assert_eq!(
        steps,
        ["dns", "tcp", "greeting", "capabilities", "starttls",]
    );
    assert_eq!(lines.last().unwrap()["verdict"], "ok");

    // Step ② alone: with the later steps empty or wrong the receiving
    // server is still tested (no user of its own, so no login).
    let mut form: Vec<(&str, String)> = mail_form("MS_SUBMISSION_PORT", "starttls", "plain")
        .into_iter()
        .filter(|(k, _)| !matches!(*k, "smtp_host" | "smtp_port" | "auth_user" | "password"))
        .collect();
    form.push(("smtp_port", "99999".into()));
    form.push(("target", "pop3".into()));
    let r = app
        .post_form("/api/mail_server/test", &form, Some(&admin))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let lines = ndjson(&r.body);
    assert_eq!(lines.last().unwrap()["verdict"], "ok", "{}", r.body);
    assert!(!lines.iter().any(|l| l["step"] == "login"), "{}", r.body);
    // なし where the server offers STLS: it works, and STARTTLS is advised.
    assert_eq!(lines.last().unwrap()["recommend"], "starttls", "{}", r.body);
    // Its own fields are still checked.
    form.retain(|(k, _)| *k != "pop_port");
    form.push(("pop_port", "0".into()));
    let r = app
        .post_form("/api/mail_server/test", &form, Some(&admin))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["Invalid"][0]["field"], "pop_port");

    let mut form = mail_form("MS_SUBMISSION_PORT", "starttls", "plain");
    form.retain(|(k, _)| *k != "smtp_port");
    form.push(("smtp_port", "99999".into()));
    let r = app
        .post_form("/api/mail_server/test", &form, Some(&admin))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["Invalid"][0]["field"], "smtp_port");
}

#[cfg(feature = "servers")]
#[rstest]
#[case::sqlite("sqlite")]
#[case::postgres("postgres")]
#[tokio::test]
async fn a_ca_added_in_the_ui_is_trusted_by_the_next_connection(#[case] backend: &str) {
    let app = TestApp::public_trust(backend).await;
    let admin = app.admin().await;
    let form = mail_form("MS_SMTPS_PORT", "ssl", "plain");
    let verdict = || async {
        ndjson(
            &app.post_form("/api/mail_server/test", &form, Some(&admin))
                .await
                .body,
        )
        .pop()
        .unwrap()
    };
    // The project's CA is not a public one: untrusted, and said so.
    let v = verdict().await;
    assert_eq!(v["advice"], "certificate_untrusted", "{backend}: {v}");

    // Not a certificate: refused at the field, nothing added.
    let r = app
        .call(
            "add_trusted_ca",
            &[("pem", "-----BEGIN CERTIFICATE-----\nnope\n")],
            Some(&admin),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{backend}: {}",
        r.body
    );
    assert!(
        r.body.contains("invalid_certificate") && r.body.contains("\"pem\""),
        "{}",
        r.body
    );

    // Added in the UI: the next connection trusts it, no restart.
    let pem = std::fs::read_to_string(domain::testing::env("MS_CA_PEM")).unwrap();
    let r = app
        .call("add_trusted_ca", &[("pem", &pem)], Some(&admin))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{backend}: {}", r.body);
    let v = verdict().await;
    assert_eq!(v["verdict"], "ok", "{backend}: {v}");
    let r = app.call("trusted_cas", &[], Some(&admin)).await;
    let list = r.json();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{}", r.body);
    assert_eq!(list[0]["fingerprint"].as_str().unwrap().len(), 32 * 3 - 1);
    // The same certificate twice is refused.
    let r = app
        .call("add_trusted_ca", &[("pem", &pem)], Some(&admin))
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{backend}: {}",
        r.body
    );
    assert!(r.body.contains("duplicate"), "{}", r.body);

    // A second server process on the same database trusts it from start.
    let other = TestApp::public_trust_on(&app).await;
    let r = other
        .post_form("/api/mail_server/test", &form, Some(&admin))
        .await;
    assert_eq!(ndjson(&r.body).pop().unwrap()["verdict"], "ok", "{backend}");

    // Removed: untrusted again.
    let id = list[0]["id"].to_string();
    let r = app
        .call("remove_trusted_ca", &[("id", &id)], Some(&admin))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{backend}: {}", r.body);
    let v = verdict().await;
    assert_eq!(v["advice"], "certificate_untrusted", "{backend}: {v}");
}

#[cfg(feature = "servers")]
#[tokio::test]
async fn autoconfig_streams_each_source_and_proposes_settings_that_connect() {
    let app = TestApp::new("sqlite", false).await;
    let admin = app.admin().await;
    let ask = |address: &str| {
        vec![
            ("autoconfig_address", address.to_owned()),
            ("autoconfig_scope", "admin".to_owned()),
        ]
    };
    assert_eq!(
        app.post_form("/api/autoconfig", &ask("bob@srv.example.test"), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let r = app
        .post_form("/api/autoconfig", &ask("bob@"), Some(&admin))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["Invalid"][0]["field"], "autoconfig_address");

    let r = app
        .post_form(
            "/api/autoconfig",
            &ask("bob@srv.example.test"),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let lines = ndjson(&r.body);
    let steps: Vec<(&str, bool)> = lines
        .iter()
        .filter_map(|l| Some((l["step"].as_str()?, l["ok"].as_bool()?)))
        .collect();
    assert_eq!(
        steps,
        [
            ("preset", false),
            ("autoconfig", false),
            ("ispdb", false),
            ("srv", true)
        ],
        "{}",
        r.body
    );
    assert_eq!(lines[2]["skipped"], true, "no ISPDB is named");
    let found = &lines.last().unwrap()["found"];
    assert_eq!(found["source"], "srv");
    assert_eq!(found["pop3"]["host"], "mail.example.test");
    assert_eq!(found["confirm_hosts"], false);

    // What it proposes passes the connection test.
    let mut form = mail_form("MS_SUBMISSION_PORT", "starttls", "plain");
    form.retain(|(k, _)| !matches!(*k, "pop_host" | "pop_port" | "pop_protection"));
    form.push((
        "pop_host",
        found["pop3"]["host"].as_str().unwrap().to_owned(),
    ));
    form.push(("pop_port", found["pop3"]["port"].to_string()));
    form.push((
        "pop_protection",
        found["pop3"]["protection"].as_str().unwrap().to_owned(),
    ));
    form.push(("target", "pop3".into()));
    let r = app
        .post_form("/api/mail_server/test", &form, Some(&admin))
        .await;
    assert_eq!(
        ndjson(&r.body).pop().unwrap()["verdict"],
        "ok",
        "{}",
        r.body
    );
}

#[cfg(feature = "servers")]
#[tokio::test]
async fn saved_settings_never_return_the_password_and_send_a_test_mail() {
    let app = TestApp::new("sqlite", false).await;
    let admin = app.admin().await;
    let form = mail_form("MS_SMTPS_PORT", "ssl", "standard");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.call("save_mail_server", &pairs, Some(&admin)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!r.body.contains("bobpass"));
    assert_eq!(r.json()["password_set"], true);
    let r = app.call("get_mail_server", &[], Some(&admin)).await;
    assert!(
        !r.body.contains("bobpass") && r.json()["smtp_protection"] == "ssl",
        "{}",
        r.body
    );

    let r = app
        .call("send_test_mail", &[("to", "not an address")], Some(&admin))
        .await;
    assert_eq!(r.json()["Invalid"][0]["field"], "to");
    // No sender (会社情報設定 has no address yet): said at the sender, not
    // silently nothing.
    let company: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| {
            if *k == "from_mode" {
                (*k, "company")
            } else {
                (*k, *v)
            }
        })
        .collect();
    let r = app.call("save_mail_server", &company, Some(&admin)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .call(
            "send_test_mail",
            &[("to", "alice@example.test")],
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["Invalid"][0]["field"], "from", "{}", r.body);
    assert_eq!(r.json()["Invalid"][0]["code"], "no_sender", "{}", r.body);
    let r = app.call("save_mail_server", &pairs, Some(&admin)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .call(
            "send_test_mail",
            &[("to", "alice@example.test")],
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let reply = r.json().as_str().unwrap().to_owned();
    assert!(reply.starts_with("250"), "{reply}");
    // Postfix's queue id from the reply is in the delivered copy's Received header.
    let queue_id = reply.rsplit(' ').next().unwrap().to_owned();

    // Delivered: find it over POP3.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let tcp = mail::net::connect(
            "127.0.0.1",
            domain::testing::env("MS_POP3_PORT").parse().unwrap(),
            std::time::Duration::from_secs(5),
            &mut mail::diag::silent,
        )
        .await
        .unwrap();
        let mut c = mail::pop3::Client::start(tcp, std::time::Duration::from_secs(5))
            .await
            .unwrap();
        c.login("alice@example.test", "alicepass").await.unwrap();
        let mut found = false;
        for (n, _) in c.uidl().await.unwrap() {
            let raw = String::from_utf8_lossy(&c.retr(n).await.unwrap()).into_owned();
            if raw.contains(&format!("id {queue_id}")) {
                found = true;
                c.dele(n).await.unwrap();
            }
        }
        c.quit().await.unwrap();
        if found {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "test mail not delivered"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }

    // A plain user may neither read nor change nor use the settings.
    let _ = app
        .call(
            "create_user",
            &[
                ("login_id", "sato"),
                ("name", "佐藤"),
                ("email", ""),
                ("role", "user"),
                ("password", "first-pass-1"),
                ("organisation", ""),
                ("language", "ja"),
            ],
            Some(&admin),
        )
        .await;
    let (user, _) = app.first_sign_in("sato").await;
    for f in ["get_mail_server", "save_mail_server"] {
        assert_eq!(
            app.call(f, &pairs, Some(&user)).await.status,
            StatusCode::FORBIDDEN,
            "{f}"
        );
    }
    let r = app
        .call(
            "send_test_mail",
            &[("to", "alice@example.test")],
            Some(&user),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Malformed arguments are the caller's mistake: 400, not 500.
    let r = app
        .call("send_test_mail", &[("wrong", "x")], Some(&user))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(
        app.post_form("/api/mail_server/test", &form, Some(&user))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn schedule_functions_check_the_caller_and_take_checkbox_lists(#[case] backend: &str) {
    let app = TestApp::new(backend, false).await;
    let admin = app.admin().await;
    for (login, email) in [("sato", "sato@example.test"), ("kato", "")] {
        let r = app
            .call(
                "create_user",
                &[
                    ("login_id", login),
                    ("name", login),
                    ("email", email),
                    ("role", "user"),
                    ("password", "first-pass-1"),
                    ("organisation", ""),
                    ("language", "ja"),
                ],
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{backend}: {}", r.body);
    }
    let user_id = |login: &'static str| {
        let db = app.db.clone();
        async move {
            domain::users::find_by_login(&db, login)
                .await
                .unwrap()
                .unwrap()
                .id
        }
    };
    let (sato, kato) = (user_id("sato").await, user_id("kato").await);

    // Signed out: 401 for every schedule function.
    for f in [
        "schedule_calendar",
        "list_memos",
        "list_outbox",
        "schedule_new_form",
    ] {
        let r = app.call(f, &[("view", "week"), ("date", "")], None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{backend} {f}");
    }

    // Participants as the checkboxes post them (user_ids[] repeated),
    // from a plain HTML form: a redirect to the entry with its outcome.
    let (s, k) = (sato.to_string(), kato.to_string());
    let form: Vec<(&str, String)> = vec![
        ("title", "週次定例".into()),
        ("start_date", "2026-12-07".into()),
        ("start_time", "09:30".into()),
        ("end_date", "2026-12-07".into()),
        ("end_time", "10:00".into()),
        ("notify_method", "mail".into()),
        ("skip_self", "on".into()),
        ("user_ids[]", s.clone()),
        ("user_ids[]", k.clone()),
    ];
    let mut req = Request::post("/api/save_schedule_entry")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::COOKIE, &admin);
    req = req.header(header::REFERER, "http://localhost/schedule/new");
    let body = form
        .iter()
        .map(|(k, v)| format!("{}={}", app::url::query_value(k), app::url::query_value(v)))
        .collect::<Vec<_>>()
        .join("&");
    let r = app.send(req.body(Body::from(body)).unwrap()).await;
    assert!(
        r.status.is_redirection(),
        "{backend}: {} {}",
        r.status,
        r.body
    );
    let location = r.headers[header::LOCATION].to_str().unwrap().to_owned();
    // Notifications are off (no mail server set up): the redirect says so
    // and names the participant without an address.
    assert!(location.starts_with("/schedule/entry/"), "{location}");
    assert!(location.contains("off=disabled"), "{location}");
    let entries = domain::schedule::entry::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(entries.len(), 1, "{backend}");
    let id = entries[0].id.to_string();

    // A participant may see and change it; the user's week shows it.
    let (sato_c, r) = app.first_sign_in("sato").await;
    assert!(!r.status.is_client_error(), "{backend}: {}", r.body);
    let r = app
        .call(
            "schedule_calendar",
            &[("view", "week"), ("date", "2026-12-09")],
            Some(&sato_c),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{backend}: {}", r.body);
    let cal = r.json();
    // Data, not words: the page words the days in the reader's language.
    assert_eq!(
        cal["days"][0]["date"],
        serde_json::json!({"y": 2026, "m": 12, "d": 7, "wd": 0}),
        "{backend}"
    );
    assert_eq!(
        cal["rows"][0]["cells"][0][0]["title"], "週次定例",
        "{backend}"
    );
    assert_eq!(
        (
            &cal["rows"][0]["cells"][0][0]["from"],
            &cal["rows"][0]["cells"][0][0]["to"]
        ),
        (&"09:30".into(), &"10:00".into()),
        "{backend}"
    );

    // Admin-only functions refuse the user.
    for (f, form) in [
        ("list_outbox", vec![("status", "")]),
        ("resend_outbox", vec![("id", "1")]),
        ("save_schedule_titles", vec![("titles", "x")]),
        ("save_time_zone", vec![("time_zone", "UTC")]),
        ("schedule_settings", vec![]),
    ] {
        let r = app.call(f, &form, Some(&sato_c)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{backend} {f}: {}", r.body);
    }

    // Bad input: the field is named, nothing is saved.
    let r = app
        .call(
            "save_schedule_entry",
            &[
                ("id", &id),
                ("title", ""),
                ("start_date", "2026-02-30"),
                ("start_time", "09:00"),
                ("user_ids[]", &s),
                ("notify_method[]", "mail"),
            ],
            Some(&sato_c),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{backend}: {}",
        r.body
    );
    let fields: Vec<String> = r.json()["Invalid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, vec!["title", "start_date"], "{backend}");
    let r = app
        .call(
            "save_time_zone",
            &[("time_zone", "Mars/Olympus")],
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
    assert_eq!(r.json()["Invalid"][0]["field"], "time_zone", "{backend}");

    // Someone else's memo is not found.
    let r = app
        .call("mark_memo_read", &[("id", "999")], Some(&sato_c))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{backend}");
}

#[rstest]
#[case::sqlite("sqlite")]
#[cfg_attr(feature = "servers", case::postgres("postgres"))]
#[tokio::test]
async fn webmail_functions_check_the_caller_and_hide_other_accounts(#[case] backend: &str) {
    let app = TestApp::new(backend, false).await;
    let admin = app.admin().await;
    let mut cookies = Vec::new();
    for login in ["sato", "kato"] {
        let r = app
            .call(
                "create_user",
                &[
                    ("login_id", login),
                    ("name", login),
                    ("email", &format!("{login}@example.test")),
                    ("role", "user"),
                    ("password", "first-pass-1"),
                    ("organisation", ""),
                    ("language", "ja"),
                ],
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{backend}: {}", r.body);
        let (c, _) = app.first_sign_in(login).await;
        cookies.push(c);
    }
    let (sato_c, kato_c) = (&cookies[0], &cookies[1]);
    let id_of = |login: &'static str| {
        let db = app.db.clone();
        async move {
            domain::users::find_by_login(&db, login)
                .await
                .unwrap()
                .unwrap()
                .id
        }
    };
    let (sato, kato) = (id_of("sato").await, id_of("kato").await);

    // Signed out: 401 everywhere; users: 403 from the admin's functions.
    for f in [
        "webmail_users",
        "mail_home",
        "receive_status",
        "account_log",
        "import_accounts",
        "optimize_index",
    ] {
        let r = app
            .call(f, &[("account", "1"), ("id", "1"), ("data", "")], None)
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{backend} {f}");
    }
    for f in [
        "webmail_users",
        "webmail_enable",
        "set_mail_quota",
        "get_webmail_settings",
        "imap_server",
        "save_imap_server",
        "test_imap_server",
        "import_accounts",
        "optimize_index",
        "index_status",
    ] {
        let r = app
            .call(f, &[("user_id", "1"), ("data", "")], Some(sato_c))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{backend} {f}: {}", r.body);
    }
    let r = app
        .send(
            Request::get("/admin/webmail/export.csv")
                .header(header::COOKIE, sato_c.as_str())
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{backend}: export");

    // The admin enables both (checkboxes as user_ids[]) and adds an
    // account for sato with its own server.
    let (s, k) = (sato.to_string(), kato.to_string());
    let form = [("enable", "on"), ("user_ids[]", &s), ("user_ids[]", &k)];
    let r = app.call("webmail_enable", &form, Some(&admin)).await;
    assert_eq!(r.status, StatusCode::OK, "{backend}: {}", r.body);
    let account = [
        ("owner", s.as_str()),
        ("name", "会社"),
        ("email", "sato@example.test"),
        ("recv_source", "own"),
        ("pop_host", "pop.example.test"),
        ("pop_port", "110"),
        ("pop_protection", "none"),
        ("pop_user", "sato"),
        ("pop_password", "pop-secret-9"),
        ("timeout_secs", "30"),
        ("send_source", "own"),
        ("smtp_host", "smtp.example.test"),
        ("smtp_port", "587"),
        ("smtp_protection", "starttls"),
        ("smtp_auth", "smtp"),
    ];
    let r = app.call("save_account", &account, Some(&admin)).await;
    assert_eq!(r.status, StatusCode::OK, "{backend}: {}", r.body);
    let id: String = r.body.trim().to_owned();

    // A bad field is a 422 naming it; nothing is added.
    let mut bad = account.to_vec();
    bad[2] = ("email", "sato@");
    let r = app.call("save_account", &bad, Some(&admin)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
    assert!(r.body.contains("\"field\":\"email\""), "{}", r.body);

    // Its owner sees it, never its password.
    let r = app.call("account_form", &[("id", &id)], Some(sato_c)).await;
    assert_eq!(r.status, StatusCode::OK, "{backend}: {}", r.body);
    assert!(!r.body.contains("pop-secret-9"), "{}", r.body);
    assert!(r.body.contains("\"pop_password_set\":true"), "{}", r.body);
    let r = app.call("mail_home", &[], Some(sato_c)).await;
    assert!(r.body.contains("会社"), "{}", r.body);

    // Another user cannot read, receive, change or delete it by its ID.
    for (f, form) in [
        ("account_form", vec![("id", id.as_str())]),
        ("account_log", vec![("id", id.as_str())]),
        ("receive_status", vec![("account", id.as_str())]),
        ("receive_now", vec![("account", id.as_str())]),
        ("mail_home", vec![("account", id.as_str())]),
        ("user_accounts", vec![("user_id", s.as_str())]),
    ] {
        let r = app.call(f, &form, Some(kato_c)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{backend} {f}: {}", r.body);
    }
    for (f, form) in [
        (
            "delete_account",
            vec![("owner", s.as_str()), ("id", id.as_str())],
        ),
        (
            "set_default_account",
            vec![("owner", s.as_str()), ("id", id.as_str())],
        ),
    ] {
        let r = app.call(f, &form, Some(kato_c)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{backend} {f}: {}", r.body);
    }
    let mut theirs = account.to_vec();
    theirs.push(("id", &id));
    let r = app.call("save_account", &theirs, Some(kato_c)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{backend}: {}", r.body);
    // Posting it as one's own account with sato's ID finds nothing.
    theirs[0] = ("owner", &k);
    let r = app.call("save_account", &theirs, Some(kato_c)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{backend}: {}", r.body);
    assert_eq!(
        domain::webmail::accounts_of(&app.db, sato).await.unwrap()[0].pop_user,
        "sato",
        "{backend}: unchanged"
    );

    // Mail in sato's account: an HTML message with a Japanese-named
    // attachment. Only sato reads it, by function or by URL.
    let raw = "From: =?UTF-8?B?5bGx55Sw?= <yamada@example.test>\r\nTo: sato@example.test\r\n\
Subject: =?UTF-8?B?6KaL56mN44KK?=\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n\
Content-Type: text/html; charset=UTF-8\r\n\r\n<p onclick=\"x()\">本文</p><script>alert(1)</script><img src=\"https://tracker.test/p.gif\">\r\n\
--b1\r\nContent-Type: application/pdf\r\n\
Content-Disposition: attachment; filename*=UTF-8''%E8%A6%8B%E7%A9%8D%E6%9B%B8.pdf\r\n\
Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b1--\r\n";
    let account_id: i32 = id.parse().unwrap();
    let msg = domain::mailbox::store(
        &app.db,
        account_id,
        domain::mailbox::INBOX,
        vec![raw.as_bytes().to_vec()],
    )
    .await
    .unwrap()[0];
    let m = msg.to_string();
    let get = |path: String, cookie: Option<&String>| {
        let mut b = Request::get(path);
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c.as_str());
        }
        app.send(b.body(Body::empty()).unwrap())
    };
    let r = app
        .call("mail_list", &[("account", &id)], Some(sato_c))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{backend}: {}", r.body);
    assert!(r.body.contains("見積り"), "{}", r.body);
    assert!(r.body.contains("\"attach\":true"), "{}", r.body);
    let r = app.call("read_message", &[("id", &m)], Some(sato_c)).await;
    assert_eq!(r.status, StatusCode::OK, "{backend}: {}", r.body);
    assert!(
        r.body.contains("見積書.pdf") && r.body.contains("\"remote_images\":1"),
        "{}",
        r.body
    );
    let r = get(format!("/mail/message/{m}/html"), Some(sato_c)).await;
    assert_eq!(r.status, StatusCode::OK, "{backend}");
    let csp = r
        .headers
        .get(header::CONTENT_SECURITY_POLICY)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("default-src 'none'")
            && csp.contains("sandbox")
            && csp.contains("img-src data:;"),
        "{csp}"
    );
    assert!(
        r.body.contains("本文")
            && !r.body.contains("<script")
            && !r.body.contains("onclick")
            && !r.body.contains("tracker.test"),
        "{}",
        r.body
    );
    let r = get(format!("/mail/message/{m}/html?images=1"), Some(sato_c)).await;
    assert!(r.body.contains("https://tracker.test/p.gif"), "{}", r.body);
    let r = get(format!("/mail/message/{m}/attachment/0"), Some(sato_c)).await;
    assert_eq!(r.status, StatusCode::OK, "{backend}");
    let cd = r
        .headers
        .get(header::CONTENT_DISPOSITION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cd.contains("filename*=UTF-8''%E8%A6%8B%E7%A9%8D%E6%9B%B8.pdf"),
        "{cd}"
    );
    assert!(r.body.starts_with("%PDF-1.4"), "{}", r.body);
    let r = get(format!("/mail/message/{m}/source"), Some(sato_c)).await;
    assert_eq!(r.status, StatusCode::OK, "{backend}");
    assert!(
        r.body.starts_with("From: =?UTF-8?B?5bGx55Sw?="),
        "{}",
        r.body
    );

    // ソースを表示 of eight-bit Shift_JIS with a byte it does not define:
    // read as declared, or as chosen, the byte shown, never U+FFFD; the
    // .eml is the bytes as received.
    let mut sjis = b"Subject: =?UTF-8?B?5Lya6K2w?=\r\n\
Content-Type: text/plain; charset=Shift_JIS\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        .to_vec();
    sjis.extend_from_slice(&encoding_rs::SHIFT_JIS.encode("会議室の予約\r\n").0);
    sjis.extend_from_slice(b"\x81\r\n");
    let sjis_id = domain::mailbox::store(
        &app.db,
        account_id,
        domain::mailbox::INBOX,
        vec![sjis.clone()],
    )
    .await
    .unwrap()[0];
    let r = get(format!("/mail/message/{sjis_id}/source"), Some(sato_c)).await;
    assert_eq!(r.status, StatusCode::OK, "{backend}");
    assert!(
        r.body.ends_with("会議室の予約\r\n\\x81\r\n") && !r.body.contains('\u{fffd}'),
        "{}",
        r.body
    );
    let r = get(
        format!("/mail/message/{sjis_id}/source?charset=EUC-JP"),
        Some(sato_c),
    )
    .await;
    assert!(
        !r.body.contains("会議室") && !r.body.contains('\u{fffd}') && r.body.contains("\\x"),
        "{}",
        r.body
    );
    let r = get(format!("/mail/message/{sjis_id}/eml"), Some(sato_c)).await;
    assert_eq!(r.status, StatusCode::OK, "{backend}");
    assert_eq!(
        r.bytes, sjis,
        "{backend}: the .eml is the message as received"
    );
    assert_eq!(r.headers[header::CONTENT_TYPE], "message/rfc822");
    assert!(
        r.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .ends_with("UTF-8''%E4%BC%9A%E8%AD%B0.eml"),
        "{:?}",
        r.headers
    );

    // Moved into 下書き and opened as a draft: the editor (part of our
    // page, not the sandboxed frame) gets the HTML cleaned and without
    // the remote image; then back to 受信箱 for the checks below.
    for (target, open_as_draft) in [("drafts", true), ("inbox", false)] {
        let r = app
            .call(
                "mail_action",
                &[
                    ("account", &id),
                    ("ids[]", &m),
                    ("action", "move"),
                    ("target", target),
                ],
                Some(sato_c),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{backend} to {target}: {}",
            r.body
        );
        if open_as_draft {
            let r = app
                .call(
                    "compose_form",
                    &[("account", &id), ("mode", "draft"), ("id", &m)],
                    Some(sato_c),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{backend}: {}", r.body);
            assert!(
                r.body.contains("本文")
                    && !r.body.contains("tracker.test")
                    && !r.body.contains("<script"),
                "{}",
                r.body
            );
        }
    }

    // kato, with an account of his own, and the admin get nothing of it.
    let mut katos = account.to_vec();
    katos[0] = ("owner", &k);
    let r = app.call("save_account", &katos, Some(&admin)).await;
    assert_eq!(r.status, StatusCode::OK, "{backend}: {}", r.body);
    let kato_account = r.body.trim().to_owned();
    for c in [kato_c, &admin] {
        for path in [
            format!("/mail/message/{m}/html"),
            format!("/mail/message/{m}/attachment/0"),
            format!("/mail/message/{m}/source"),
            format!("/mail/message/{m}/eml"),
        ] {
            let r = get(path.clone(), Some(c)).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{backend} {path}");
        }
        for (f, form) in [
            ("read_message", vec![("id", m.as_str())]),
            ("allow_images", vec![("id", m.as_str())]),
            ("mail_list", vec![("account", id.as_str())]),
            (
                "mail_action",
                vec![
                    ("account", id.as_str()),
                    ("ids[]", m.as_str()),
                    ("action", "delete"),
                ],
            ),
            (
                "mail_folder",
                vec![("account", id.as_str()), ("name", "盗み見")],
            ),
        ] {
            let r = app.call(f, &form, Some(c)).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{backend} {f}: {}", r.body);
        }
    }
    // Nor through 作成: sato's message as a draft, reply or forward of
    // kato's account, or sato's account itself.
    for mode in ["draft", "reply", "forward", "forward_attach"] {
        let r = app
            .call(
                "compose_form",
                &[("account", &kato_account), ("mode", mode), ("id", &m)],
                Some(kato_c),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "{backend} {mode}: {}",
            r.body
        );
    }
    let r = app
        .call("compose_form", &[("account", &id)], Some(kato_c))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{backend}: {}", r.body);
    // Without an account 作成 writes from kato's own default one.
    let r = app
        .call("compose_form", &[("account", "0")], Some(kato_c))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{backend}: {}", r.body);
    assert!(
        r.body.contains(&format!("\"account\":{kato_account}")),
        "{backend}: {}",
        r.body
    );
    // send_mail takes JSON (its uploads are a list).
    let send_mail_as_kato = |body: String| {
        app.send(
            Request::post("/api/send_mail")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ACCEPT, "application/json")
                .header(header::COOKIE, kato_c.as_str())
                .body(Body::from(body))
                .unwrap(),
        )
    };
    for (account, carry) in [(id.as_str(), "0"), (kato_account.as_str(), m.as_str())] {
        let body = format!(
            r#"{{"account":{account},"to":"kato@example.test","subject":"x","carry":{carry},"draft_only":true}}"#
        );
        let r = send_mail_as_kato(body).await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "{backend} send_mail {account}/{carry}: {}",
            r.body
        );
    }
    // Through his own account, sato's message IDs change nothing.
    for action in ["delete", "read", "flag"] {
        let r = app
            .call(
                "mail_action",
                &[
                    ("account", &kato_account),
                    ("ids[]", &m),
                    ("action", action),
                ],
                Some(kato_c),
            )
            .await;
        assert_eq!(
            (r.status, r.body.trim()),
            (StatusCode::OK, "0"),
            "{backend} {action}"
        );
    }
    let r = app
        .call(
            "mail_action",
            &[
                ("account", &kato_account),
                ("ids[]", &m),
                ("action", "move"),
                ("target", "trash"),
            ],
            Some(kato_c),
        )
        .await;
    assert_eq!(
        (r.status, r.body.trim()),
        (StatusCode::OK, "0"),
        "{backend} move"
    );
    let (row, _) = domain::mailbox::view::message(&app.db, account_id, msg)
        .await
        .unwrap();
    assert_eq!(
        (row.folder.as_str(), row.flagged),
        ("inbox", false),
        "{backend}: untouched"
    );
    // 添付ファイル: uploaded one by one, usable only by the uploader, under
    // the admin's limit.
    let upload = |account: String, cookie: Option<&str>, marked: bool, size: usize| {
        let mut req = Request::post(format!(
            "/mail/upload?account={account}&name=%E8%A6%8B%E7%A9%8D.txt"
        ))
        .header(header::CONTENT_TYPE, "text/plain");
        if marked {
            req = req.header("x-tayori-upload", "1");
        }
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        app.send(req.body(Body::from(vec![b'a'; size])).unwrap())
    };
    let r = upload(id.clone(), Some(sato_c), false, 10).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "{backend}: a form of another site"
    );
    let r = upload(id.clone(), None, true, 10).await;
    assert_ne!(r.status, StatusCode::OK, "{backend}: signed out");
    let r = upload(id.clone(), Some(kato_c), true, 10).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{backend}: sato's account");
    let r = upload(id.clone(), Some(sato_c), true, 10).await;
    assert_eq!(r.status, StatusCode::OK, "{backend}: {}", r.body);
    assert!(
        r.body.contains("\"name\":\"見積.txt\"") && r.body.contains("\"size\":10"),
        "{}",
        r.body
    );
    let up: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let up = up["id"].as_i64().unwrap();
    // kato cannot attach sato's file to his own draft.
    let body = format!(
        r#"{{"account":{kato_account},"to":"kato@example.test","subject":"x","uploads":[{up}],"draft_only":true}}"#
    );
    let r = send_mail_as_kato(body).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{backend}: {}", r.body);
    // 作成 posted by the browser itself (no JavaScript): a refused address
    // comes back as the form with what was typed and the file, 下書き保存
    // goes on to the draft, and kato cannot post through sato's account.
    let post = |account: &str, cookie: &str, to: &str, what: &str| {
        let (content_type, body) = multipart(
            &[
                ("account", account),
                ("to", to),
                ("subject", "見積の件"),
                ("body", "一行目\r\n二行目"),
                ("charset", "utf-8"),
                ("do", what),
            ],
            ("見積書.txt", b"estimate"),
        );
        app.send(
            Request::post("/mail/send")
                .header(header::CONTENT_TYPE, content_type)
                .header(header::COOKIE, cookie)
                .body(Body::from(body))
                .unwrap(),
        )
    };
    let r = post(&id, sato_c, "sato@", "send").await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{backend}: {}",
        r.body
    );
    for kept in [
        "見積の件",
        "一行目\n二行目",
        "見積書.txt",
        "data-testid=\"error-to\"",
    ] {
        assert!(r.body.contains(kept), "{backend}: {kept} not in {}", r.body);
    }
    let r = post(&id, sato_c, "kato@example.test", "draft").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend}: {}", r.body);
    let to = r.headers[header::LOCATION].to_str().unwrap();
    assert!(
        to.starts_with(&format!("/mail/compose?account={id}&mode=draft&id="))
            && to.ends_with("&saved=1"),
        "{backend}: {to}"
    );
    let r = post(&kato_account, sato_c, "kato@example.test", "draft").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{backend}: kato's account");
    let r = app
        .send(
            Request::post("/mail/send")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, sato_c)
                .body(Body::from(format!(
                    "account={id}&to=kato@example.test&do=draft"
                )))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{backend}");
    // Over the limit of ウェブメール設定 (here 1 MB): refused, at the field.
    let r = app
        .call(
            "save_webmail_settings",
            &[("receive_interval_min", "5"), ("attachment_max_mb", "1")],
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{backend}: {}", r.body);
    let r = upload(id.clone(), Some(sato_c), true, (1 << 20) + 1).await;
    assert_eq!(
        r.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{backend}: {}",
        r.body
    );
    assert!(
        r.body.contains("attachments") && r.body.contains("too_large"),
        "{}",
        r.body
    );
    let r = app
        .call(
            "save_webmail_settings",
            &[("receive_interval_min", "5"), ("attachment_max_mb", "101")],
            Some(&admin),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{backend}: {}",
        r.body
    );
    assert!(r.body.contains("attachment_max_mb"), "{}", r.body);
    // A user allowed no servers of their own is not offered them.
    let r = app
        .call(
            "save_webmail_settings",
            &[
                ("allow_user_edit", "on"),
                ("receive_interval_min", "5"),
                ("attachment_max_mb", "20"),
                ("own_servers", "none"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{backend}: {}", r.body);
    let r = app.call("account_form", &[], Some(sato_c)).await;
    assert!(r.body.contains("\"own_offered\":false"), "{}", r.body);
    let r = get("/mail/accounts/new".into(), Some(sato_c)).await;
    assert!(
        r.body.contains("recv_source-admin") && !r.body.contains("recv_source-own"),
        "{backend}: {}",
        r.body
    );
    // An account already on servers of its own keeps showing the choice.
    let r = get(format!("/mail/accounts/{id}"), Some(sato_c)).await;
    assert!(r.body.contains("recv_source-own"), "{backend}: {}", r.body);
    // Signed out: the sign-in page (as every page under /mail), or 401.
    let r = get(format!("/mail/message/{m}/html"), None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{backend}");
    assert!(!r.body.contains("本文"), "{}", r.body);
    let r = app.call("read_message", &[("id", &m)], None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{backend}");
    let _ = kato;
}

/// Who may call a server function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    /// Anyone (signing in, and asking whether one is).
    Public,
    /// Any signed-in user.
    User,
    /// A signed-in user, for what is theirs: another's is refused.
    Owner,
    /// Administrators only.
    Admin,
}

/// Every server function with a form that decodes, and who may call it.
/// A function added without an entry here fails the suite, so each new
/// one states its access and has it checked.
type Function = (
    &'static str,
    Access,
    &'static [(&'static str, &'static str)],
);

const FUNCTIONS: &[Function] = {
    use Access::*;
    &[
        ("login", Public, &[("login_id", "x"), ("password", "y")]),
        ("whoami", Public, &[]),
        ("set_language", User, &[("language", "en")]),
        (
            "change_password",
            User,
            &[("current", "a"), ("new_password", "b"), ("confirm", "b")],
        ),
        ("list_orgs", User, &[]),
        ("create_org", Admin, &[("name", "x"), ("parent", "")]),
        ("rename_org", Admin, &[("id", "1"), ("name", "x")]),
        ("move_org", Admin, &[("id", "1"), ("parent", "")]),
        ("delete_org", Admin, &[("id", "1")]),
        ("list_users", Admin, &[("org", "")]),
        ("get_user", Admin, &[("id", "1")]),
        ("create_user", Admin, &[("login_id", "x"), ("name", "x")]),
        ("update_user", Admin, &[("id", "1"), ("name", "x")]),
        (
            "reset_password",
            Admin,
            &[("id", "1"), ("password", "12345678")],
        ),
        ("get_company", Admin, &[]),
        ("save_company", Admin, &[("name", "x"), ("email", "")]),
        ("get_mail_server", Admin, &[]),
        ("save_mail_server", Admin, &[]),
        ("send_test_mail", Admin, &[("to", "a@example.test")]),
        ("mail_server/test", Admin, &[]),
        ("autoconfig", Admin, &[]),
        ("list_oauth_servers", Admin, &[]),
        ("get_oauth_server", Admin, &[("id", "1")]),
        (
            "save_oauth_server",
            Admin,
            &[("name", "x"), ("kind", "google")],
        ),
        ("delete_oauth_server", Admin, &[("id", "1")]),
        ("trusted_cas", Admin, &[]),
        ("add_trusted_ca", Admin, &[("pem", "x")]),
        ("remove_trusted_ca", Admin, &[("id", "1")]),
        ("list_outbox", Admin, &[]),
        ("resend_outbox", Admin, &[("id", "1")]),
        ("schedule_settings", Admin, &[]),
        ("save_schedule_titles", Admin, &[("titles", "x")]),
        ("save_time_zone", Admin, &[("time_zone", "Asia/Tokyo")]),
        ("webmail_users", Admin, &[]),
        ("webmail_enable", Admin, &[("enable", "1")]),
        ("set_mail_quota", Admin, &[("user_id", "1")]),
        ("get_webmail_settings", Admin, &[]),
        ("save_webmail_settings", Admin, &[]),
        ("imap_server", Admin, &[]),
        ("save_imap_server", Admin, &[("host", "x")]),
        ("test_imap_server", Admin, &[("host", "x")]),
        ("import_accounts", Admin, &[("data", "")]),
        ("optimize_index", Admin, &[]),
        ("index_status", Admin, &[]),
        ("schedule_calendar", User, &[("view", "week"), ("date", "")]),
        ("schedule_new_form", User, &[("date", "")]),
        ("schedule_entry", Owner, &[("id", "1")]),
        (
            "save_schedule_entry",
            Owner,
            &[
                ("id", "1"),
                ("title", "x"),
                ("start_date", "2026-12-07"),
                ("start_time", "09:00"),
                ("user_ids[]", "ROOT"),
                ("notify_method", "mail"),
            ],
        ),
        ("delete_schedule_entry", Owner, &[("id", "1")]),
        ("list_memos", User, &[]),
        ("mark_memo_read", Owner, &[("id", "1")]),
        ("user_accounts", Owner, &[("user_id", "1")]),
        ("account_form", Owner, &[("owner", "1")]),
        ("save_account", Owner, &[("owner", "1")]),
        ("delete_account", Owner, &[("owner", "1"), ("id", "1")]),
        ("set_default_account", Owner, &[("owner", "1"), ("id", "1")]),
        ("mail_home", User, &[]),
        ("receive_now", Owner, &[("account", "1")]),
        ("receive_status", Owner, &[("account", "1")]),
        ("account_log", Owner, &[("id", "1")]),
        ("mail_list", Owner, &[("account", "1")]),
        ("read_message", Owner, &[("id", "1")]),
        ("allow_images", Owner, &[("id", "1")]),
        (
            "mail_action",
            Owner,
            &[("account", "1"), ("action", "read")],
        ),
        ("mail_folder", Owner, &[("account", "1"), ("name", "x")]),
        ("mail_watch", Owner, &[("account", "1")]),
        ("compose_form", Owner, &[("account", "1")]),
        // Last: it ends the session the calls above use.
        ("logout", Public, &[]),
    ]
};

/// Every registered server function and plain route, called signed out
/// (401, or the sign-in page) and by a user of the wrong role or on what
/// belongs to someone else (403 or 404), with arguments that decode: the
/// refusal comes from the check, not from the decoder.
#[tokio::test]
async fn every_function_and_route_checks_its_caller() {
    let app = TestApp::new("sqlite", false).await;
    let mut registered: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .filter_map(|(p, _)| p.strip_prefix("/api/").map(str::to_owned))
        .collect();
    registered.sort();
    let mut listed: Vec<String> = FUNCTIONS.iter().map(|(f, ..)| (*f).to_owned()).collect();
    listed.push("send_mail".into()); // JSON: called below
    listed.sort();
    assert_eq!(registered, listed, "every function states its access");

    // A plain user, signed in with their own password; the administrator
    // owns a mail account with a message in it.
    let admin = app.admin().await;
    let r = app
        .call(
            "create_user",
            &[
                ("login_id", "plain"),
                ("name", "一般"),
                ("role", "user"),
                ("password", "first-pass-1"),
                ("language", "ja"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (user, r) = app.first_sign_in("plain").await;
    assert!(!r.status.is_client_error(), "{}", r.body);
    let root = domain::users::find_by_login(&app.db, "root")
        .await
        .unwrap()
        .unwrap();
    let plain = domain::users::find_by_login(&app.db, "plain")
        .await
        .unwrap()
        .unwrap();
    let account = domain::webmail::save_account(
        &app.db,
        &domain::testing::secrets(),
        &domain::audit::Actor::system(),
        domain::webmail::Who {
            user_id: root.id,
            admin: true,
        },
        root.id,
        None,
        &domain::webmail::AccountInput {
            name: "管理".into(),
            email: "root@example.test".into(),
            recv_source: "own".into(),
            pop_host: "pop.example.test".into(),
            pop_port: "110".into(),
            pop_protection: "none".into(),
            pop_user: "root".into(),
            pop_password: "x".into(),
            timeout_secs: "10".into(),
            send_source: "own".into(),
            smtp_host: "smtp.example.test".into(),
            smtp_port: "587".into(),
            smtp_protection: "starttls".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let message = domain::mailbox::store(
        &app.db,
        account.id,
        domain::mailbox::INBOX,
        vec![b"Subject: root's\r\n\r\nsecret\r\n".to_vec()],
    )
    .await
    .unwrap()[0];
    domain::webmail::set_enabled(&app.db, &domain::audit::Actor::system(), &[plain.id], true)
        .await
        .unwrap();
    let ids = |v: &str| {
        v.replace("ACCOUNT", &account.id.to_string())
            .replace("MESSAGE", &message.to_string())
            .replace("ROOT", &root.id.to_string())
    };

    for (f, access, form) in FUNCTIONS {
        let form: Vec<(&str, String)> = form
            .iter()
            .map(|(k, v)| {
                let v = match (*k, *v) {
                    ("account", _) => account.id.to_string(),
                    ("owner" | "user_id", _) => root.id.to_string(),
                    ("id", _) if f.contains("message") || *f == "allow_images" => {
                        message.to_string()
                    }
                    ("id", _) if f.contains("account") => account.id.to_string(),
                    (_, v) => ids(v),
                };
                (*k, v)
            })
            .collect();
        let path = format!("/api/{f}");
        let signed_out = app.post_form(&path, &form, None).await;
        let as_user = app.post_form(&path, &form, Some(&user)).await;
        match access {
            Access::Public => assert!(
                !signed_out.status.is_server_error(),
                "{f}: {} {}",
                signed_out.status,
                signed_out.body
            ),
            _ => assert_eq!(
                signed_out.status,
                StatusCode::UNAUTHORIZED,
                "{f} signed out: {}",
                signed_out.body
            ),
        }
        match access {
            Access::Admin => assert_eq!(
                as_user.status,
                StatusCode::FORBIDDEN,
                "{f} as a user: {}",
                as_user.body
            ),
            Access::Owner => assert!(
                matches!(
                    as_user.status,
                    StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
                ) || (as_user.status == StatusCode::UNPROCESSABLE_ENTITY
                    && as_user.body.contains("not_found")),
                "{f} on another's: {} {}",
                as_user.status,
                as_user.body
            ),
            Access::Public | Access::User => assert!(
                !as_user.status.is_server_error(),
                "{f} as a user: {} {}",
                as_user.status,
                as_user.body
            ),
        }
    }
    // Signed in again (the table ends with 登出).
    let user = app.login("plain", "second-pass-2").await;
    // send_mail (JSON) from the administrator's account.
    let body = format!(r#"{{"account":{},"to":"a@example.test"}}"#, account.id);
    for cookie in [None, Some(user.as_str())] {
        let mut req =
            Request::post("/api/send_mail").header(header::CONTENT_TYPE, "application/json");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        let r = app.send(req.body(Body::from(body.clone())).unwrap()).await;
        let expected = if cookie.is_some() {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::UNAUTHORIZED
        };
        assert_eq!(r.status, expected, "send_mail {cookie:?}: {}", r.body);
    }
    // The plain routes.
    for (path, admin_only) in [
        ("/admin/webmail/export.csv".to_owned(), true),
        (format!("/mail/message/{message}/html"), false),
        (format!("/mail/message/{message}/attachment/0"), false),
        (format!("/mail/message/{message}/source"), false),
        (format!("/mail/message/{message}/eml"), false),
    ] {
        let get = |cookie: Option<&str>| {
            let mut req = Request::get(&path);
            if let Some(c) = cookie {
                req = req.header(header::COOKIE, c);
            }
            req.body(Body::empty()).unwrap()
        };
        let r = app.send(get(None)).await;
        assert!(
            matches!(r.status, StatusCode::UNAUTHORIZED | StatusCode::SEE_OTHER),
            "{path} signed out: {}",
            r.status
        );
        let r = app.send(get(Some(&user))).await;
        let refused = if admin_only {
            r.status == StatusCode::FORBIDDEN
        } else {
            matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
        };
        assert!(refused, "{path} as the wrong user: {}", r.status);
        assert!(!r.body.contains("secret"), "{path}");
    }
    // [OAuth認可サーバー認証] / [認証]: signed out, nothing starts; a user
    // may not sign the notification settings or another's account in; a
    // callback without this session's sign-in pending signs nothing in.
    for (owner, expected) in [
        ("settings:1".to_owned(), StatusCode::FORBIDDEN),
        (format!("account:{}", account.id), StatusCode::NOT_FOUND),
    ] {
        let body = format!("owner={owner}&server_id=1");
        for cookie in [None, Some(user.as_str())] {
            let mut req = Request::post("/oauth/start")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            if let Some(c) = cookie {
                req = req.header(header::COOKIE, c);
            }
            let r = app.send(req.body(Body::from(body.clone())).unwrap()).await;
            if cookie.is_some() {
                assert_eq!(r.status, expected, "/oauth/start {owner}: {}", r.body);
            } else {
                // A plain form post: signed out, the browser goes to sign in.
                assert_eq!(r.status, StatusCode::SEE_OTHER, "/oauth/start signed out");
                assert_eq!(r.headers[header::LOCATION], "/login");
            }
        }
    }
    let callback = |cookie: Option<&str>| {
        let mut req = Request::get("/oauth/callback?state=forged&code=stolen");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        req.body(Body::empty()).unwrap()
    };
    let r = app.send(callback(None)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers[header::LOCATION], "/login");
    let r = app.send(callback(Some(&user))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        r.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .contains("oauth=failed"),
        "{:?}",
        r.headers
    );
    let r = app
        .send(
            Request::post(format!("/mail/upload?account={}&name=a.txt", account.id))
                .header("x-tayori-upload", "1")
                .header(header::COOKIE, &user)
                .body(Body::from("a"))
                .unwrap(),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "upload to another's account"
    );
}

/// Every page carries a strict Content-Security-Policy whose nonce is on
/// each script Leptos writes (the others are data), and no element has
/// inline event code.
#[tokio::test]
async fn pages_carry_a_strict_content_security_policy() {
    let app = TestApp::new("sqlite", false).await;
    let admin = app.admin().await;
    for (path, cookie) in [
        ("/login", None),
        ("/", Some(admin.as_str())),
        ("/admin/users", Some(admin.as_str())),
        ("/admin/mail-server", Some(admin.as_str())),
        ("/schedule", Some(admin.as_str())),
    ] {
        let mut req = Request::get(path);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        let r = app.send(req.body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        let csp = r
            .headers
            .get(header::CONTENT_SECURITY_POLICY)
            .unwrap_or_else(|| panic!("{path}: no policy"))
            .to_str()
            .unwrap()
            .to_owned();
        for part in [
            "script-src 'nonce-",
            "'strict-dynamic'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(part), "{path}: {part} in {csp}");
        }
        assert!(!csp.contains("'unsafe-inline' 'strict"), "{csp}");
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap();
        assert!(nonce.len() >= 16, "{nonce}");
        let scripts: Vec<&str> = r
            .body
            .split("<script")
            .skip(1)
            .map(|tag| tag.split('>').next().unwrap_or_default())
            .collect();
        assert!(!scripts.is_empty(), "{path}");
        for tag in scripts {
            assert!(
                tag.contains("type=\"application/json\"")
                    || tag.contains(&format!("nonce=\"{nonce}\"")),
                "{path}: <script{tag}>"
            );
        }
        let lower = r.body.to_ascii_lowercase();
        for handler in [
            " onclick=",
            " onchange=",
            " onload=",
            " onerror=",
            " onsubmit=",
            " oninput=",
        ] {
            assert!(!lower.contains(handler), "{path}: {handler}");
        }
    }
}

/// A `multipart/form-data` body as a browser posts a form: its content
/// type and bytes, the fields and then one file (`file`).
fn multipart(fields: &[(&str, &str)], file: (&str, &[u8])) -> (String, Vec<u8>) {
    const B: &str = "----TayoriFormBoundary7MA4YWxk";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{B}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{B}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: text/plain\r\n\r\n",
            file.0
        )
        .as_bytes(),
    );
    body.extend_from_slice(file.1);
    body.extend_from_slice(format!("\r\n--{B}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={B}"), body)
}
