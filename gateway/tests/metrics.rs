//! Observability, end to end: a real `ventanilla` scraped every second by a
//! real Prometheus while taxpayers join, are attended and abandon over HTTP.
//! Every expression of every dashboard panel must be accepted by Prometheus
//! and return data (a metric the dashboards use but the service does not
//! export fails the test); the exposition passes `promtool check metrics`;
//! the alert rules pass `promtool check rules` and their unit tests, and
//! evaluate without errors against the real series.

mod metrics_support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use engine::testsuite::{dni, madrid, TestEngine};
use gateway::{AppState, GatewayOptions};
use reqwest::header::{ETAG, IF_NONE_MATCH};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tower::ServiceExt as _;

use metrics_support::{
    dashboards, eventually, free_port, metric_names, panel_queries, promtool, repo,
    start_prometheus, start_ventanilla, substitute, SERVICE,
};

/// The scripted flow's joins, to know when Prometheus has seen all of it.
const JOINS: u64 = 7;

/// HTTP as a browser or console would speak it to one gateway.
struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
        expected: StatusCode,
    ) -> Value {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("gateway answers");
        let status = response.status();
        let text = response.text().await.expect("body");
        assert_eq!(status, expected, "{method} {path}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            path,
            token,
            Some(body),
            StatusCode::OK,
        )
        .await
    }

    async fn login(&self, operator: &str) -> String {
        let answer = self
            .http
            .post(format!("{}/api/v1/session", self.base))
            .json(&json!({"operator_id": operator, "password": "demo"}))
            .send()
            .await
            .expect("login answers");
        assert_eq!(answer.status(), StatusCode::OK, "login of {operator}");
        let body: Value = answer.json().await.expect("login body");
        let token = body["token"].as_str().expect("session token").to_string();
        self.call(
            reqwest::Method::PUT,
            "/api/v1/operator/availability",
            &token,
            Some(json!({"services": {SERVICE: true}})),
            StatusCode::OK,
        )
        .await;
        token
    }

    /// A taxpayer joins: (ticket id, ticket token).
    async fn join(&self, number: u32) -> (String, String) {
        let body = self
            .call(
                reqwest::Method::POST,
                "/api/v1/tickets",
                "",
                Some(json!({
                    "nif": dni(number),
                    "name": format!("Contribuyente {number}"),
                    "contrast": "01/01/1980",
                    "service": SERVICE,
                })),
                StatusCode::CREATED,
            )
            .await;
        (
            body["ticket_id"].as_str().expect("ticket id").to_string(),
            body["token"].as_str().expect("ticket token").to_string(),
        )
    }

    /// Polls twice, the second time with the first answer's ETag: 200, then 304.
    async fn poll_twice(&self, path: &str, token: &str) {
        let url = format!("{}{path}", self.base);
        let first = self
            .http
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .expect("poll answers");
        assert_eq!(first.status(), StatusCode::OK, "GET {path}");
        let etag = first.headers()[ETAG].clone();
        let second = self
            .http
            .get(&url)
            .bearer_auth(token)
            .header(IF_NONE_MATCH, etag)
            .send()
            .await
            .expect("poll answers");
        assert_eq!(
            second.status(),
            StatusCode::NOT_MODIFIED,
            "GET {path} again"
        );
    }

    async fn finalize(&self, token: &str, outcome: &str, next: &str) {
        self.post(
            "/api/v1/operator/finalize",
            token,
            json!({"outcome": outcome, "observations": "", "next": next}),
        )
        .await;
    }
}

/// Joins, attentions (login, availability, attend, start, accept, finalize)
/// and abandons before and after assignment, with polls answered 200 and 304.
/// Ends with a taxpayer waiting, an operator assigned, one in a meeting and
/// one idle.
async fn scripted_flow(api: &Api) {
    let ana = api.login("op-0001").await;
    let luis = api.login("op-0002").await;
    let eva = api.login("op-0003").await;
    for operator in [&ana, &luis, &eva] {
        api.poll_twice("/api/v1/operator/console", operator).await;
    }

    // Four taxpayers queue with nobody attending; the fourth gives up.
    let (first, first_token) = api.join(10_000_001).await;
    let (second, second_token) = api.join(10_000_002).await;
    let (third, third_token) = api.join(10_000_003).await;
    let (fourth, fourth_token) = api.join(10_000_004).await;
    api.poll_twice(&format!("/api/v1/tickets/{first}"), &first_token)
        .await;
    api.post(
        &format!("/api/v1/tickets/{fourth}/abandon"),
        &fourth_token,
        json!({}),
    )
    .await;

    // Ana attends the first taxpayer and goes on to the second.
    api.post("/api/v1/operator/attend", &ana, json!({})).await;
    api.post(
        &format!("/api/v1/tickets/{first}/accept"),
        &first_token,
        json!({}),
    )
    .await;
    api.post("/api/v1/operator/start", &ana, json!({})).await;
    api.finalize(&ana, "success", "attend").await;

    // Luis gets the third, who leaves once assigned.
    api.post("/api/v1/operator/attend", &luis, json!({})).await;
    api.post(
        &format!("/api/v1/tickets/{third}/abandon"),
        &third_token,
        json!({}),
    )
    .await;
    api.finalize(&luis, "taxpayer_abandoned", "interrupt").await;

    // Ana finishes the second with a technical error and stops.
    api.post(
        &format!("/api/v1/tickets/{second}/accept"),
        &second_token,
        json!({}),
    )
    .await;
    api.post("/api/v1/operator/start", &ana, json!({})).await;
    api.finalize(&ana, "technical_error", "interrupt").await;

    // Eva waits; the next taxpayer goes straight to her and she starts.
    api.post("/api/v1/operator/attend", &eva, json!({})).await;
    api.join(10_000_005).await;
    api.post("/api/v1/operator/start", &eva, json!({})).await;

    // Two more queue; Luis takes one, the other keeps waiting.
    api.join(10_000_006).await;
    let (seventh, seventh_token) = api.join(10_000_007).await;
    api.post("/api/v1/operator/attend", &luis, json!({})).await;
    api.poll_twice(&format!("/api/v1/tickets/{seventh}"), &seventh_token)
        .await;
    for operator in [&ana, &luis, &eva] {
        api.poll_twice("/api/v1/operator/console", operator).await;
    }
}

/// Prometheus' HTTP API.
struct Prometheus {
    base: String,
    http: reqwest::Client,
}

impl Prometheus {
    /// `/api/v1/query` at "now": the whole answer, whatever its status.
    async fn query(&self, expr: &str) -> Value {
        self.http
            .get(format!("{}/api/v1/query", self.base))
            .query(&[("query", expr)])
            .send()
            .await
            .expect("prometheus answers")
            .json()
            .await
            .expect("prometheus answers JSON")
    }

    /// The single value of a query that must return exactly one sample.
    async fn scalar(&self, expr: &str) -> Option<f64> {
        let answer = self.query(expr).await;
        let result = answer["data"]["result"].as_array()?;
        result.first()?["value"][1].as_str()?.parse().ok()
    }

    async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("prometheus answers")
            .json()
            .await
            .expect("prometheus answers JSON")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dashboard_panel_returns_data_from_prometheus_scraping_a_real_ventanilla() {
    // Arrange: ventanilla, then Prometheus scraping it every second.
    let dir = tempfile::tempdir().expect("temporary directory");
    let gateway_port = free_port();
    let mut ventanilla = start_ventanilla(dir.path(), gateway_port);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let api = Api {
        base: format!("http://127.0.0.1:{gateway_port}"),
        http: http.clone(),
    };
    eventually("ventanilla to be ready", Duration::from_secs(20), || {
        ventanilla.assert_running("ventanilla");
        let url = format!("{}/readyz", api.base);
        let http = http.clone();
        async move {
            let ready = http.get(url).send().await.ok()?;
            (ready.status() == StatusCode::OK).then_some(())
        }
    })
    .await;
    let prometheus_port = free_port();
    let mut prometheus_process = start_prometheus(
        dir.path(),
        prometheus_port,
        &format!("127.0.0.1:{gateway_port}"),
    );
    let prometheus = Prometheus {
        base: format!("http://127.0.0.1:{prometheus_port}"),
        http: http.clone(),
    };
    eventually("prometheus to be ready", Duration::from_secs(20), || {
        prometheus_process.assert_running("prometheus");
        let url = format!("{}/-/ready", prometheus.base);
        let http = http.clone();
        async move {
            let ready = http.get(url).send().await.ok()?;
            (ready.status() == StatusCode::OK).then_some(())
        }
    })
    .await;

    // Act: the scripted flow, then wait until Prometheus has scraped its
    // end state and a few samples more.
    scripted_flow(&api).await;
    let exposition = http
        .get(format!("{}/metrics", api.base))
        .send()
        .await
        .expect("/metrics answers")
        .text()
        .await
        .expect("/metrics body");
    let prometheus_api = &prometheus;
    eventually(
        "prometheus to scrape the whole flow",
        Duration::from_secs(20),
        || async move {
            let prometheus = prometheus_api;
            let joins = prometheus
                .scalar("sum(ventanilla_tickets_joined_total)")
                .await?;
            let scrapes = prometheus
                .scalar(r#"count_over_time(up{job="ventanilla"}[1m])"#)
                .await?;
            (joins == JOINS as f64 && scrapes >= 5.0).then_some(())
        },
    )
    .await;
    // Two more scrapes after the flow, and one rule evaluation on them.
    tokio::time::sleep(Duration::from_secs(2)).await;

    // Assert: the exposition lints clean and keeps personal data out.
    promtool(&["check", "metrics"], Some(&exposition));
    for private in ["op-0001", &dni(10_000_001), "Contribuyente"] {
        assert!(
            !exposition.contains(private),
            "/metrics shows {private:?}:\n{exposition}"
        );
    }
    assert!(
        exposition.contains("# TYPE ventanilla_ticket_wait_seconds histogram"),
        "histograms must be real histograms, not summaries:\n{exposition}"
    );

    // Every metric the dashboards read exists in Prometheus, and every panel
    // expression is accepted and returns data.
    let names: BTreeSet<String> = prometheus.get("/api/v1/label/__name__/values").await["data"]
        .as_array()
        .expect("metric names")
        .iter()
        .filter_map(|name| name.as_str().map(str::to_string))
        .collect();
    let mut failures = Vec::new();
    let mut checked = 0;
    for (file, dashboard) in dashboards() {
        for query in panel_queries(&file, &dashboard) {
            let expr = substitute(&query.expr, &format!("{SERVICE}|NOSUCHSERVICE"));
            let panel = format!("{} / {:?}", query.dashboard, query.panel);
            checked += 1;
            if expr.contains('$') {
                failures.push(format!("{panel}: unknown Grafana variable in {expr}"));
                continue;
            }
            for name in metric_names(&expr) {
                if !names.contains(&name) {
                    failures.push(format!("{panel}: ventanilla does not export {name}"));
                }
            }
            let answer = prometheus.query(&expr).await;
            let empty = answer["data"]["result"]
                .as_array()
                .is_none_or(|result| result.is_empty());
            if answer["status"] != "success" || empty {
                failures.push(format!("{panel}: {expr}\n    -> {answer}"));
            }
        }
    }
    assert!(checked >= 40, "only {checked} panel expressions found");
    assert!(
        failures.is_empty(),
        "{} of {checked} panel expressions failed:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // The service variable lists the service.
    let services = prometheus
        .get("/api/v1/label/service/values?match[]=ventanilla_tickets_waiting")
        .await;
    assert_eq!(services["data"], json!([SERVICE]), "{services}");

    // The alert rules evaluate against the real series without errors.
    let rules = prometheus.get("/api/v1/rules").await;
    let mut evaluated = 0;
    for group in rules["data"]["groups"].as_array().expect("rule groups") {
        for rule in group["rules"].as_array().expect("rules") {
            evaluated += 1;
            assert_eq!(rule["health"], "ok", "{rule}");
        }
    }
    assert!(evaluated >= 6, "{rules}");
    ventanilla.assert_running("ventanilla");
    prometheus_process.assert_running("prometheus");
}

#[tokio::test]
async fn requests_count_by_route_template_and_the_zoom_quota_hook_shows() {
    // Arrange: an app whose Zoom wiring reports two hosts near the cap.
    let test_engine = TestEngine::start_at(madrid("2026-11-30 10:00")).await;
    let options = GatewayOptions::from_file(&gateway::Config::embedded_default().file)
        .expect("gateway options");
    let state = AppState::new(test_engine.engine.clone(), options);
    state.metrics.watch_zoom_quota(Arc::new(|| 2));
    let get = |path: &str| {
        let request = axum::http::Request::get(path)
            .body(axum::body::Body::empty())
            .expect("request");
        gateway::router(state.clone()).oneshot(request)
    };

    // Act
    let unknown_ticket = get("/api/v1/tickets/00000000000000ab")
        .await
        .expect("answer");
    let no_route = get("/no/such/page/00000000000000ab").await.expect("answer");
    let scrape = get("/metrics").await.expect("answer");
    let content_type = scrape.headers()["content-type"].clone();
    let body = axum::body::to_bytes(scrape.into_body(), usize::MAX)
        .await
        .expect("body");
    let exposition = String::from_utf8_lossy(&body);

    // Assert: the route template, never the id; one label for no route.
    assert_eq!(unknown_ticket.status(), StatusCode::NOT_FOUND);
    assert_eq!(no_route.status(), StatusCode::NOT_FOUND);
    assert!(content_type
        .to_str()
        .expect("ascii")
        .starts_with("text/plain; version=0.0.4"));
    for expected in [
        r#"ventanilla_http_requests_total{route="/api/v1/tickets/{id}",method="GET",status="404"}"#,
        r#"ventanilla_http_requests_total{route="unmatched",method="GET",status="404"}"#,
        "ventanilla_zoom_hosts_near_daily_cap 2",
    ] {
        assert!(
            exposition.contains(expected),
            "{expected} missing:\n{exposition}"
        );
    }
    assert!(!exposition.contains("00000000000000ab"), "{exposition}");
}

#[tokio::test]
async fn a_held_polls_hold_is_left_out_of_its_duration_and_the_held_polls_are_counted() {
    // Arrange: an operator's console, unchanged, held for one second.
    let test_engine = TestEngine::start_at(madrid("2026-11-30 10:00")).await;
    let options = GatewayOptions::from_file(&gateway::Config::embedded_default().file)
        .expect("gateway options");
    let state = AppState::new(test_engine.engine.clone(), options);
    let call = |request: axum::http::Request<axum::body::Body>| {
        let router = gateway::router(state.clone());
        async move {
            let response = router.oneshot(request).await.expect("answer");
            let status = response.status();
            let etag = response.headers().get("etag").cloned();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("body");
            (status, etag, String::from_utf8_lossy(&body).into_owned())
        }
    };
    let login = axum::http::Request::post("/api/v1/session")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            json!({"operator_id": "op-0001", "password": "demo"}).to_string(),
        ))
        .expect("request");
    let (_, _, session) = call(login).await;
    let token = serde_json::from_str::<Value>(&session).expect("json")["token"]
        .as_str()
        .expect("token")
        .to_string();
    let console = |query: &str, etag: Option<&axum::http::HeaderValue>| {
        let mut request = axum::http::Request::get(format!("/api/v1/operator/console{query}"))
            .header("authorization", format!("Bearer {token}"));
        if let Some(etag) = etag {
            request = request.header("if-none-match", etag);
        }
        request.body(axum::body::Body::empty()).expect("request")
    };
    let (_, etag, _) = call(console("", None)).await;
    let etag = etag.expect("an ETag");

    // Act
    let held = tokio::spawn(call(console("?wait=1", Some(&etag))));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let scrape = axum::http::Request::get("/metrics")
        .body(axum::body::Body::empty())
        .expect("request");
    let (_, _, during) = call(scrape).await;
    let (status, _, _) = held.await.expect("held poll");
    let scrape = axum::http::Request::get("/metrics")
        .body(axum::body::Body::empty())
        .expect("request");
    let (_, _, after) = call(scrape).await;

    // Assert
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(
        during.contains("ventanilla_http_held_polls 1\n"),
        "{during}"
    );
    assert!(after.contains("ventanilla_http_held_polls 0\n"), "{after}");
    let sum = after
        .lines()
        .find(|line| {
            line.starts_with(
                r#"ventanilla_http_request_duration_seconds_sum{route="/api/v1/operator/console",method="GET"}"#,
            )
        })
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse::<f64>().ok())
        .expect("the console's duration sum");
    assert!(
        sum < 0.9,
        "two console polls took {sum} s without the 1 s hold"
    );
}

#[test]
fn the_alert_rules_and_the_prometheus_configuration_are_valid() {
    promtool(&["check", "rules", "alerts.yml"], None);
    promtool(&["check", "config", "prometheus.yml"], None);
}

#[test]
fn the_alert_rules_pass_their_unit_tests() {
    promtool(&["test", "rules", "alerts.test.yml"], None);
}

#[test]
fn dashboards_choose_their_datasource_through_a_variable_and_filter_by_service() {
    let found = dashboards();
    let titles: BTreeSet<&str> = found
        .iter()
        .filter_map(|(_, dashboard)| dashboard["title"].as_str())
        .collect();
    assert!(
        titles.contains("Videoasistencia — Supervisión"),
        "{titles:?}"
    );
    assert!(titles.contains("Ventanilla — Motor"), "{titles:?}");
    for (file, dashboard) in &found {
        let text = dashboard.to_string();
        // File provisioning never fills `__inputs`: no ${DS_…} placeholders.
        assert!(dashboard.get("__inputs").is_none(), "{file}");
        assert!(!text.contains("${DS_"), "{file}");
        let variables = dashboard["templating"]["list"]
            .as_array()
            .expect("templating");
        assert!(
            variables
                .iter()
                .any(|variable| variable["type"] == "datasource"
                    && variable["name"] == "datasource"
                    && variable["query"] == "prometheus"),
            "{file}: no datasource variable"
        );
        let uses_service = panel_queries(file, dashboard)
            .iter()
            .any(|query| query.expr.contains("$service"));
        if uses_service {
            assert!(
                variables
                    .iter()
                    .any(|variable| variable["name"] == "service"
                        && variable["definition"]
                            .as_str()
                            .is_some_and(|query| query.starts_with("label_values("))),
                "{file}: panels use $service without a label_values variable"
            );
        }
        let mut panels = vec![];
        collect_panels(&dashboard["panels"], &mut panels);
        for panel in panels.iter().filter(|panel| panel["type"] != "row") {
            assert_eq!(
                panel["datasource"]["uid"], "${datasource}",
                "{file}: {}",
                panel["title"]
            );
            assert!(
                panel["description"].as_str().is_some_and(|d| !d.is_empty()),
                "{file}: {} has no description",
                panel["title"]
            );
        }
    }
    // The provisioning points at the dashboards folder.
    let provider =
        std::fs::read_to_string(repo().join("ops/grafana/provisioning/dashboards/ventanilla.yml"))
            .expect("dashboard provider");
    assert!(provider.contains("type: file"), "{provider}");
    assert!(repo()
        .join("ops/grafana/provisioning/datasources/prometheus.yml")
        .is_file());
}

fn collect_panels<'a>(panels: &'a Value, out: &mut Vec<&'a Value>) {
    for panel in panels.as_array().into_iter().flatten() {
        out.push(panel);
        collect_panels(&panel["panels"], out);
    }
}
