//! Writes signed notification bodies for the load test (`load/run.sh`), one compact JSON body a
//! line, each about a distinct notification: body 2n is the AUTHORISATION of payment n, body
//! 2n+1 its CAPTURE. So the rows the server ends up with can be counted and checked.
//!
//! ```text
//! cargo run --release -p adyen-webhook-server --example load_bodies -- KEY COUNT > bodies.jsonl
//! ```

use std::io::{self, BufWriter, Write as _};
use std::process::ExitCode;

use tower_adyen_webhook::{Amount, HmacKey, NotificationRequest, NotificationRequestItem};

/// The pspReference of body `n`; `run.sh` looks for these in the store.
fn psp_reference(n: usize) -> String {
    format!("{:016}", 7_700_000_000_000_000 + n)
}

fn item(n: usize) -> NotificationRequestItem {
    let payment = n / 2;
    let code = if n.is_multiple_of(2) {
        "AUTHORISATION"
    } else {
        "CAPTURE"
    };
    let mut item = NotificationRequestItem::new(psp_reference(n), code);
    if n % 2 == 1 {
        item.original_reference = psp_reference(n - 1).into();
    }
    item.merchant_account_code = "LoadShopECOM".into();
    item.merchant_reference = format!("LOAD-{payment:06}").into();
    item.amount = Some(Amount::new(
        1000 + i64::try_from(payment % 5000).unwrap_or(0),
        "EUR",
    ));
    item.event_date = "2026-03-06T12:00:00+01:00".into();
    item.payment_method = "visa".into();
    item.operations = vec!["CANCEL".into(), "CAPTURE".into(), "REFUND".into()];
    if n.is_multiple_of(2) {
        item.reason = "058158:1111:03/2030".into();
        item.additional_data.insert("authCode", "058158");
        item.additional_data.insert("cardSummary", "1111");
        item.additional_data.insert("expiryDate", "03/2030");
    }
    item
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [key, count] = &args[..] else {
        eprintln!("usage: load_bodies KEY COUNT > bodies.jsonl");
        return ExitCode::from(2);
    };
    let key: HmacKey = match key.parse() {
        Ok(key) => key,
        Err(error) => {
            eprintln!("error: KEY: {error}");
            return ExitCode::from(2);
        }
    };
    let Ok(count) = count.parse::<usize>() else {
        eprintln!("error: COUNT: expected a number, got {count:?}");
        return ExitCode::from(2);
    };
    let mut out = BufWriter::new(io::stdout().lock());
    for n in 0..count {
        let mut item = item(n);
        key.sign_item_in_place(&mut item);
        let body = NotificationRequest {
            live: false,
            items: vec![item],
        }
        .to_json();
        if writeln!(out, "{body}").is_err() {
            return ExitCode::FAILURE;
        }
    }
    if out.flush().is_err() {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
