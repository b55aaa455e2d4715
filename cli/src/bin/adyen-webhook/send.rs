//! `adyen-webhook send`: signs and POSTs notifications the way Adyen does, and shows how the
//! server answered. "Test configuration" without the Customer Area.

use std::process::ExitCode;

use adyen_webhook_cli::scenarios::{self, SigningKeys, SCENARIOS};
use adyen_webhook_cli::sender::{
    self, Sender, SenderConfig, DEFAULT_COMPRESSION, PLATFORM_PATH, WEBHOOK_PATH,
};
use tower_adyen_webhook::{HmacKey, HmacKeys};

use crate::settings::{Setting, Settings};

/// Sends signed test notifications to a webhook server, and shows how it answered.
///
/// Signs notifications the way Adyen does, retries any delivery that gets no 2xx on Adyen's
/// schedule made 30 times faster, and prints a table of what was sent, what was expected and how
/// the server answered.
///
/// Exit status: 0 when every answer was the expected one, 1 when one was not, 2 when a setting
/// is unusable.
#[derive(clap::Args)]
#[command(after_help = scenario_help())]
pub(crate) struct Args {
    /// The webhook URL (plain http, to the server itself) [default:
    /// http://127.0.0.1:8080/api/webhooks/notifications, or .../api/webhooks/platform with
    /// --platform].
    #[arg(long)]
    url: Option<String>,
    /// The HMAC key to sign with (64 hex digits) [env: ADYEN_HMAC_KEY]. With two, separated by a
    /// comma as in ADYEN_HMAC_KEY, the second one signs the previous-key scenario.
    #[arg(long, short = 'k', value_name = "HEX[,HEX]")]
    key: Option<String>,
    /// A scenario name (see below), or "all".
    #[arg(long, default_value = "all")]
    scenario: String,
    /// How many times to run the scenario(s), with fresh references each time.
    #[arg(long, default_value_t = 1)]
    count: usize,
    /// Basic auth username, as set on the webhook in the Customer Area [env: WEBHOOK_USERNAME].
    #[arg(long)]
    username: Option<String>,
    /// Basic auth password [env: WEBHOOK_PASSWORD].
    #[arg(long)]
    password: Option<String>,
    /// The merchantAccountCode to put in the notifications (the first of a list)
    /// [env: ADYEN_MERCHANT_ACCOUNT] [default: YourShopECOM].
    #[arg(long)]
    merchant_account: Option<String>,
    /// How many times to retry a delivery that gets no 2xx (Adyen's schedule, 30 times faster).
    #[arg(long, default_value_t = 3)]
    retries: usize,
    /// Send header-signed webhooks instead (balancePlatform.accountHolder.created, signed
    /// with --platform-key in the HmacSignature header), --count of them, each once.
    #[arg(long)]
    platform: bool,
    /// The key of header-signed webhooks, as the server's ADYEN_PLATFORM_HMAC_KEY (the first
    /// one of a NEW,OLD list signs) [env: ADYEN_PLATFORM_HMAC_KEY].
    #[arg(long, value_name = "HEX")]
    platform_key: Option<String>,
}

fn scenario_help() -> String {
    let mut help = String::from("Scenarios:\n");
    for scenario in SCENARIOS {
        help.push_str(&format!("  {:<16}{}\n", scenario.name, scenario.about));
    }
    help.push_str(
        "\nEach [env: NAME] is read from the environment when its flag is not given, then from \
         .env in the current directory; an empty value counts as unset.",
    );
    help
}

/// Runs `send`; `Err` when a setting is unusable.
pub(crate) fn run(args: Args, settings: &Settings) -> Result<ExitCode, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start: {error}"))?;
    let all_as_expected = runtime.block_on(send(args, settings))?;
    Ok(match all_as_expected {
        true => ExitCode::SUCCESS,
        false => ExitCode::from(1),
    })
}

async fn send(args: Args, settings: &Settings) -> Result<bool, String> {
    let username = settings.get(("--username", args.username.as_deref()), "WEBHOOK_USERNAME")?;
    let password = settings.get(("--password", args.password.as_deref()), "WEBHOOK_PASSWORD")?;
    let basic_auth = match (username, password) {
        (Some(username), Some(password)) => Some((username.value, password.value)),
        (None, None) => None,
        _ => {
            return Err(
                "give both --username and --password (or WEBHOOK_USERNAME and \
                 WEBHOOK_PASSWORD), or neither"
                    .into(),
            )
        }
    };
    if args.platform {
        let url = args
            .url
            .unwrap_or_else(|| format!("http://127.0.0.1:8080{PLATFORM_PATH}"));
        let key = settings.get(
            ("--platform-key", args.platform_key.as_deref()),
            "ADYEN_PLATFORM_HMAC_KEY",
        )?;
        return send_platform(&url, key, basic_auth, args.retries, args.count).await;
    }
    let url = args
        .url
        .clone()
        .unwrap_or_else(|| format!("http://127.0.0.1:8080{WEBHOOK_PATH}"));

    let keys = signing_keys(settings.get(("--key", args.key.as_deref()), "ADYEN_HMAC_KEY")?)?;
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
    let account = settings
        .get(
            ("--merchant-account", args.merchant_account.as_deref()),
            "ADYEN_MERCHANT_ACCOUNT",
        )?
        .map_or_else(|| "YourShopECOM".to_owned(), |setting| setting.value);
    let account = account.split(',').next().unwrap_or_default().trim();
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
        // The states are on the server's admin listener, not on the webhook URL.
        eprintln!(
            "\nall answered as expected; the payments' states, once processed, on the admin \
             listener (http://127.0.0.1:9090 by default):"
        );
        for (order, status) in &plan.orders {
            eprintln!("  GET /api/payments/{order}  (should be {status})");
        }
    }
    Ok(true)
}

/// `--platform`: header-signed webhooks, `--count` of them.
async fn send_platform(
    url: &str,
    key: Option<Setting>,
    basic_auth: Option<(String, String)>,
    retries: usize,
    count: usize,
) -> Result<bool, String> {
    let Some(key) = key else {
        return Err(
            "no key: give --platform-key HEX (the server's ADYEN_PLATFORM_HMAC_KEY), set \
             ADYEN_PLATFORM_HMAC_KEY in the environment or in .env, or make a test key with \
             `adyen-webhook generate-key`"
                .into(),
        );
    };
    let keys: HmacKeys = key
        .value
        .parse()
        .map_err(|error| format!("{}: {error}", key.source))?;
    let key: HmacKey = keys
        .iter()
        .next()
        .expect("a key set is never empty")
        .clone();
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

/// The current key and, from a `NEW,OLD` list, the previous one.
fn signing_keys(setting: Option<Setting>) -> Result<SigningKeys, String> {
    let Some(setting) = setting else {
        return Err(
            "no key: give --key HEX (the server's ADYEN_HMAC_KEY), set ADYEN_HMAC_KEY in the \
             environment or in .env, or make a test key with `adyen-webhook generate-key`"
                .into(),
        );
    };
    let keys: HmacKeys = setting
        .value
        .parse()
        .map_err(|error| format!("{}: {error}", setting.source))?;
    let mut keys = keys.iter().cloned();
    Ok(SigningKeys {
        current: keys.next().expect("a key set is never empty"),
        previous: keys.next(),
    })
}
