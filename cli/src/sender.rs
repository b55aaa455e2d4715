//! Delivers [`Delivery`]s the way Adyen does: POST, wait up to 10 seconds, and retry anything
//! that is not a 2xx, on a compressed version of Adyen's retry schedule.

use std::fmt::Write as _;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use bytes::Bytes;
use http::{header, Request, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::scenarios::{Delivery, Expect};

/// The path of standard notifications on the reference server (`examples/server`).
pub const WEBHOOK_PATH: &str = "/api/webhooks/notifications";

/// The path of header-signed webhooks on the reference server.
pub const PLATFORM_PATH: &str = "/api/webhooks/platform";

/// Adyen's own retry delays after a delivery that got no 2xx: three quick retries, then its
/// retry queue (which goes on for up to 30 days).
pub const ADYEN_RETRY_SCHEDULE: [Duration; 9] = [
    Duration::from_secs(9),
    Duration::from_secs(18),
    Duration::from_secs(27),
    Duration::from_secs(2 * 60),
    Duration::from_secs(5 * 60),
    Duration::from_secs(10 * 60),
    Duration::from_secs(15 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(60 * 60),
];

/// How much faster than Adyen the sender retries: 9 s becomes 0.3 s.
pub const DEFAULT_COMPRESSION: u32 = 30;

/// How long Adyen waits for an answer.
pub const ADYEN_TIMEOUT: Duration = Duration::from_secs(10);

/// The sender's settings.
#[derive(Clone, Debug)]
pub struct SenderConfig {
    /// The webhook URL (`http://` only: point it at the server, not at a tunnel).
    pub url: String,
    /// Basic auth, as the Customer Area would send it.
    pub basic_auth: Option<(String, String)>,
    /// How many times a delivery that got no 2xx is sent again.
    pub retries: usize,
    /// Adyen's retry delays are divided by this.
    pub compression: u32,
}

/// Why the sender cannot start.
#[derive(Debug)]
pub struct SenderError(String);

impl std::fmt::Display for SenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SenderError {}

/// One try at a delivery.
#[derive(Clone, Debug)]
pub struct Attempt {
    /// The HTTP status, if an answer came.
    pub status: Option<u16>,
    /// The start of the answer's body, or what went wrong.
    pub answer: String,
}

impl Attempt {
    /// Whether it was acknowledged (any 2xx, as for Adyen).
    pub fn acknowledged(&self) -> bool {
        self.status
            .is_some_and(|status| (200..300).contains(&status))
    }
}

/// A delivery and how it went.
#[derive(Clone, Debug)]
pub struct Report {
    /// What was sent.
    pub delivery: Delivery,
    /// Every try, the last one last.
    pub attempts: Vec<Attempt>,
    /// What the server made of it, when known (the demo looks in the store).
    pub server: Option<String>,
}

impl Report {
    /// Whether the last try was acknowledged.
    pub fn acknowledged(&self) -> bool {
        self.attempts.last().is_some_and(Attempt::acknowledged)
    }

    /// Whether the server answered as the scenario expects.
    pub fn as_expected(&self) -> bool {
        self.acknowledged() == (self.delivery.expect == Expect::Accepted)
    }
}

/// Sends deliveries. Cloning is cheap.
#[derive(Clone, Debug)]
pub struct Sender {
    client: Client<HttpConnector, Full<Bytes>>,
    uri: Uri,
    authorization: Option<String>,
    delays: Vec<Duration>,
}

impl Sender {
    /// A sender for `config`.
    pub fn new(config: &SenderConfig) -> Result<Self, SenderError> {
        let uri: Uri = config
            .url
            .parse()
            .map_err(|error| SenderError(format!("--url {:?}: {error}", config.url)))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return Err(SenderError(format!(
                    "--url {}: this sender speaks plain HTTP; send to the server itself \
                     (http://127.0.0.1:8080{}) rather than through the tunnel",
                    config.url, WEBHOOK_PATH
                )))
            }
            _ => {
                return Err(SenderError(format!(
                    "--url {:?}: expected a URL such as http://127.0.0.1:8080{}",
                    config.url, WEBHOOK_PATH
                )))
            }
        }
        let compression = config.compression.max(1);
        // Past the listed schedule Adyen goes on retrying every few hours; the last listed
        // delay stands in for those.
        let last = ADYEN_RETRY_SCHEDULE.len() - 1;
        let delays = (0..config.retries)
            .map(|n| ADYEN_RETRY_SCHEDULE[n.min(last)] / compression)
            .collect();
        Ok(Self {
            client: Client::builder(TokioExecutor::new()).build_http(),
            uri,
            authorization: config.basic_auth.as_ref().map(|(user, password)| {
                format!("Basic {}", BASE64.encode(format!("{user}:{password}")))
            }),
            delays,
        })
    }

    /// The delays before each retry.
    pub fn retry_delays(&self) -> &[Duration] {
        &self.delays
    }

    /// Sends `delivery`, retrying until it is acknowledged or the retries run out.
    pub async fn deliver(&self, delivery: Delivery) -> Report {
        let signature = delivery.hmac_signature.as_deref();
        let mut attempts = vec![self.attempt(&delivery.body, signature).await];
        for delay in &self.delays {
            if attempts.last().is_some_and(Attempt::acknowledged) {
                break;
            }
            tokio::time::sleep(*delay).await;
            attempts.push(self.attempt(&delivery.body, signature).await);
        }
        Report {
            delivery,
            attempts,
            server: None,
        }
    }

    async fn attempt(&self, body: &str, hmac_signature: Option<&str>) -> Attempt {
        let mut request = Request::post(self.uri.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::USER_AGENT, "adyen-webhook-sender");
        if let Some(signature) = hmac_signature {
            request = request.header("HmacSignature", signature);
        }
        if let Some(authorization) = &self.authorization {
            request = request.header(header::AUTHORIZATION, authorization);
        }
        let request = request
            .body(Full::new(Bytes::from(body.to_owned())))
            .expect("a valid URI and headers make a valid request");
        let response = match tokio::time::timeout(ADYEN_TIMEOUT, self.client.request(request)).await
        {
            Err(_) => {
                return Attempt {
                    status: None,
                    answer: "no answer within 10 s".into(),
                }
            }
            Ok(Err(error)) => {
                return Attempt {
                    status: None,
                    answer: describe_error(&error),
                }
            }
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        let body = Limited::new(response.into_body(), 4096).collect().await;
        let text = body
            .map(|body| String::from_utf8_lossy(&body.to_bytes()).into_owned())
            .unwrap_or_default();
        // A 2xx body is short ("[accepted]"); for anything else the reason phrase says enough
        // in a table, and the whole body is in the server's log.
        let answer = if status.is_success() {
            let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            format!(
                "{} {}",
                status.as_u16(),
                text.chars().take(24).collect::<String>()
            )
        } else {
            format!(
                "{} {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            )
        };
        Attempt {
            status: Some(status.as_u16()),
            answer: answer.trim_end().to_owned(),
        }
    }
}

fn describe_error(error: &hyper_util::client::legacy::Error) -> String {
    let mut source: Option<&dyn std::error::Error> = Some(error);
    let mut last = error.to_string();
    while let Some(error) = source {
        last = error.to_string();
        source = error.source();
    }
    format!("no answer: {last}")
}

/// The reports as a table, a line each.
pub fn table(reports: &[Report]) -> String {
    let with_server = reports.iter().any(|report| report.server.is_some());
    let mut rows = vec![{
        let mut header = vec!["#", "scenario", "sent", "expected", "answer", "tries"];
        if with_server {
            header.push("server");
        }
        header.push("check");
        header.into_iter().map(String::from).collect::<Vec<_>>()
    }];
    for (n, report) in reports.iter().enumerate() {
        let mut sent = report.delivery.summary();
        if !report.delivery.note.is_empty() {
            sent = format!("{sent} ({})", report.delivery.note);
        }
        let answer = report
            .attempts
            .last()
            .map(|attempt| attempt.answer.clone())
            .unwrap_or_default();
        let mut row = vec![
            (n + 1).to_string(),
            report.delivery.scenario.to_owned(),
            sent,
            report.delivery.expect.as_str().to_owned(),
            answer,
            report.attempts.len().to_string(),
        ];
        if with_server {
            row.push(report.server.clone().unwrap_or_default());
        }
        row.push(
            if report.as_expected() {
                "ok"
            } else {
                "UNEXPECTED"
            }
            .to_owned(),
        );
        rows.push(row);
    }
    let columns = rows[0].len();
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .map(|row| row[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 == columns {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<width$}  ", width = widths[c]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_on_a_compressed_adyen_schedule() {
        let config = SenderConfig {
            url: "http://127.0.0.1:8080/api/webhooks/notifications".into(),
            basic_auth: None,
            retries: 4,
            compression: 30,
        };
        let sender = Sender::new(&config).unwrap();
        let millis: Vec<u128> = sender
            .retry_delays()
            .iter()
            .map(Duration::as_millis)
            .collect();
        assert_eq!(millis, [300, 600, 900, 4000]);

        let many = Sender::new(&SenderConfig {
            retries: 12,
            ..config
        })
        .unwrap();
        assert_eq!(many.retry_delays().len(), 12);
        assert_eq!(many.retry_delays()[11], Duration::from_secs(120));
    }

    #[test]
    fn refuses_urls_it_cannot_send_to() {
        for url in [
            "https://abc.ngrok.app/api/webhooks/notifications",
            "localhost:8080",
            "",
        ] {
            let config = SenderConfig {
                url: url.into(),
                basic_auth: None,
                retries: 0,
                compression: 30,
            };
            assert!(Sender::new(&config).is_err(), "{url}");
        }
    }
}
