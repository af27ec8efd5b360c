//! Health, readiness, metrics, the OpenAPI document, and the error shape everywhere.

use serde_json::Value;

use crate::helpers::{TcpProxy, TestApp, fresh_postgres_database};
use crate::on_both_databases;

fn assert_error_shape(body: &Value, code: &str) {
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
}

on_both_databases! {
    async fn health_and_readiness_answer_when_the_database_is_migrated(app: TestApp) {
        assert_eq!(app.get("/healthz").await.status(), 200);
        let ready = app.get("/readyz").await;
        assert_eq!(ready.status(), 200);
        assert_eq!(ready.json::<Value>().await.unwrap()["status"], "ready");
    }

    async fn metrics_count_requests_by_route_and_status_and_show_the_pool(app: TestApp) {
        app.get("/healthz").await;
        app.get("/api/v1/me").await;
        app.get("/api/v1/me").await;
        let text = app.metrics().await.text().await.unwrap();
        assert!(text.contains(r#"tuomi_http_requests_total{method="GET",route="/api/v1/me",status="401"} 2"#), "{text}");
        assert!(text.contains(r#"tuomi_http_request_duration_seconds_count{route="/healthz"} 1"#), "{text}");
        assert!(text.contains("tuomi_db_pool_connections{state=\"idle\"}"), "{text}");
        assert!(text.contains("tuomi_db_pool_max_connections 10"), "{text}");
    }

    async fn every_answer_carries_a_request_id_and_security_headers(app: TestApp) {
        for path in ["/login", "/api/v1/me", "/nowhere"] {
            let r = app.get(path).await;
            assert_eq!(r.headers()["x-request-id"].len(), 16, "{path}");
            assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
            assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        }
    }

    async fn the_openapi_document_describes_every_route_truthfully(app: TestApp) {
        let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        let paths = doc["paths"].as_object().unwrap();
        assert_eq!(
            doc["components"]["schemas"]["ClearanceTier"]["enum"],
            serde_json::json!(["none", "general", "important", "core"]),
            "enums are documented as they are written"
        );
        for expected in ["/healthz", "/readyz", "/metrics", "/api/v1/session", "/api/v1/me", "/api/v1/tokens", "/api/v1/audit"] {
            assert!(paths.contains_key(expected), "{expected} is not documented");
        }
        // Every documented operation exists, and what it answers a stranger is documented.
        for (path, operations) in paths {
            for (method, operation) in operations.as_object().unwrap() {
                // A path parameter is in the path; the rest (filters, paging) are optional.
                for parameter in operation["parameters"].as_array().into_iter().flatten() {
                    let name = parameter["name"].as_str().unwrap();
                    match parameter["in"].as_str().unwrap() {
                        "path" => assert!(path.contains(&format!("{{{name}}}")), "{method} {path}: {name} is not in the path"),
                        "query" => assert_ne!(parameter["required"], true, "{method} {path}: {name}"),
                        _ => {}
                    }
                }
                let request = app.client.request(method.to_uppercase().parse().unwrap(), app.url(path));
                let request = if method == "post" { request.json(&serde_json::json!({})) } else { request };
                let status = request.send().await.unwrap().status().as_u16().to_string();
                let documented = operation["responses"].as_object().unwrap();
                assert!(
                    documented.contains_key(&status),
                    "{method} {path} answered {status}, documented: {:?}",
                    documented.keys().collect::<Vec<_>>()
                );
            }
        }
    }

    async fn every_body_the_document_takes_is_limited_in_size_and_type(app: TestApp) {
        // Every role at once, so that each route reads its body rather than refusing the caller.
        let all = app.token_client("all@example.com", &["admin", "hr", "security", "manager"]).await;
        let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
        let mut checked = 0;
        for (path, operations) in doc["paths"].as_object().unwrap() {
            for (method, operation) in operations.as_object().unwrap() {
                let Some(content) = operation["requestBody"]["content"].as_object() else { continue };
                let documented = operation["responses"].as_object().unwrap();
                let url = app.url(&path.replace("{id}", "x").replace("{line_id}", "x"));
                let send = |content_type: &str, body: Vec<u8>| {
                    all.request(method.to_uppercase().parse().unwrap(), &url)
                        .header("content-type", content_type)
                        .body(body)
                        .send()
                };
                let (media, limit) = if content.contains_key("application/json") {
                    ("application/json", tuomi::http::extract::JSON_LIMIT)
                } else if content.contains_key("text/csv") {
                    ("text/csv", tuomi::http::extract::IMPORT_LIMIT)
                } else {
                    // Evidence files are typed by their content, whatever they are sent as.
                    ("application/octet-stream", tuomi::domain::breaches::EVIDENCE_MAX_BYTES)
                };
                let r = send(media, vec![b' '; limit + 1]).await.unwrap();
                let status = r.status().as_u16();
                // A reporter's file is read only once their case code and secret are right.
                if path != "/api/v1/public/breaches/evidence" {
                    assert_eq!(status, 413, "{method} {path}: a body over {limit} bytes");
                    assert_error_shape(&r.json().await.unwrap(), "too_large");
                }
                assert!(documented.contains_key(&status.to_string()), "{method} {path}: {status} is not documented");
                if media != "application/octet-stream" {
                    let r = send("text/plain", b"{}".to_vec()).await.unwrap();
                    assert_eq!(r.status(), 415, "{method} {path}: a body that is not {media}");
                    assert_error_shape(&r.json().await.unwrap(), "unsupported_media_type");
                    assert!(documented.contains_key("415"), "{method} {path}: 415 is not documented");
                }
                checked += 1;
            }
        }
        assert!(checked > 30, "{checked} operations with a body");
    }

    async fn bad_requests_get_clear_errors_never_a_500(app: TestApp) {
        app.add_user("hr@example.com", &["hr"]);
        let post = |body: &'static [u8], content_type: &'static str| {
            app.client
                .post(app.url("/api/v1/session"))
                .header("content-type", content_type)
                .body(body)
                .send()
        };
        let r = post(b"{not json", "application/json").await.unwrap();
        assert_eq!(r.status(), 400);
        assert_error_shape(&r.json().await.unwrap(), "bad_request");

        let r = post(b"email=a", "text/plain").await.unwrap();
        assert_eq!(r.status(), 415);
        assert_error_shape(&r.json().await.unwrap(), "unsupported_media_type");
        // A form without its token is no form of our pages: refused before the route.
        let r = post(b"email=a", "application/x-www-form-urlencoded").await.unwrap();
        assert_eq!(r.status(), 403);

        let r = post(br#"{"email": "hr@example.com"}"#, "application/json").await.unwrap();
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["fields"]["password"], "is required", "{body}");

        // serde would fill the struct from an array, field by field; the API takes objects only.
        let r = post(br#"["hr@example.com", "x"]"#, "application/json").await.unwrap();
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["fields"]["body"], "must be a JSON object", "{body}");

        let r = post(br#"{"email": 7, "password": "x"}"#, "application/json").await.unwrap();
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.unwrap();
        assert!(body["error"]["fields"]["email"].is_string(), "{body}");

        let big = vec![b' '; 300 * 1024];
        let r = app.client.post(app.url("/api/v1/session")).header("content-type", "application/json").body(big).send().await.unwrap();
        assert_eq!(r.status(), 413);

        let r = app.get("/api/v1/no-such-thing").await;
        assert_eq!(r.status(), 404);
        assert_error_shape(&r.json().await.unwrap(), "not_found");

        let r = app.get("/api/v1/audit?page=abc").await;
        assert_eq!(r.status(), 401, "sign-in is checked before anything else");

        let sec = app.signed_in("sec@example.com", &["security"]).await;
        let r = sec.get(app.url("/api/v1/audit?page=2147483648")).send().await.unwrap();
        assert_eq!(r.status(), 422, "the document's integers, and the answer's page, are 32-bit");
        for query in ["page=abc", "page=0", "per_page=-1", "page=99999999999", "actor=%FF%FE"] {
            let r = sec.get(app.url(&format!("/api/v1/audit?{query}"))).send().await.unwrap();
            let status = r.status().as_u16();
            assert!(status == 422 || status == 200, "{query}: {status}");
            if status == 422 {
                assert_error_shape(&r.json().await.unwrap(), "validation_failed");
            }
        }
        let r = app.get("/setup/%00%FF").await;
        assert_eq!(r.status(), 404);
    }
}

/// The database taken away from a running service (PostgreSQL through a proxy that is cut):
/// /readyz and requests answer 503, and both recover without a restart.
#[actix_web::test]
async fn readyz_says_503_while_the_database_is_unreachable_and_recovers() {
    let Some((name, url)) = fresh_postgres_database() else {
        return;
    };
    let mut parsed = url::Url::parse(&url).unwrap();
    let upstream = format!(
        "{}:{}",
        parsed.host_str().unwrap(),
        parsed.port().unwrap_or(5432)
    );
    let proxy = TcpProxy::start(upstream);
    parsed.set_port(Some(proxy.port)).unwrap();
    // Down at start: the service starts anyway and waits for the database.
    proxy.cut();
    let app = TestApp::spawn_with(
        tempfile::tempdir().unwrap(),
        parsed.to_string(),
        Some(name),
        |_| (),
    )
    .await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/readyz").await.status(), 503);
    let r = app
        .client
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"email": "a@example.com", "password": "whatever it is"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert_error_shape(&r.json().await.unwrap(), "unavailable");

    proxy.restore();
    wait_for_status(&app, 200).await;
    app.add_user("hr@example.com", &["hr"]);

    // Down in the middle of a run, then back.
    proxy.cut();
    wait_for_status(&app, 503).await;
    assert_eq!(
        app.get("/api/v1/me").await.status(),
        401,
        "no session: no database needed"
    );
    proxy.restore();
    wait_for_status(&app, 200).await;
    let hr = app.signed_in("hr2@example.com", &["hr"]).await;
    assert_eq!(
        hr.get(app.url("/api/v1/me")).send().await.unwrap().status(),
        200
    );
}

/// Polls /readyz (real time: this waits for a real reconnect, not for a date).
async fn wait_for_status(app: &TestApp, expected: u16) {
    for _ in 0..100 {
        if app.get("/readyz").await.status().as_u16() == expected {
            return;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("/readyz never answered {expected}");
}
