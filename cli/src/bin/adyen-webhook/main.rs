//! `adyen-webhook`: the tools to reach for around an Adyen webhook endpoint.
//!
//! ```text
//! adyen-webhook verify --key HEX[,HEX...] [--header-signature SIG] [--format text|json] [FILE|-]
//! adyen-webhook send --url http://127.0.0.1:8080/api/webhooks/notifications --key HEX --scenario all
//! adyen-webhook generate-key
//! adyen-webhook kcv [--key HEX[,HEX...]]
//! ```
//!
//! Exit status: 0 when everything went as it should, 1 when a signature did not verify (verify)
//! or an answer was not the expected one (send), 2 when the command line, a key or the input is
//! unusable.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tower_adyen_webhook::HmacKeys;

mod send;
mod settings;
mod verify;

use settings::Settings;

/// Verifies Adyen webhook signatures, sends signed test notifications, makes test keys and
/// prints key check values.
#[derive(Parser)]
#[command(name = "adyen-webhook", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Verify(verify::Args),
    Send(send::Args),
    GenerateKey(GenerateKeyArgs),
    Kcv(KcvArgs),
}

/// Prints a new random test key, and its check value.
///
/// The key (64 hex digits, from the operating system's random source) goes to standard output,
/// its check value (KCV) to standard error. Real keys come from the Customer Area (Developers > Webhooks > your webhook > Security >
/// HMAC Key), which shows the same check value beside the key.
#[derive(clap::Args)]
struct GenerateKeyArgs {}

/// Prints the check value (KCV) of a key, never the key.
///
/// One line per key of a NEW,OLD list: compare it with the one the Customer Area shows beside
/// the key.
#[derive(clap::Args)]
#[command(
    after_help = "Without --key, reads ADYEN_HMAC_KEY (ADYEN_PLATFORM_HMAC_KEY with \
                        --platform) from the environment, then from .env in the current \
                        directory; an empty value counts as unset."
)]
struct KcvArgs {
    /// The key, 64 hex digits, or several separated by commas (NEW,OLD), as the server takes
    /// them.
    #[arg(long, short = 'k', value_name = "HEX[,HEX...]")]
    key: Option<String>,
    /// Read ADYEN_PLATFORM_HMAC_KEY, the key of header-signed webhooks, instead of
    /// ADYEN_HMAC_KEY.
    #[arg(long)]
    platform: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = Settings::load();
    let outcome = match cli.command {
        Command::Verify(args) => verify::run(args),
        Command::Send(args) => send::run(args, &settings),
        Command::GenerateKey(GenerateKeyArgs {}) => Ok(generate_key()),
        Command::Kcv(args) => kcv(&args, &settings),
    };
    outcome.unwrap_or_else(|message| {
        eprintln!("error: {message}");
        ExitCode::from(2)
    })
}

fn generate_key() -> ExitCode {
    let key = adyen_webhook_cli::keys::generate_key();
    println!("{}", key.hex);
    eprintln!(
        "KCV {} (a test key: real ones come from the Customer Area, which shows the same check \
         value beside the key)",
        key.key.check_value()
    );
    ExitCode::SUCCESS
}

fn kcv(args: &KcvArgs, settings: &Settings) -> Result<ExitCode, String> {
    let name = match args.platform {
        true => "ADYEN_PLATFORM_HMAC_KEY",
        false => "ADYEN_HMAC_KEY",
    };
    let Some(setting) = settings.get(("--key", args.key.as_deref()), name)? else {
        return Err(format!(
            "no key: give --key HEX, or set {name} in the environment or in .env"
        ));
    };
    let keys: HmacKeys = setting
        .value
        .parse()
        .map_err(|error| format!("{}: {error}", setting.source))?;
    for key in keys.iter() {
        println!("{}", key.check_value());
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
