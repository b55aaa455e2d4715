//! The test sender: signs and POSTs notifications the way Adyen does, and shows how the server
//! answered. "Test configuration" without the Customer Area.
//!
//! ```text
//! cargo run --example send -- --generate-key
//! cargo run --example send -- --url http://127.0.0.1:8080/api/webhooks/notifications --key HEX --scenario all
//! cargo run --example send -- --platform --platform-key HEX    # a header-signed webhook
//! ```

use std::process::ExitCode;

use adyen_webhook_server::app::{PLATFORM_PATH, WEBHOOK_PATH};
use adyen_webhook_server::demo::generate_key;
use adyen_webhook_server::scenarios::{self, SigningKeys, SCENARIOS};
use adyen_webhook_server::sender::{self, Sender, SenderConfig, DEFAULT_COMPRESSION};
use clap::Parser;
use tower_adyen_webhook::HmacKey;

/// Sends signed Adyen test notifications to a webhook server and prints how it answered.
#[derive(Parser)]
#[command(after_help = scenario_help())]
struct Args {
    /// The webhook URL [default: http://127.0.0.1:8080/api/webhooks/notifications, or
    /// .../api/webhooks/platform with --platform].
    #[arg(long)]
    url: Option<String>,
    /// The HMAC key to sign with (64 hex digits). With two, separated by a comma as in
    /// ADYEN_HMAC_KEY, the second one signs the previous-key scenario.
    #[arg(long, env = "ADYEN_HMAC_KEY", hide_env_values = true)]
    key: Option<String>,
    /// A scenario name (see below), or "all".
    #[arg(long, default_value = "all")]
    scenario: String,
    /// How many times to run the scenario(s), with fresh references each time.
    #[arg(long, default_value_t = 1)]
    count: usize,
    /// Basic auth username, as set on the webhook in the Customer Area.
    #[arg(long, env = "WEBHOOK_USERNAME")]
    username: Option<String>,
    /// Basic auth password.
    #[arg(long, env = "WEBHOOK_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// The merchantAccountCode to put in the notifications.
    #[arg(
        long,
        env = "ADYEN_MERCHANT_ACCOUNT",
        hide_env_values = true,
        default_value = "YourShopECOM"
    )]
    merchant_account: String,
    /// How many times to retry a delivery that gets no 2xx (Adyen's schedule, 30 times faster).
    #[arg(long, default_value_t = 3)]
    retries: usize,
    /// Send header-signed webhooks instead (balancePlatform.accountHolder.created, signed
    /// with --platform-key in the HmacSignature header), --count of them, each once.
    #[arg(long)]
    platform: bool,
    /// The key of header-signed webhooks, as the server's ADYEN_PLATFORM_HMAC_KEY (the first
    /// one of a NEW,OLD list signs).
    #[arg(long, env = "ADYEN_PLATFORM_HMAC_KEY", hide_env_values = true)]
    platform_key: Option<String>,
    /// Print a fresh random test key and its key check value, and exit.
    #[arg(long)]
    generate_key: bool,
}

fn scenario_help() -> String {
    let mut help = String::from("Scenarios:\n");
    for scenario in SCENARIOS {
        help.push_str(&format!("  {:<16}{}\n", scenario.name, scenario.about));
    }
    help.push_str(
        "\nADYEN_HMAC_KEY, ADYEN_PLATFORM_HMAC_KEY, WEBHOOK_USERNAME and WEBHOOK_PASSWORD are \
         read from .env too.",
    );
    help
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    let args = Args::parse();
    match run(args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: Args) -> Result<bool, String> {
    if args.generate_key {
        let key = generate_key();
        println!("{}", key.hex);
        eprintln!(
            "KCV {} (a test key: real ones come from the Customer Area, which shows the same \
             check value beside the key)",
            key.key.check_value()
        );
        return Ok(true);
    }

    let basic_auth = match (args.username, args.password) {
        (Some(username), Some(password)) => Some((username, password)),
        (None, None) => None,
        _ => return Err("give both --username and --password, or neither".into()),
    };
    if args.platform {
        let url = args
            .url
            .unwrap_or_else(|| format!("http://127.0.0.1:8080{PLATFORM_PATH}"));
        let key = args.platform_key.as_deref();
        return send_platform(&url, key, basic_auth, args.retries, args.count).await;
    }
    let url = args
        .url
        .clone()
        .unwrap_or_else(|| format!("http://127.0.0.1:8080{WEBHOOK_PATH}"));

    let keys = signing_keys(args.key.as_deref())?;
    let chosen: Vec<_> = if args.scenario == "all" {
        SCENARIOS.iter().collect()
    } else {
        vec![scenarios::find(&args.scenario).ok_or_else(|| {
            let names: Vec<_> = SCENARIOS.iter().map(|s| s.name).collect();
            format!(
                "no scenario {:?}; choose one of: all, {}",
                args.scenario,
                names.join(", ")
            )
        })?]
    };
    let sender = Sender::new(&SenderConfig {
        url: url.clone(),
        basic_auth,
        retries: args.retries,
        compression: DEFAULT_COMPRESSION,
    })
    .map_err(|error| error.to_string())?;

    // ADYEN_MERCHANT_ACCOUNT may list several accounts, as the server reads it: the first.
    let account = args
        .merchant_account
        .split(',')
        .next()
        .unwrap_or_default()
        .trim();
    let plan = scenarios::plan(&chosen, args.count.max(1), &keys, account);
    for (scenario, why) in &plan.skipped {
        eprintln!("skipped {scenario}: {why}");
    }
    eprintln!(
        "sending {} request(s) to {} (key KCV {})...",
        plan.deliveries.len(),
        url,
        keys.current.check_value()
    );
    let mut reports = Vec::with_capacity(plan.deliveries.len());
    for delivery in plan.deliveries {
        reports.push(sender.deliver(delivery).await);
    }
    print!("{}", sender::table(&reports));

    let unexpected = reports.iter().filter(|r| !r.as_expected()).count();
    if unexpected > 0 {
        let unreachable = reports
            .iter()
            .all(|r| r.attempts.iter().all(|a| a.status.is_none()));
        if unreachable {
            eprintln!("\nthe server did not answer: is it running at {url}?");
        } else if reports
            .iter()
            .all(|r| r.attempts.last().and_then(|a| a.status) == Some(401))
        {
            eprintln!(
                "\nevery request was refused with 401: the server has another key (compare \
                 the KCV above with the one it logs at start) or needs --username/--password"
            );
        }
        eprintln!("{unexpected} of {} not answered as expected", reports.len());
        return Ok(false);
    }
    if !plan.orders.is_empty() {
        let base = url.trim_end_matches(WEBHOOK_PATH);
        eprintln!("\nall answered as expected; the payments' states, once processed:");
        for (order, status) in &plan.orders {
            eprintln!("  {base}/api/payments/{order}  (should be {status})");
        }
    }
    Ok(true)
}

/// `--platform`: header-signed webhooks, `--count` of them.
async fn send_platform(
    url: &str,
    key: Option<&str>,
    basic_auth: Option<(String, String)>,
    retries: usize,
    count: usize,
) -> Result<bool, String> {
    let Some(key) = key.filter(|key| !key.trim().is_empty()) else {
        return Err(
            "no key: give --platform-key HEX (the server's ADYEN_PLATFORM_HMAC_KEY), or make a \
             test key with --generate-key"
                .into(),
        );
    };
    let first = key.split(',').next().unwrap_or_default().trim();
    let key: HmacKey = first
        .parse()
        .map_err(|error| format!("--platform-key: {error}"))?;
    let sender = Sender::new(&SenderConfig {
        url: url.to_owned(),
        basic_auth,
        retries,
        compression: DEFAULT_COMPRESSION,
    })
    .map_err(|error| error.to_string())?;
    let count = count.max(1);
    eprintln!(
        "sending {count} header-signed webhook(s) to {url} (key KCV {})...",
        key.check_value()
    );
    let mut reports = Vec::new();
    for _ in 0..count {
        let delivery = scenarios::account_holder_created(&key);
        reports.push(sender.deliver(delivery).await);
    }
    print!("{}", sender::table(&reports));
    let unexpected = reports.iter().filter(|r| !r.as_expected()).count();
    if unexpected > 0 {
        eprintln!(
            "{unexpected} of {} not answered as expected (404: the server has no \
             ADYEN_PLATFORM_HMAC_KEY; 401: another key, or --username/--password needed)",
            reports.len()
        );
        return Ok(false);
    }
    eprintln!("\nall answered as expected; listed by GET /api/events on the admin listener");
    Ok(true)
}

fn signing_keys(keys: Option<&str>) -> Result<SigningKeys, String> {
    let Some(keys) = keys.filter(|keys| !keys.trim().is_empty()) else {
        return Err(
            "no key: give --key HEX (the server's ADYEN_HMAC_KEY), or make a test \
                    key with --generate-key"
                .into(),
        );
    };
    let mut parsed = keys.split(',').map(|key| key.parse::<HmacKey>());
    let current = parsed
        .next()
        .expect("split gives at least one part")
        .map_err(|error| format!("--key: {error}"))?;
    let previous = parsed
        .next()
        .transpose()
        .map_err(|error| format!("--key, second key: {error}"))?;
    Ok(SigningKeys { current, previous })
}
