//! The operator page as a person uses it: the server binary on loopback, notifications sent to
//! it (valid, forged, refused with markup in an unsigned field, one whose business step fails),
//! the page loaded in headless Chromium, the requeue button pressed, the state checked.
//!
//! Needs Debian's `chromium` and `chromium-driver`; without them the test says so and passes,
//! unless `REQUIRE_BROWSER` is set (as in CI). `UPDATE_SCREENSHOTS=1` also writes the README's
//! screenshots, `docs/operator-page-empty.png` and `docs/operator-page-busy.png`:
//!
//! ```text
//! UPDATE_SCREENSHOTS=1 cargo test -p adyen-webhook-server --test operator_page
//! ```

mod support;

use std::path::PathBuf;
use std::time::Duration;

use adyen_webhook_server::faults::FAIL_WHILE_FILE_EXISTS;
use support::browser::Browser;
use support::process::{
    body, delivery, get, http, post_webhook, wait_until, Head, Launch, Server, KEY,
};
use tower_adyen_webhook::{Amount, HmacKey, NotificationRequestItem};

/// The previous key of a rotation, which still signs some deliveries.
const PREVIOUS_KEY: &str = "11727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB2";

/// Signs the forged delivery: not a key the server knows.
const FORGER_KEY: &str = "DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00";

/// What a refusal's unsigned `reason` carries in this test: markup that must stay text.
const HOSTILE: &str = "<script>document.title='pwned'</script><b id=\"injected\">bold</b>";

fn item(psp: &str, code: &str, order: &str, value: i64) -> NotificationRequestItem {
    let mut item = NotificationRequestItem::new(psp, code);
    item.merchant_account_code = "YourShopECOM".into();
    item.merchant_reference = order.into();
    item.amount = Some(Amount::new(value, "EUR"));
    item
}

/// The stored notifications, from the JSON API.
fn notifications(server: &Server) -> Vec<serde_json::Value> {
    let answer = get(server.admin_addr(), "/api/notifications?limit=200");
    assert_eq!(answer.status, 200, "{answer:?}");
    answer.json()["notifications"]
        .as_array()
        .expect("an array")
        .clone()
}

fn state_of(server: &Server, psp: &str) -> Option<String> {
    notifications(server)
        .iter()
        .find(|n| n["pspReference"] == psp)
        .and_then(|n| n["processing"]["state"].as_str().map(str::to_owned))
}

fn id_of(server: &Server, psp: &str) -> i64 {
    notifications(server)
        .iter()
        .find(|n| n["pspReference"] == psp)
        .and_then(|n| n["id"].as_i64())
        .unwrap_or_else(|| panic!("{psp} is not stored"))
}

fn wait_for_state(server: &Server, psp: &str, state: &str) {
    assert!(
        wait_until(Duration::from_secs(15), || state_of(server, psp).as_deref()
            == Some(state)),
        "{psp} is {:?}, not {state}; log:\n{}",
        state_of(server, psp),
        server.stderr()
    );
}

fn screenshot(browser: &Browser, name: &str) {
    if std::env::var_os("UPDATE_SCREENSHOTS").is_none() {
        return;
    }
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../docs/{name}"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, browser.screenshot()).unwrap();
}

#[test]
fn an_operator_sees_what_failed_and_requeues_it() {
    // A laptop's 1366 x 768 viewport: headless Chromium's window keeps 143 pixels of it for a
    // browser's bars it does not draw.
    let Some(browser) = Browser::start(concat!(module_path!(), "::operator_page"), 1366, 911)
    else {
        return;
    };
    let launch = Launch::new();
    let fail = launch.dir().join("business-logic-is-broken");
    let mut server = launch
        .env("ADYEN_HMAC_KEY", &format!("{KEY},{PREVIOUS_KEY}"))
        .env(FAIL_WHILE_FILE_EXISTS, &fail.display().to_string())
        // Dead-lettered at the first failure: the button has something to do at once.
        .env("WORKER_MAX_ATTEMPTS", "1")
        .start();
    let page = format!("http://{}/", server.admin_addr());

    // Empty: the page says what to do.
    browser.goto(&page);
    let welcome = browser.text(&browser.find("#empty"));
    assert!(welcome.contains("No webhook received yet"), "{welcome}");
    assert!(welcome.contains("/api/webhooks/notifications"), "{welcome}");
    assert!(browser.find_all("#notifications").is_empty());
    screenshot(&browser, "operator-page-empty.png");

    // Valid notifications, a redelivery, a refusal whose unsigned reason carries markup, and a
    // forged delivery.
    let mut refused = item("8800000000000003", "AUTHORISATION", "ORDER-1003", 2500);
    refused.success = false;
    refused.reason = HOSTILE.into();
    let sent = [
        item("8800000000000001", "AUTHORISATION", "ORDER-1001", 1999),
        item("8800000000000002", "AUTHORISATION", "ORDER-1002", 4500),
        refused,
    ];
    for item in &sent {
        assert_eq!(delivery(&server, false, vec![item.clone()]).status, 200);
    }
    let capture = {
        let mut capture = item("8800000000000011", "CAPTURE", "ORDER-1001", 1999);
        capture.original_reference = "8800000000000001".into();
        capture
    };
    assert_eq!(delivery(&server, false, vec![capture.clone()]).status, 200);
    assert_eq!(delivery(&server, false, vec![capture]).status, 200);
    let forger: HmacKey = FORGER_KEY.parse().unwrap();
    let mut forged = item("8800000000000099", "AUTHORISATION", "ORDER-1099", 100_000);
    forger.sign_item_in_place(&mut forged);
    let answer = post_webhook(server.addr(), body(false, vec![forged]).as_bytes());
    assert_eq!(answer.status, 401, "{answer:?}");
    // A delivery Adyen signed before the rotation reached it.
    let previous: HmacKey = PREVIOUS_KEY.parse().unwrap();
    let mut late = item("8800000000000005", "AUTHORISATION", "ORDER-1005", 850);
    previous.sign_item_in_place(&mut late);
    let answer = post_webhook(server.addr(), body(false, vec![late]).as_bytes());
    assert_eq!(answer.status, 200, "{answer:?}");
    for psp in [
        "8800000000000001",
        "8800000000000002",
        "8800000000000003",
        "8800000000000005",
    ] {
        wait_for_state(&server, psp, "processed");
    }
    wait_for_state(&server, "8800000000000011", "processed");

    // A business step that fails: dead-lettered at once.
    std::fs::write(&fail, b"").unwrap();
    let broken = item("8800000000000004", "AUTHORISATION", "ORDER-1004", 12_000);
    assert_eq!(delivery(&server, false, vec![broken]).status, 200);
    wait_for_state(&server, "8800000000000004", "dead");
    let dead_id = id_of(&server, "8800000000000004");

    browser.goto(&page);
    assert!(
        browser.find_all("#empty").is_empty(),
        "the empty state stays"
    );
    let counter = |label: &str| {
        let card = browser.find(&format!("[data-counter=\"{label}\"] .value"));
        browser.text(&card)
    };
    assert_eq!(counter("Stored"), "6");
    assert_eq!(counter("Duplicates"), "1");
    assert_eq!(counter("Dead"), "1");
    assert_eq!(counter("Failing"), "0");
    assert_eq!(counter("Due"), "0");

    // The failing notification, its error and its button.
    let failing = browser.find_all("#failing tbody tr");
    assert_eq!(failing.len(), 1);
    let row = &failing[0];
    assert_eq!(
        browser.attribute(row, "data-id").as_deref(),
        Some(dead_id.to_string().as_str())
    );
    let text = browser.text(row);
    assert!(text.contains("dead"), "{text}");
    assert!(text.contains("8800000000000004"), "{text}");
    assert!(text.contains("the business logic fails while"), "{text}");

    // Every notification, with its state.
    let rows = browser.find_all("#notifications tbody tr");
    assert_eq!(rows.len(), 6);
    let states: Vec<String> = rows
        .iter()
        .map(|row| browser.attribute(row, "data-state").unwrap_or_default())
        .collect();
    assert_eq!(
        states,
        [
            "dead",
            "processed",
            "processed",
            "processed",
            "processed",
            "processed"
        ]
    );
    let capture_row = browser.text(&rows[2]);
    assert!(
        capture_row.contains("CAPTURE") && capture_row.contains("EUR 19.99"),
        "{capture_row}"
    );

    // The unsigned reason is shown as text: no script ran, no element was made of it.
    let refused_row = browser.find(&format!(
        "#notifications tr[data-id=\"{}\"]",
        id_of(&server, "8800000000000003")
    ));
    let shown = browser.text(&refused_row);
    assert!(shown.contains(HOSTILE), "{shown}");
    assert!(browser.find_all("#injected").is_empty());
    assert!(!browser.title().contains("pwned"), "{}", browser.title());
    assert!(browser.source().contains("&lt;script&gt;"));

    // The payments, the key, the forged delivery.
    let payments = browser.text(&browser.find("#payments"));
    assert!(payments.contains("ORDER-1001"), "{payments}");
    assert!(payments.contains("captured"), "{payments}");
    assert!(payments.contains("refused"), "{payments}");
    let kcv = KEY.parse::<HmacKey>().unwrap().check_value().to_owned();
    for (position, kcv) in [("1 current", kcv.as_str()), ("2", previous.check_value())] {
        let key = browser.text(&browser.find(&format!("#keys tr[data-kcv=\"{kcv}\"]")));
        assert!(key.contains("in use"), "{key}");
        assert!(key.contains(&format!("ADYEN_HMAC_KEY {position}")), "{key}");
    }
    let forged = browser.find_all("#deliveries tr[data-outcome=\"unauthorized\"]");
    assert_eq!(forged.len(), 1);
    assert!(browser.text(&forged[0]).contains("signature_mismatch"));
    let accepted = browser.find_all("#deliveries tr[data-outcome=\"accepted\"]");
    assert_eq!(accepted.len(), 7);
    assert!(browser.text(&accepted[0]).contains(&kcv));
    assert!(accepted
        .iter()
        .any(|row| browser.text(row).contains(previous.check_value())));
    screenshot(&browser, "operator-page-busy.png");

    // The fix is deployed; the operator presses the button.
    std::fs::remove_file(&fail).unwrap();
    browser.click(&browser.find(&format!("#requeue-{dead_id}")));
    let url = browser.url();
    assert!(
        url.ends_with(&format!("/?requeued={dead_id}#attention")),
        "{url}"
    );
    let flash = browser.text(&browser.find("#flash"));
    assert!(
        flash.contains(&format!("notification {dead_id}")),
        "{flash}"
    );
    wait_for_state(&server, "8800000000000004", "processed");
    browser.goto(&page);
    assert!(browser.find_all("#failing").is_empty());
    assert_eq!(counter("Dead"), "0");
    let row = browser.find(&format!("#notifications tr[data-id=\"{dead_id}\"]"));
    assert_eq!(
        browser.attribute(&row, "data-state").as_deref(),
        Some("processed")
    );
    let payments = browser.text(&browser.find("#payments"));
    assert!(payments.contains("ORDER-1004"), "{payments}");

    assert!(server
        .stderr()
        .contains("requeued by an operator, from the page"));
    server.terminate();
    assert!(server.wait_exit(Duration::from_secs(15)).is_some());
}

/// The page and its buttons are the admin listener's: another site's page cannot press them
/// (cross-site request forgery), a rebound DNS name cannot read them, and the credentials guard
/// them when set.
#[test]
fn the_page_is_guarded_like_the_api() {
    let launch = Launch::new();
    let fail = launch.dir().join("broken");
    std::fs::write(&fail, b"").unwrap();
    let server = launch
        .env(FAIL_WHILE_FILE_EXISTS, &fail.display().to_string())
        .env("WORKER_MAX_ATTEMPTS", "1")
        .env("ADMIN_USERNAME", "operator")
        .env("ADMIN_PASSWORD", "staple")
        .start();
    assert_eq!(
        delivery(
            &server,
            false,
            vec![item("8800000000000005", "AUTHORISATION", "ORDER-1005", 100)]
        )
        .status,
        200
    );
    let admin = server.admin_addr();
    // "operator:staple"
    let auth = ("Authorization", "Basic b3BlcmF0b3I6c3RhcGxl");
    let api = |path: &str| http(admin, Head::new("GET", path).header(auth.0, auth.1), b"");
    assert!(wait_until(Duration::from_secs(15), || {
        api("/api/notifications").body.contains("\"dead\"")
    }));
    let id = api("/api/notifications").json()["notifications"][0]["id"]
        .as_i64()
        .unwrap();
    let requeue = format!("/notifications/{id}/requeue");

    assert_eq!(get(admin, "/").status, 401);
    let page = api("/");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(page
        .header("content-security-policy")
        .is_some_and(|csp| csp.contains("default-src 'none'")));
    let rebound = http(
        admin,
        Head::new("GET", "/")
            .header("Host", "evil.example")
            .header(auth.0, auth.1),
        b"",
    );
    assert_eq!(rebound.status, 421);
    assert_eq!(
        http(admin, Head::new("POST", &requeue), b"").status,
        401,
        "no credentials"
    );

    // A form on another site, submitted with the operator's cached credentials.
    for (name, value) in [
        ("Sec-Fetch-Site", "cross-site"),
        ("Sec-Fetch-Site", "same-site"),
        ("Origin", "http://evil.example"),
        ("Origin", "null"),
    ] {
        let forged = http(
            admin,
            Head::new("POST", &requeue)
                .header(auth.0, auth.1)
                .header(name, value),
            b"",
        );
        assert_eq!(forged.status, 403, "{name}: {value}: {forged:?}");
        let forged = http(
            admin,
            Head::new("POST", "/api/notifications/requeue-dead")
                .header(auth.0, auth.1)
                .header(name, value),
            b"",
        );
        assert_eq!(forged.status, 403, "the JSON API too: {name}: {value}");
    }
    assert!(api("/api/notifications").body.contains("\"dead\""));

    // From the page itself: requeued, and back to the page.
    let origin = format!("http://{admin}");
    for (name, value) in [
        ("Sec-Fetch-Site", "same-origin"),
        ("Origin", origin.as_str()),
    ] {
        let pressed = http(
            admin,
            Head::new("POST", &requeue)
                .header(auth.0, auth.1)
                .header(name, value),
            b"",
        );
        assert_eq!(pressed.status, 303, "{name}: {pressed:?}");
        assert_eq!(
            pressed.header("location"),
            Some(format!("/?requeued={id}#attention").as_str())
        );
    }
    assert!(server
        .stderr()
        .contains("requeued by an operator, from the page"));
    // An id with nothing to requeue: said, not pretended.
    let pressed = http(
        admin,
        Head::new("POST", "/notifications/999/requeue")
            .header(auth.0, auth.1)
            .header("Sec-Fetch-Site", "same-origin"),
        b"",
    );
    assert_eq!(pressed.status, 303);
    assert_eq!(
        pressed.header("location"),
        Some("/?unchanged=999#attention")
    );
    let said = api("/?unchanged=999");
    assert!(
        said.body.contains("Notification 999 was not requeued"),
        "{}",
        said.body
    );
    // The page echoes nothing but a number from its URL.
    let echoed = api("/?requeued=%3Cscript%3E");
    assert_eq!(echoed.status, 200);
    assert!(!echoed.body.contains("<script>") && !echoed.body.contains("Requeued"));
}

/// The page lists the latest notifications a page at a time: the newest 50, then a link to the
/// older ones.
#[test]
fn the_page_shows_the_latest_notifications_a_page_at_a_time() {
    let server = Launch::new().start();
    let items = (0..55)
        .map(|n| {
            item(
                &format!("88000000000{n:05}"),
                "AUTHORISATION",
                "ORDER-PAGED",
                100,
            )
        })
        .collect();
    assert_eq!(delivery(&server, false, items).status, 200);
    let rows = |body: &str| {
        let table = body
            .split("<table id=\"notifications\">")
            .nth(1)
            .expect("the notifications table")
            .split("</table>")
            .next()
            .unwrap()
            .to_owned();
        table.matches("<tr data-id=").count()
    };
    let first = get(server.admin_addr(), "/");
    assert_eq!(first.status, 200);
    assert_eq!(rows(&first.body), 50);
    let older = first
        .body
        .split("href=\"/?before=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a link to the older notifications")
        .to_owned();
    let second = get(server.admin_addr(), &format!("/?before={older}"));
    assert_eq!(rows(&second.body), 5);
    assert!(!second.body.contains("id=\"older\""));
    assert!(second.body.contains("Newest"));
}
