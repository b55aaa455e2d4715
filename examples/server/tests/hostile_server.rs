//! The server binary against strangers and mistakes: each test starts the real process on
//! loopback ports, configured by environment variables only, and plays what a stranger on the
//! internet (or an operator with a wrong setting) would do to it: slow and idle sockets, floods
//! of connections and bodies, requests for what the webhook port does not serve, DNS
//! rebinding, unsafe database URLs, hostile text in signed notifications, a hand-edited row,
//! a SIGTERM in the middle of everything.
//!
//! Measured figures (memory, time to cut a slow client, time to stop) are printed: run with
//! `--nocapture` to see them.

mod support;

use std::collections::BTreeSet;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use adyen_webhook_server::app::{PLATFORM_PATH, WEBHOOK_PATH};
use adyen_webhook_server::store::Store;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::Value;
use support::process::{
    body, closed_by_server, delivery, get, http, parse_response, post_webhook, runtime, wait_until,
    Head, Launch, Response, Server,
};
use tower_adyen_webhook::{Amount, HmacKey, NotificationRequestItem};

/// An authorisation of 10.00 EUR on `merchant_account`.
fn authorisation(psp_reference: &str, merchant_account: &str) -> NotificationRequestItem {
    let mut item = NotificationRequestItem::new(psp_reference, "AUTHORISATION");
    item.merchant_account_code = merchant_account.into();
    item.merchant_reference = format!("order-{psp_reference}").into();
    item.amount = Some(Amount::new(1000, "EUR"));
    item.event_date = "2024-05-01T12:00:00+02:00".into();
    item.payment_method = "visa".into();
    item
}

fn assert_accepted(response: &Response) {
    assert_eq!(
        (response.status, response.body.as_str()),
        (200, "[accepted]"),
        "{response:?}"
    );
}

/// `GET path` on the admin listener, with `Host` set to `host`.
fn admin_get(server: &Server, path: &str, host: &str) -> Response {
    http(
        server.admin_addr(),
        Head::new("GET", path).header("Host", host),
        b"",
    )
}

/// The admin listener's own `Host`.
fn admin_host(server: &Server) -> String {
    server.admin_addr().to_string()
}

/// Every notification the admin API lists, newest first, page by page.
fn list_all(server: &Server) -> Vec<Value> {
    let host = admin_host(server);
    let mut all = Vec::new();
    let mut path = "/api/notifications?limit=200".to_owned();
    for _ in 0..100 {
        let page = admin_get(server, &path, &host);
        assert_eq!(page.status, 200, "{page:?}");
        let page = page.json();
        all.extend(page["notifications"].as_array().expect("an array").clone());
        match page["nextBefore"].as_i64() {
            Some(before) => path = format!("/api/notifications?limit=200&before={before}"),
            None => return all,
        }
    }
    panic!("more than 100 pages");
}

/// The listed notification with this `pspReference`.
fn listed<'a>(list: &'a [Value], psp_reference: &str) -> &'a Value {
    list.iter()
        .find(|n| n["pspReference"] == psp_reference)
        .unwrap_or_else(|| panic!("{psp_reference} not listed in {list:#?}"))
}

fn warn_lines(server: &Server) -> Vec<String> {
    server
        .log_lines()
        .into_iter()
        .filter(|line| line.contains(" WARN "))
        .collect()
}

/// Whether `line` starts like a line of the fmt layer: `2024-05-01T12:00:00.000000Z`.
fn starts_like_a_log_line(line: &str) -> bool {
    let b = line.as_bytes();
    b.len() > 11
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
        && b[10] == b'T'
}

// --- The webhook port -----------------------------------------------------------------------

/// The port a tunnel exposes answers Adyen's route and a health check, nothing else, and
/// strangers probing it with other methods leave no warnings in the log.
#[test]
fn the_webhook_port_serves_the_webhook_and_health_only() {
    let server = Launch::new().start();
    let health = get(server.addr(), "/health");
    assert_eq!((health.status, health.body.as_str()), (200, "ok"));

    let warnings_before = warn_lines(&server);
    for path in [
        "/api/notifications",
        "/api/payments/order-1",
        "/api/notifications/requeue-dead",
        "/",
    ] {
        let response = get(server.addr(), path);
        assert_eq!(response.status, 404, "GET {path}: {response:?}");
    }
    let requeue = http(
        server.addr(),
        Head::new("POST", "/api/notifications/1/requeue"),
        b"",
    );
    assert_eq!(requeue.status, 404, "{requeue:?}");
    for method in ["GET", "PUT", "TRACE", "DELETE"] {
        let response = http(server.addr(), Head::new(method, WEBHOOK_PATH), b"");
        assert_eq!(
            response.status, 405,
            "{method} {WEBHOOK_PATH}: {response:?}"
        );
    }
    // A request that is served, after them: its log lines show that the log has caught up.
    assert_accepted(&delivery(
        &server,
        false,
        vec![authorisation("PORT1", "ShopA")],
    ));
    assert!(server.wait_for_log("\"PORT1\"", Duration::from_secs(5)));
    assert_eq!(warn_lines(&server), warnings_before);
}

/// The header-signed route exists only with its key. With it, over a raw socket, a forged
/// event gets 401 and nothing is stored, and a signed one is stored, acknowledged and listed on
/// the admin listener; the start log gives the key's check value.
#[test]
fn header_signed_events_need_their_key_and_their_signature() {
    const PLATFORM_KEY: &str = "DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00";
    let key: HmacKey = PLATFORM_KEY.parse().unwrap();
    let body: &[u8] = br#"{"data":{"accountHolder":{"id":"AH1","status":"active"}},"environment":"test","type":"balancePlatform.accountHolder.created"}"#;
    let signature = key.sign(body);
    let post = |server: &Server, signature: &str, body: &[u8]| {
        http(
            server.addr(),
            Head::new("POST", PLATFORM_PATH)
                .header("Content-Type", "application/json")
                .header("HmacSignature", signature),
            body,
        )
    };

    let without = Launch::new().start();
    assert_eq!(post(&without, &signature, body).status, 404);
    drop(without);

    let server = Launch::new()
        .env("ADYEN_PLATFORM_HMAC_KEY", PLATFORM_KEY)
        .start();
    assert!(server.wait_for_log(key.check_value(), Duration::from_secs(5)));
    let forged = String::from_utf8_lossy(body).replace("active", "closed");
    for (what, response) in [
        ("forged", post(&server, &signature, forged.as_bytes())),
        ("bad signature", post(&server, "AAAA", body)),
    ] {
        assert_eq!(response.status, 401, "{what}: {response:?}");
    }
    let unsigned = http(
        server.addr(),
        Head::new("POST", PLATFORM_PATH).header("Content-Type", "application/json"),
        body,
    );
    assert_eq!(unsigned.status, 401, "{unsigned:?}");
    let host = admin_host(&server);
    let page = admin_get(&server, "/api/events", &host).json();
    assert_eq!(page["events"], serde_json::json!([]), "{page}");

    assert_accepted(&post(&server, &signature, body));
    let page = admin_get(&server, "/api/events", &host).json();
    let events = page["events"].as_array().expect("events");
    assert_eq!(events.len(), 1, "{page}");
    assert_eq!(events[0]["type"], "balancePlatform.accountHolder.created");
    let id = events[0]["id"].as_i64().unwrap();
    let event = admin_get(&server, &format!("/api/events/{id}"), &host).json();
    assert_eq!(event["body"].as_str().unwrap().as_bytes(), body);
}

// --- The admin listener ---------------------------------------------------------------------

/// The admin listener answers to its own address, `localhost` and the configured names; a
/// page that reaches it through DNS rebinding (any other `Host`) gets 421.
#[test]
fn the_admin_listener_answers_its_own_host_names_only() {
    let server = Launch::new()
        .env("ADMIN_ALLOWED_HOSTS", "ops.example")
        .start();
    assert_accepted(&delivery(
        &server,
        false,
        vec![authorisation("HOST1", "ShopA")],
    ));
    let port = server.admin_addr().port();
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        "ops.example".to_owned(),
    ] {
        let page = admin_get(&server, "/api/notifications", &host);
        assert_eq!(page.status, 200, "Host: {host}: {page:?}");
        let page = page.json();
        let notifications = page["notifications"].as_array().expect("notifications");
        assert_eq!(notifications.len(), 1, "{page}");
        assert_eq!(notifications[0]["pspReference"], "HOST1");
        assert!(page.get("nextBefore").is_some(), "{page}");
    }
    let webhook_port = server.addr().port();
    for host in [
        "evil.example".to_owned(),
        format!("evil.example:{port}"),
        format!("127.0.0.1:{webhook_port}"),
        "localhost.evil.example".to_owned(),
    ] {
        let page = admin_get(&server, "/api/notifications", &host);
        assert_eq!(page.status, 421, "Host: {host}: {page:?}");
        assert!(!page.body.contains("HOST1"), "{page:?}");
    }
}

/// A page holds at most 200 notifications whatever `limit` asks, and following `nextBefore`
/// lists every stored notification once.
#[test]
fn admin_pages_are_bounded_and_walk_every_notification() {
    let server = Launch::new().start();
    const REQUESTS: usize = 5;
    const ITEMS: usize = 50;
    for request in 0..REQUESTS {
        let items = (0..ITEMS)
            .map(|n| authorisation(&format!("PAGE{request:02}{n:03}"), "ShopA"))
            .collect();
        assert_accepted(&delivery(&server, false, items));
    }
    let host = admin_host(&server);
    let first = admin_get(&server, "/api/notifications?limit=10000", &host);
    assert_eq!(first.status, 200, "{first:?}");
    let first = first.json();
    let page = first["notifications"].as_array().expect("notifications");
    assert_eq!(page.len(), 200, "limit=10000 must be capped at 200");
    let mut ids = Vec::new();
    let mut next = first["nextBefore"].as_i64();
    ids.extend(page.iter().map(|n| n["id"].as_i64().expect("an id")));
    let mut pages = 1;
    while let Some(before) = next {
        assert!(pages < 20, "too many pages");
        let response = admin_get(
            &server,
            &format!("/api/notifications?limit=10000&before={before}"),
            &host,
        );
        assert_eq!(response.status, 200, "{response:?}");
        let response = response.json();
        let page = response["notifications"].as_array().expect("notifications");
        assert!(page.len() <= 200);
        ids.extend(page.iter().map(|n| n["id"].as_i64().expect("an id")));
        next = response["nextBefore"].as_i64();
        pages += 1;
    }
    let distinct: BTreeSet<i64> = ids.iter().copied().collect();
    assert_eq!(ids.len(), REQUESTS * ITEMS, "{pages} pages");
    assert_eq!(distinct.len(), ids.len(), "a notification was listed twice");
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "not newest first");
}

/// An admin listener on a public address without credentials would show payment data to
/// anyone: the server refuses to start and says what to set.
#[test]
fn an_admin_listener_on_a_public_address_needs_credentials_to_start() {
    let mut server = Launch::new()
        .env("ADMIN_BIND_ADDRESS", "0.0.0.0")
        .run_to_exit(Duration::from_secs(10));
    assert_eq!(server.exit_code(), Some(2), "{}", server.stderr());
    assert!(
        server.stderr().contains("ADMIN_USERNAME"),
        "{}",
        server.stderr()
    );
}

/// With credentials set, the admin API answers only to them; the webhook port is unaffected.
#[test]
fn admin_credentials_are_required_once_set() {
    let server = Launch::new()
        .env("ADMIN_USERNAME", "operator")
        .env("ADMIN_PASSWORD", "staple-battery")
        .start();
    assert_accepted(&delivery(
        &server,
        false,
        vec![authorisation("AUTH1", "ShopA")],
    ));
    let host = admin_host(&server);
    let with = |credentials: Option<&str>| {
        let mut head = Head::new("GET", "/api/notifications").header("Host", &host);
        if let Some(credentials) = credentials {
            head = head.header(
                "Authorization",
                &format!("Basic {}", BASE64.encode(credentials)),
            );
        }
        http(server.admin_addr(), head, b"")
    };
    for credentials in [
        None,
        Some("operator:wrong"),
        Some("intruder:staple-battery"),
        Some("operator"),
    ] {
        let response = with(credentials);
        assert_eq!(response.status, 401, "{credentials:?}: {response:?}");
        assert!(
            response.header("www-authenticate").is_some(),
            "{credentials:?}: {response:?}"
        );
        assert!(!response.body.contains("AUTH1"), "{response:?}");
    }
    let response = with(Some("operator:staple-battery"));
    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(response.json()["notifications"][0]["pspReference"], "AUTH1");
    assert_eq!(get(server.addr(), "/health").status, 200);
}

// --- Slow and idle connections ----------------------------------------------------------------

/// A request head sent a byte at a time (slowloris) and a connection that sends nothing are
/// both closed soon after `HEADER_READ_TIMEOUT_SECS`, while Adyen's deliveries go through.
#[test]
fn slow_heads_and_idle_connections_are_cut_off() {
    let server = Launch::new().env("HEADER_READ_TIMEOUT_SECS", "1").start();
    let address = server.addr();

    let slow = thread::spawn(move || {
        let mut stream = TcpStream::connect(address).expect("connects");
        let head = format!(
            "POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
             X-Padding: {}\r\n\r\n",
            "a".repeat(40)
        );
        let start = Instant::now();
        for byte in head.bytes() {
            if stream.write_all(&[byte]).is_err()
                || closed_by_server(&mut stream, Duration::from_millis(300))
            {
                return Some(start.elapsed());
            }
            if start.elapsed() > Duration::from_secs(8) {
                break;
            }
        }
        None
    });
    let idle = thread::spawn(move || {
        let mut stream = TcpStream::connect(address).expect("connects");
        let start = Instant::now();
        closed_by_server(&mut stream, Duration::from_secs(8)).then(|| start.elapsed())
    });

    let started = Instant::now();
    assert_accepted(&delivery(
        &server,
        false,
        vec![authorisation("SLOW1", "ShopA")],
    ));
    println!(
        "delivery beside the slow clients answered in {:?}",
        started.elapsed()
    );

    let slow = slow.join().expect("the slow client");
    let idle = idle.join().expect("the idle client");
    println!("slowloris head cut after {slow:?}; idle connection closed after {idle:?}");
    let slow = slow.expect("the slow head was never cut off");
    let idle = idle.expect("the idle connection was never closed");
    assert!(
        slow < Duration::from_secs(3),
        "slow head cut after {slow:?}"
    );
    assert!(
        idle < Duration::from_secs(3),
        "idle connection closed after {idle:?}"
    );
    assert_eq!(get(server.addr(), "/health").body, "ok");
}

/// Under a file-descriptor limit of 160, more idle sockets than the process could hold wait in
/// the kernel's backlog instead of exhausting its descriptors: a delivery queued behind them is
/// answered once the header timeout has cleared them, and the process lives on.
#[test]
fn idle_sockets_beyond_the_descriptor_limit_do_not_stop_deliveries() {
    let mut server = Launch::new()
        .fd_limit(160)
        .env("HEADER_READ_TIMEOUT_SECS", "2")
        .start();
    assert!(
        server.stderr().contains("MAX_CONNECTIONS lowered"),
        "the start log must say MAX_CONNECTIONS was lowered:\n{}",
        server.stderr()
    );
    let mut idle = Vec::new();
    for n in 0..250 {
        let stream = TcpStream::connect_timeout(&server.addr(), Duration::from_secs(2))
            .unwrap_or_else(|error| panic!("idle socket {n}: {error}"));
        idle.push(stream);
    }
    let start = Instant::now();
    let response = delivery(&server, false, vec![authorisation("FD1", "ShopA")]);
    let took = start.elapsed();
    println!("delivery behind 250 idle sockets (fd limit 160) answered in {took:?}");
    assert_accepted(&response);
    assert!(took < Duration::from_secs(10), "answered after {took:?}");
    assert!(server.is_alive());
    assert_eq!(get(server.addr(), "/health").body, "ok");
    drop(idle);
    assert!(server.is_alive());
    assert_eq!(get(server.addr(), "/health").body, "ok");
    let failed_accepts: Vec<String> = server
        .log_lines()
        .into_iter()
        .filter(|line| line.contains("accept failed"))
        .collect();
    assert!(failed_accepts.is_empty(), "{failed_accepts:#?}");
}

/// 200 connections each announcing a 256 KiB body: only `MAX_WEBHOOKS_IN_FLIGHT` of them are
/// read, the others are told 503 with Retry-After before they send a byte of body, and the
/// memory the process holds stays bounded.
#[test]
fn concurrent_bodies_hold_bounded_memory() {
    const CONNECTIONS: usize = 200;
    const IN_FLIGHT: usize = 8;
    const BODY: usize = 255 * 1024;
    let server = Launch::new()
        .env("MAX_WEBHOOKS_IN_FLIGHT", &IN_FLIGHT.to_string())
        .start();
    // One request first, so that what every request allocates once is in the baseline.
    assert_accepted(&delivery(
        &server,
        false,
        vec![authorisation("MEM1", "ShopA")],
    ));
    thread::sleep(Duration::from_millis(300));
    let before = server.rss_kib();

    let head = Head::new("POST", WEBHOOK_PATH)
        .header("Content-Type", "application/json")
        .bytes(server.addr(), 256 * 1024);
    let mut connections: Vec<TcpStream> = (0..CONNECTIONS)
        .map(|n| {
            let mut stream = TcpStream::connect_timeout(&server.addr(), Duration::from_secs(5))
                .unwrap_or_else(|error| panic!("connection {n}: {error}"));
            stream.write_all(&head).expect("the head is sent");
            stream.set_nonblocking(true).expect("non-blocking");
            stream
        })
        .collect();

    // Which ones are answered before sending their body: all but those in flight.
    let mut received: Vec<Vec<u8>> = vec![Vec::new(); CONNECTIONS];
    let mut answered = [false; CONNECTIONS];
    let deadline = Instant::now() + Duration::from_secs(5);
    while answered.iter().filter(|a| !**a).count() > IN_FLIGHT && Instant::now() < deadline {
        for (n, stream) in connections.iter_mut().enumerate() {
            if answered[n] {
                continue;
            }
            let mut buffer = [0u8; 2048];
            match stream.read(&mut buffer) {
                Ok(0) => answered[n] = true,
                Ok(read) => {
                    received[n].extend_from_slice(&buffer[..read]);
                    answered[n] = received[n].windows(4).any(|w| w == b"\r\n\r\n");
                }
                Err(error) if error.kind() == ErrorKind::WouldBlock => {}
                Err(_) => answered[n] = true,
            }
        }
        thread::sleep(Duration::from_millis(20));
    }
    let waiting = answered.iter().filter(|a| !**a).count();
    assert_eq!(waiting, IN_FLIGHT, "requests read at once");
    for (n, raw) in received.iter().enumerate().filter(|(n, _)| answered[*n]) {
        let response = parse_response(raw)
            .unwrap_or_else(|| panic!("connection {n}: closed without an answer"));
        assert_eq!(response.status, 503, "connection {n}: {response:?}");
        assert!(
            response.header("retry-after").is_some(),
            "connection {n}: {response:?}"
        );
    }

    // Then every connection sends its body (all but the last KiB), as far as the server
    // takes it, and holds.
    let chunk = vec![b' '; 64 * 1024];
    let mut sent = [0usize; CONNECTIONS];
    let mut done = [false; CONNECTIONS];
    let deadline = Instant::now() + Duration::from_secs(3);
    while done.iter().any(|d| !d) && Instant::now() < deadline {
        for (n, stream) in connections.iter_mut().enumerate() {
            while !done[n] {
                let want = (BODY - sent[n]).min(chunk.len());
                match stream.write(&chunk[..want]) {
                    Ok(written) => {
                        sent[n] += written;
                        done[n] = sent[n] == BODY;
                    }
                    Err(error) if error.kind() == ErrorKind::WouldBlock => break,
                    // Closed by the server after its 503: nothing more to send.
                    Err(_) => done[n] = true,
                }
            }
        }
        thread::sleep(Duration::from_millis(20));
    }
    let mut during = 0;
    for _ in 0..5 {
        thread::sleep(Duration::from_millis(200));
        during = during.max(server.rss_kib());
    }
    let body_bytes: usize = sent.iter().sum();
    drop(connections);
    thread::sleep(Duration::from_millis(500));
    assert_eq!(get(server.addr(), "/health").body, "ok");
    assert_accepted(&delivery(
        &server,
        false,
        vec![authorisation("MEM2", "ShopA")],
    ));
    let after = server.rss_kib();
    let growth = during.saturating_sub(before);
    println!(
        "RSS: before {before} KiB, while {CONNECTIONS} connections held bodies {during} KiB \
         (+{growth} KiB), after {after} KiB; {} MiB of body sent by the clients",
        body_bytes / (1024 * 1024)
    );
    assert!(growth < 40 * 1024, "RSS grew by {growth} KiB");
}

// --- Stopping ---------------------------------------------------------------------------------

/// SIGTERM with a half-sent head on a connection: the process stops within
/// `SHUTDOWN_DEADLINE_SECS` and a bit, exits successfully, and what it acknowledged is in the
/// database.
#[test]
fn sigterm_stops_within_the_deadline_and_keeps_what_was_acknowledged() {
    let mut server = Launch::new()
        .env("SHUTDOWN_DEADLINE_SECS", "2")
        .env("HEADER_READ_TIMEOUT_SECS", "30")
        .start();
    assert_accepted(&delivery(
        &server,
        false,
        vec![
            authorisation("STOP1", "ShopA"),
            authorisation("STOP2", "ShopA"),
        ],
    ));
    let mut half = TcpStream::connect(server.addr()).expect("connects");
    half.write_all(
        format!("POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le").as_bytes(),
    )
    .expect("half a head");
    thread::sleep(Duration::from_millis(300));

    let start = Instant::now();
    server.terminate();
    let status = server.wait_exit(Duration::from_secs(10));
    let took = start.elapsed();
    println!("SIGTERM to exit, with a half-sent head open: {took:?}");
    let status = status.unwrap_or_else(|| panic!("still running {took:?} after SIGTERM"));
    assert!(status.success(), "{status}; stderr:\n{}", server.stderr());
    assert!(took < Duration::from_secs(5), "stopped after {took:?}");
    assert!(server.stderr().contains("stopped"), "{}", server.stderr());
    drop(half);

    let url = server.database_url().to_owned();
    runtime().block_on(async {
        let store = Store::connect(&url).await.expect("the database opens");
        let stats = store.stats().await.expect("stats");
        assert_eq!(stats.notifications, 2, "{stats:?}");
        for psp in ["STOP1", "STOP2"] {
            let found = store.find(psp, "AUTHORISATION", true).await.expect("find");
            assert!(found.is_some(), "{psp} was acknowledged but is not stored");
        }
        store.close().await;
    });
}

// --- The database URL -------------------------------------------------------------------------

/// Every spelling of an in-memory SQLite database, which would acknowledge webhooks into memory
/// and lose them at the next restart, is refused at start; so is a file in a missing directory.
#[test]
fn database_urls_that_would_lose_notifications_are_refused() {
    for url in [
        "sqlite://?mode=rwc",
        "sqlite://%3Amemory%3A",
        "sqlite::memory:",
        "sqlite://x.db?mode=memory",
    ] {
        let mut server = Launch::new()
            .env("DATABASE_URL", url)
            .run_to_exit(Duration::from_secs(10));
        assert_eq!(server.exit_code(), Some(2), "{url}: {}", server.stderr());
        assert!(
            server.stderr().contains("in-memory"),
            "{url}: {}",
            server.stderr()
        );
    }
    let launch = Launch::new();
    let missing = launch.dir().join("no/such/dir");
    let url = format!("sqlite://{}/n.db", missing.display());
    let mut server = launch
        .env("DATABASE_URL", &url)
        .run_to_exit(Duration::from_secs(10));
    assert_eq!(server.exit_code(), Some(2), "{url}: {}", server.stderr());
    assert!(
        server.stderr().contains(&missing.display().to_string()),
        "{url}: {}",
        server.stderr()
    );
    assert!(!missing.exists());
}

/// A file that does not exist yet is created at start, and what is acknowledged is in it.
#[test]
fn a_missing_sqlite_file_is_created() {
    let launch = Launch::new();
    let file = launch.dir().join("new.db");
    assert!(!file.exists());
    let url = format!("sqlite://{}", file.display());
    let mut server = launch.env("DATABASE_URL", &url).start();
    assert!(file.exists(), "{} was not created", file.display());
    assert_accepted(&delivery(
        &server,
        false,
        vec![authorisation("NEW1", "ShopA")],
    ));
    server.terminate();
    let status = server.wait_exit(Duration::from_secs(10)).expect("exits");
    assert!(status.success(), "{status}: {}", server.stderr());
    let stats = runtime().block_on(async {
        let store = Store::connect(&url).await.expect("the database opens");
        let stats = store.stats().await.expect("stats");
        store.close().await;
        stats
    });
    assert_eq!(stats.notifications, 1, "{stats:?}");
}

/// A PostgreSQL URL's passwords (the user-info's, and query parameters) appear nowhere in what
/// the process prints when the database cannot be reached.
#[test]
fn database_passwords_never_reach_the_output() {
    let cases = [
        (
            "postgres://user:s3cretpw@127.0.0.1:1/db?sslpassword=an0thersecret",
            &["s3cretpw", "an0thersecret"][..],
        ),
        (
            "postgres://user:pa/ss3cret@127.0.0.1:1/db",
            &["ss3cret"][..],
        ),
    ];
    // Side by side: each may wait for sqlx's connection timeout.
    let mut servers: Vec<(Server, &str, &[&str])> = cases
        .iter()
        .map(|&(url, secrets)| (Launch::new().env("DATABASE_URL", url).spawn(), url, secrets))
        .collect();
    for (server, url, secrets) in &mut servers {
        let status = server.wait_exit(Duration::from_secs(15));
        assert!(status.is_some(), "{url}: still running");
        let output = format!("{}{}", server.stdout(), server.stderr());
        println!("{url} -> exit {:?}: {}", server.exit_code(), output.trim());
        assert_eq!(server.exit_code(), Some(2), "{url}: {output}");
        for secret in *secrets {
            assert!(!output.contains(secret), "{secret} printed: {output}");
        }
    }
}

// --- The worker -------------------------------------------------------------------------------

/// A row that cannot be decoded (edited by hand) is listed as such, without hiding the others;
/// the worker records its failures, dead-letters it after `WORKER_MAX_ATTEMPTS`, goes on with
/// the rest, and an operator's requeue counts its attempts from zero again.
#[test]
fn an_unreadable_row_is_listed_dead_lettered_and_requeued() {
    let server = Launch::new().env("WORKER_MAX_ATTEMPTS", "2").start();
    assert_accepted(&delivery(
        &server,
        false,
        vec![authorisation("GOOD1", "ShopA")],
    ));
    let rt = runtime();
    let store = rt
        .block_on(Store::connect(server.database_url()))
        .expect("the database opens");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let poison: i64 = rt
        .block_on(
            sqlx::query_scalar(
                "INSERT INTO notifications (psp_reference, event_code, success, \
                     original_reference, merchant_reference, payment_key, live, item, \
                     received_at, last_delivered_at, next_attempt_at, processed_at) \
                 VALUES ('POISON1', 'AUTHORISATION', 1, '', '', NULL, 0, 'not json', $1, $1, 0, \
                     NULL) \
                 RETURNING id",
            )
            .bind(now)
            .fetch_one(store.pool()),
        )
        .expect("the poison row is inserted");
    // A delivery after it: the worker must not be stuck behind the bad row.
    assert_accepted(&delivery(
        &server,
        false,
        vec![authorisation("GOOD2", "ShopA")],
    ));

    let list = list_all(&server);
    assert_eq!(list.len(), 3, "{list:#?}");
    let bad = list
        .iter()
        .find(|n| n["id"] == poison)
        .unwrap_or_else(|| panic!("the bad row is not listed: {list:#?}"));
    assert!(
        bad["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{bad}"
    );
    assert_eq!(bad.as_object().map(|o| o.len()), Some(2), "{bad}");
    listed(&list, "GOOD1");
    listed(&list, "GOOD2");

    match rt.block_on(store.get(poison)).expect("get") {
        Some(Err(unreadable)) => assert_eq!(unreadable.id, poison),
        other => panic!("the bad row read as {other:?}"),
    }

    // (attempts, last_error, dead_at) of the bad row.
    let columns = || {
        rt.block_on(
            sqlx::query_as::<_, (i64, Option<String>, Option<i64>)>(
                "SELECT attempts, last_error, dead_at FROM notifications WHERE id = $1",
            )
            .bind(poison)
            .fetch_one(store.pool()),
        )
        .expect("the bad row's columns")
    };
    let start = Instant::now();
    let mut failing_seen = false;
    let dead = loop {
        let (attempts, last_error, dead_at) = columns();
        if dead_at.is_some() {
            break (attempts, last_error);
        }
        failing_seen |= last_error.is_some();
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "not dead-lettered after 10 s: attempts {attempts}, last_error {last_error:?}"
        );
        thread::sleep(Duration::from_millis(50));
    };
    println!("the bad row was dead-lettered after {:?}", start.elapsed());
    assert!(
        failing_seen,
        "no failed attempt was seen before the dead letter"
    );
    assert_eq!(dead.0, 2, "attempts when dead-lettered");
    assert!(dead.1.is_some_and(|e| !e.is_empty()));

    let stats = rt.block_on(store.stats()).expect("stats");
    assert_eq!((stats.processed, stats.dead), (2, 1), "{stats:?}");

    let requeue = http(
        server.admin_addr(),
        Head::new("POST", &format!("/api/notifications/{poison}/requeue"))
            .header("Host", &admin_host(&server)),
        b"",
    );
    assert_eq!(requeue.status, 200, "{requeue:?}");
    let (attempts, _, dead_at) = columns();
    // The worker, woken by the requeue, may have taken it up once already.
    assert!(
        dead_at.is_none() && attempts <= 1,
        "after requeue: {attempts}, {dead_at:?}"
    );
    // Counted from zero: two more attempts dead-letter it again.
    assert!(
        wait_until(Duration::from_secs(8), || columns().2.is_some()),
        "not dead-lettered again after the requeue"
    );
    assert_eq!(columns().0, 2);
    rt.block_on(store.close());
}

// --- The demo ---------------------------------------------------------------------------------

/// `--demo` stores its fake notifications in a temporary database of its own, says where, and
/// never writes into the configured one.
#[test]
fn the_demo_never_writes_into_the_configured_database() {
    let launch = Launch::new().without("ADYEN_HMAC_KEY").arg("--demo");
    let real = launch.dir().join("real.db");
    let mut server = launch
        .env("DATABASE_URL", &format!("sqlite://{}", real.display()))
        .spawn();
    let start = Instant::now();
    assert!(
        server.wait_for_stdout("The server keeps running", Duration::from_secs(20)),
        "the demo did not finish; stdout:\n{}\nstderr:\n{}",
        server.stdout(),
        server.stderr()
    );
    println!("the demo ran its scenarios in {:?}", start.elapsed());
    let stdout = server.stdout();
    let temporary = stdout
        .lines()
        .skip_while(|line| !line.contains("its own temporary database"))
        .nth(1)
        .map(str::trim)
        .unwrap_or_else(|| panic!("the demo did not say where it stores:\n{stdout}"))
        .to_owned();
    assert!(temporary.ends_with("demo.db"), "{temporary}");
    assert_ne!(std::path::Path::new(&temporary), real);
    server.terminate();
    let status = server.wait_exit(Duration::from_secs(15)).expect("exits");
    assert!(status.success(), "{status}");
    assert!(
        !std::path::Path::new(&temporary).exists(),
        "{temporary} was left behind"
    );
    if real.exists() {
        let url = format!("sqlite://{}", real.display());
        let stats = runtime().block_on(async {
            let store = Store::connect(&url).await.expect("the database opens");
            store.stats().await.expect("stats")
        });
        assert_eq!(stats.notifications, 0, "{stats:?}");
    }
}

// --- Guards -----------------------------------------------------------------------------------

/// Notifications about another merchant account, from the live environment, or sent as tests
/// from the Customer Area are acknowledged (so that Adyen stops sending them) but shown as
/// ignored and never applied.
#[test]
fn notifications_not_meant_for_this_shop_are_acknowledged_and_ignored() {
    let server = Launch::new()
        .env("ADYEN_MERCHANT_ACCOUNT", "ShopA,ShopB")
        .env("ADYEN_ENVIRONMENT", "test")
        .start();
    // The ports accept connections (the kernel's backlog) a moment before the line is written.
    assert!(server.wait_for_log("listening", Duration::from_secs(10)));
    let start_line = server
        .log_lines()
        .into_iter()
        .find(|line| line.contains("listening"))
        .expect("a start line");
    assert!(
        start_line.contains("environment=\"test\"") || start_line.contains("environment=test"),
        "{start_line}"
    );
    assert!(start_line.contains("ADYEN_ENVIRONMENT"), "{start_line}");

    let cases = [
        (
            "GUARD_OTHER",
            "ShopC",
            false,
            Some("ADYEN_MERCHANT_ACCOUNT"),
        ),
        ("GUARD_LIVE", "ShopA", true, Some("live")),
        ("test_AUTH123", "ShopA", false, Some("test")),
        ("GUARD_OK", "ShopA", false, None),
    ];
    for (psp, account, live, _) in cases {
        assert_accepted(&delivery(&server, live, vec![authorisation(psp, account)]));
    }
    assert!(wait_until(Duration::from_secs(10), || {
        listed(&list_all(&server), "GUARD_OK")["processing"]["state"] == "processed"
    }));
    let list = list_all(&server);
    for (psp, _, live, reason) in cases {
        let notification = listed(&list, psp);
        assert_eq!(notification["live"], live, "{notification}");
        match reason {
            Some(word) => {
                let ignored = notification["ignored"].as_str().unwrap_or_default();
                assert!(ignored.contains(word), "{psp}: {notification}");
                assert_eq!(
                    notification["processing"]["state"], "ignored",
                    "{notification}"
                );
            }
            None => {
                assert!(notification["ignored"].is_null(), "{notification}");
                assert_eq!(notification["processing"]["state"], "processed");
            }
        }
    }
}

// --- Logs -------------------------------------------------------------------------------------

/// 5,000 unsigned items in one body cannot make the server write 5,000 log lines: with the
/// default `MAX_NOTIFICATION_ITEMS` the request is refused as too large, and with a limit above
/// it as unsigned, in a few lines either way.
#[test]
fn a_flood_of_unsigned_items_is_refused_in_a_few_log_lines() {
    const ITEMS: usize = 5000;
    let item = r#"{"NotificationRequestItem":{"success":"true"}}"#;
    let flood = format!(
        r#"{{"live":"false","notificationItems":[{}]}}"#,
        vec![item; ITEMS].join(",")
    );
    assert!(flood.len() < 256 * 1024, "the body must fit the body limit");
    let mut problems = Vec::new();
    for (limit, expected) in [(None, 413), (Some("10000"), 401)] {
        let mut launch = Launch::new();
        if let Some(limit) = limit {
            launch = launch.env("MAX_NOTIFICATION_ITEMS", limit);
        }
        let server = launch.start();
        // The server accepts connections before it has logged its settings: count from the
        // last line of those, not from whatever a loaded machine has written so far.
        assert!(server.wait_for_log("ADYEN_MERCHANT_ACCOUNT is not set", Duration::from_secs(15)));
        let lines_before = server.log_lines().len();
        let response = post_webhook(server.addr(), flood.as_bytes());
        // The log of a request is written by the time it is answered; a moment for the pipe.
        thread::sleep(Duration::from_millis(500));
        let written = server.log_lines().len() - lines_before;
        println!(
            "MAX_NOTIFICATION_ITEMS={limit:?}: {ITEMS} unsigned items -> {}, {written} log lines",
            response.status
        );
        if response.status != expected {
            problems.push(format!(
                "MAX_NOTIFICATION_ITEMS={limit:?}: answered {} instead of {expected}",
                response.status
            ));
        }
        if written > 3 {
            problems.push(format!(
                "MAX_NOTIFICATION_ITEMS={limit:?}: {written} log lines for one request"
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The date of the log lines that hostile text tries to forge.
const FORGED_DATE: &str = "2024-05-01T12:00:00.000000Z";

/// Newlines, carriage returns and terminal escapes in every field of signed notifications
/// (which anyone with the key, or Adyen relaying a shopper's text, can put there) and of an
/// unsigned one never reach the log raw: every line of it is a line the server wrote.
#[test]
fn hostile_text_in_notifications_cannot_forge_log_lines() {
    // sqlx's slow-statement warning prints its SQL over several lines: text of the server's
    // own, not what this test is about.
    let server = Launch::new().env("RUST_LOG", "info,sqlx=error").start();
    // A bare new line, one dressed as a line of the log (dated before the test ran, so that
    // it can be told from the real ones), a carriage return that rewrites a terminal line,
    // colours and a window title.
    let evil = |label: &str| {
        format!(
            "{label}\nforged line\n{FORGED_DATE}  INFO adyen_webhook_server: forged\rover\x1b[31mred\
             \x1b[0m\x1b]0;title\x07"
        )
    };
    let hostile = |psp: &str, code: &str, success: bool| {
        let mut item = NotificationRequestItem::new(evil(psp), code);
        item.success = success;
        item.original_reference = evil("original").into();
        item.merchant_account_code = evil("account").into();
        item.merchant_reference = evil("order").into();
        item.amount = Some(Amount::new(1000, evil("EUR")));
        item.event_date = evil("date").into();
        item.reason = evil("reason").into();
        item.payment_method = evil("method").into();
        item.operations = vec![evil("CAPTURE").into()];
        item.additional_data.insert(evil("key"), evil("value"));
        item
    };
    let signed_items = [
        hostile("auth", "AUTHORISATION", true),
        hostile("report", "REPORT_AVAILABLE", true),
        hostile("capture-failed", "CAPTURE", false),
        hostile("capture", "CAPTURE", true),
        hostile("code", &evil("CODE"), true),
    ];
    for item in &signed_items {
        assert_accepted(&delivery(&server, false, vec![item.clone()]));
    }
    // Unsigned, as a stranger sends it: refused, and logged.
    let unsigned = body(false, vec![hostile("unsigned", "AUTHORISATION", true)]);
    assert_eq!(post_webhook(server.addr(), unsigned.as_bytes()).status, 401);

    assert!(
        wait_until(Duration::from_secs(10), || {
            let list = list_all(&server);
            list.len() == signed_items.len()
                && list.iter().all(|n| n["processing"]["state"] == "processed")
        }),
        "not all processed: {:#?}",
        list_all(&server)
    );
    thread::sleep(Duration::from_millis(300));

    let log = server.stderr_bytes();
    let text = String::from_utf8_lossy(&log);
    let mut problems = Vec::new();
    for line in text.split('\n').filter(|line| !line.is_empty()) {
        if line.contains('\r') || line.contains('\x1b') {
            problems.push(format!("a raw control character: {line:?}"));
        }
        if !starts_like_a_log_line(line) || line.starts_with(FORGED_DATE) {
            problems.push(format!("a line the server did not start: {line:?}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems in the log, the first ones: {:#?}",
        problems.len(),
        &problems[..problems.len().min(40)]
    );
}
