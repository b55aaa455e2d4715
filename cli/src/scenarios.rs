//! What the test sender sends: realistic notifications, signed the way Adyen signs them.
//!
//! Each [`Scenario`] builds one or more [`Delivery`]s (one HTTP request each) with fresh
//! references, says whether the server should accept each one, and which state the order's
//! payment should end in. `adyen-webhook send` and the reference server's `--demo` mode both
//! use them.

use std::fmt;

use rand::RngExt as _;
use time::macros::format_description;
use time::OffsetDateTime;
use tower_adyen_webhook::{Amount, HmacKey, NotificationRequest, NotificationRequestItem};

/// The keys the sender signs with: `current` for everything, `previous` for the scenario that
/// shows a key rotation.
#[derive(Clone, Debug)]
pub struct SigningKeys {
    /// The key the server is configured with first.
    pub current: HmacKey,
    /// The previous key, still configured on the server during a rotation.
    pub previous: Option<HmacKey>,
}

/// The state an order's payment should end in once its notifications are processed, named as
/// the reference server names it in `GET /api/payments/{merchantReference}` (its
/// `PaymentStatus`): `authorised`, `captured`...
///
/// ```
/// use adyen_webhook_cli::scenarios::ExpectedStatus;
///
/// assert_eq!(ExpectedStatus::PARTIALLY_REFUNDED.as_str(), "partially_refunded");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExpectedStatus(&'static str);

impl ExpectedStatus {
    /// Authorised, not captured.
    pub const AUTHORISED: Self = Self("authorised");
    /// The authorisation was refused.
    pub const REFUSED: Self = Self("refused");
    /// Captured.
    pub const CAPTURED: Self = Self("captured");
    /// Part of the amount refunded.
    pub const PARTIALLY_REFUNDED: Self = Self("partially_refunded");
    /// Cancelled before any capture.
    pub const CANCELLED: Self = Self("cancelled");
    /// Charged back by the shopper's bank.
    pub const CHARGED_BACK: Self = Self("charged_back");

    /// Every status a scenario may expect.
    pub const ALL: [Self; 6] = [
        Self::AUTHORISED,
        Self::REFUSED,
        Self::CAPTURED,
        Self::PARTIALLY_REFUNDED,
        Self::CANCELLED,
        Self::CHARGED_BACK,
    ];

    /// The status's name, as the server writes it.
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for ExpectedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// What the server should answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Acknowledged with a 2xx (`[accepted]`).
    Accepted,
    /// Refused: Adyen will deliver it again.
    Rejected,
}

impl Expect {
    /// `accepted` or `rejected`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
        }
    }
}

/// One HTTP request, as Adyen would send it.
#[derive(Clone, Debug)]
pub struct Delivery {
    /// The scenario it belongs to.
    pub scenario: &'static str,
    /// The items, as sent (signatures included).
    pub items: Vec<NotificationRequestItem>,
    /// The exact body.
    pub body: String,
    /// What the server should answer.
    pub expect: Expect,
    /// Anything special about it ("sent again", "amount changed after signing"...).
    pub note: &'static str,
    /// The `HmacSignature` header of a header-signed webhook (`items` is then empty); `None`
    /// for a standard notification, whose items carry their signatures.
    pub hmac_signature: Option<String>,
}

impl Delivery {
    /// `AUTHORISATION ORDER-1234-01`, or a short list for a batch.
    pub fn summary(&self) -> String {
        let describe = |item: &NotificationRequestItem| {
            let outcome = if item.success { "" } else { " (success=false)" };
            let reference = if item.merchant_reference.is_empty() {
                &item.psp_reference
            } else {
                &item.merchant_reference
            };
            format!("{}{outcome} {reference}", item.event_code)
        };
        match &self.items[..] {
            // A header-signed webhook: its type.
            [] => serde_json::from_str::<serde_json::Value>(&self.body)
                .ok()
                .and_then(|json| json.get("type")?.as_str().map(str::to_owned))
                .unwrap_or_default(),
            [item] => describe(item),
            items => format!(
                "{} items: {}",
                items.len(),
                items
                    .iter()
                    .map(|item| item.event_code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// A scenario's deliveries, and the state each order's payment should end in once they are
/// all processed.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// The requests, in the order to send them.
    pub deliveries: Vec<Delivery>,
    /// `(merchantReference, status)` for each order the scenario pays for.
    pub orders: Vec<(String, ExpectedStatus)>,
    /// Scenarios left out, and why.
    pub skipped: Vec<(&'static str, &'static str)>,
}

/// A named scenario.
#[derive(Clone, Copy, Debug)]
pub struct Scenario {
    /// Its name on the command line.
    pub name: &'static str,
    /// What it shows.
    pub about: &'static str,
    build: fn(&mut Builder<'_>),
}

/// Every scenario, in the order `all` sends them.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "authorisation",
        about: "a card payment authorised",
        build: authorisation,
    },
    Scenario {
        name: "refusal",
        about: "a card payment refused",
        build: refusal,
    },
    Scenario {
        name: "capture",
        about: "authorised, then captured",
        build: capture,
    },
    Scenario {
        name: "refund",
        about: "authorised, captured, then partly refunded",
        build: refund,
    },
    Scenario {
        name: "cancellation",
        about: "authorised, then cancelled",
        build: cancellation,
    },
    Scenario {
        name: "chargeback",
        about: "captured, then disputed and charged back",
        build: chargeback,
    },
    Scenario {
        name: "report",
        about: "a settlement report ready to download",
        build: report,
    },
    Scenario {
        name: "batch",
        about: "one request carrying three notifications",
        build: batch,
    },
    Scenario {
        name: "duplicate",
        about: "the same notification delivered twice",
        build: duplicate,
    },
    Scenario {
        name: "out-of-order",
        about: "a capture that arrives before its authorisation",
        build: out_of_order,
    },
    Scenario {
        name: "new-event-code",
        about: "an event code nobody has seen yet",
        build: new_event_code,
    },
    Scenario {
        name: "forged",
        about: "an amount changed after signing: must be rejected",
        build: forged,
    },
    Scenario {
        name: "previous-key",
        about: "signed with the previous key, as during a key rotation",
        build: previous_key,
    },
];

/// The scenario called `name`.
pub fn find(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|scenario| scenario.name == name)
}

/// Builds `scenarios`, each `count` times with fresh references, signed with `keys`.
pub fn plan(
    scenarios: &[&Scenario],
    count: usize,
    keys: &SigningKeys,
    merchant_account: &str,
) -> Plan {
    let mut builder = Builder {
        keys,
        merchant_account,
        run: rand::rng().random_range(1000..10_000),
        orders: 0,
        scenario: "",
        plan: Plan::default(),
    };
    for _ in 0..count {
        for scenario in scenarios {
            builder.scenario = scenario.name;
            (scenario.build)(&mut builder);
        }
    }
    builder.plan
}

/// Builds the deliveries of one scenario.
struct Builder<'a> {
    keys: &'a SigningKeys,
    merchant_account: &'a str,
    run: u32,
    orders: u32,
    scenario: &'static str,
    plan: Plan,
}

impl Builder<'_> {
    /// A new order: its merchantReference and its payment's pspReference.
    fn order(&mut self) -> (String, String) {
        self.orders += 1;
        (
            format!("ORDER-{}-{:02}", self.run, self.orders),
            psp_reference(),
        )
    }

    fn item(
        &self,
        psp_reference: &str,
        event_code: &str,
        merchant_reference: &str,
        value: i64,
    ) -> NotificationRequestItem {
        let mut item = NotificationRequestItem::new(psp_reference, event_code);
        item.merchant_account_code = self.merchant_account.into();
        item.merchant_reference = merchant_reference.into();
        item.amount = Some(Amount::new(value, "EUR"));
        item.event_date = adyen_date(OffsetDateTime::now_utc()).into();
        item.payment_method = "visa".into();
        item
    }

    fn authorisation(&self, psp: &str, order: &str, value: i64) -> NotificationRequestItem {
        let mut item = self.item(psp, "AUTHORISATION", order, value);
        item.reason = "058747:1111:03/2030".into();
        item.operations = vec!["CANCEL".into(), "CAPTURE".into(), "REFUND".into()];
        item.additional_data.insert("authCode", "058747");
        item.additional_data.insert("cardSummary", "1111");
        item.additional_data.insert("expiryDate", "03/2030");
        item
    }

    fn modification(
        &self,
        event_code: &str,
        payment: &str,
        order: &str,
        value: i64,
    ) -> NotificationRequestItem {
        let mut item = self.item(&psp_reference(), event_code, order, value);
        item.original_reference = payment.into();
        item
    }

    /// Signs every item with the current key and queues the request.
    fn send(&mut self, items: Vec<NotificationRequestItem>, expect: Expect, note: &'static str) {
        let key = self.keys.current.clone();
        self.send_signed(items, &key, expect, note);
    }

    fn send_signed(
        &mut self,
        mut items: Vec<NotificationRequestItem>,
        key: &HmacKey,
        expect: Expect,
        note: &'static str,
    ) {
        for item in &mut items {
            key.sign_item_in_place(item);
        }
        self.queue(items, expect, note);
    }

    /// Queues the request as is (signatures and all).
    fn queue(&mut self, items: Vec<NotificationRequestItem>, expect: Expect, note: &'static str) {
        let body = NotificationRequest {
            live: false,
            items: items.clone(),
        }
        .to_json();
        self.plan.deliveries.push(Delivery {
            scenario: self.scenario,
            items,
            body,
            expect,
            note,
            hmac_signature: None,
        });
    }

    fn expect_order(&mut self, order: &str, status: ExpectedStatus) {
        self.plan.orders.push((order.to_owned(), status));
    }
}

/// A `balancePlatform.accountHolder.created` webhook about a new account holder, signed with
/// `key` (the server's `ADYEN_PLATFORM_HMAC_KEY`) in its `HmacSignature` header, as Adyen
/// sends the Balance Platform's webhooks.
pub fn account_holder_created(key: &HmacKey) -> Delivery {
    let id = format!(
        "AH{:022}",
        rand::rng().random_range(0..10_000_000_000_000_000_000u128)
    );
    let body = serde_json::json!({
        "data": {
            "balancePlatform": "YOUR_BALANCE_PLATFORM",
            "accountHolder": {
                "description": "S.Hopper - Staff 123",
                "id": id,
                "legalEntityId": "LE00000000000000000000001",
                "reference": "YOUR_REFERENCE",
                "status": "active",
            },
        },
        "environment": "test",
        "timestamp": adyen_date(OffsetDateTime::now_utc()),
        "type": "balancePlatform.accountHolder.created",
    })
    .to_string();
    Delivery {
        scenario: "platform",
        items: Vec::new(),
        hmac_signature: Some(key.sign(body.as_bytes())),
        body,
        expect: Expect::Accepted,
        note: "header-signed",
    }
}

/// A random 16-digit pspReference, like Adyen's.
fn psp_reference() -> String {
    format!(
        "88{:014}",
        rand::rng().random_range(0..100_000_000_000_000u64)
    )
}

/// The way Adyen writes `eventDate`: to the second, with the offset (`2026-11-28T13:05:09+00:00`).
fn adyen_date(instant: OffsetDateTime) -> String {
    let format = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
    );
    instant
        .to_offset(time::UtcOffset::UTC)
        .format(format)
        .expect("every instant from year 0 to 9999 formats")
}

fn authorisation(b: &mut Builder<'_>) {
    let (order, psp) = b.order();
    let item = b.authorisation(&psp, &order, 4995);
    b.send(vec![item], Expect::Accepted, "");
    b.expect_order(&order, ExpectedStatus::AUTHORISED);
}

fn refusal(b: &mut Builder<'_>) {
    let (order, psp) = b.order();
    let mut item = b.item(&psp, "AUTHORISATION", &order, 12_000);
    item.success = false;
    item.reason = "Not enough balance".into();
    b.send(vec![item], Expect::Accepted, "");
    b.expect_order(&order, ExpectedStatus::REFUSED);
}

fn capture(b: &mut Builder<'_>) {
    let (order, psp) = b.order();
    let auth = b.authorisation(&psp, &order, 2500);
    let capture = b.modification("CAPTURE", &psp, &order, 2500);
    b.send(vec![auth], Expect::Accepted, "");
    b.send(vec![capture], Expect::Accepted, "");
    b.expect_order(&order, ExpectedStatus::CAPTURED);
}

fn refund(b: &mut Builder<'_>) {
    let (order, psp) = b.order();
    let auth = b.authorisation(&psp, &order, 8000);
    let capture = b.modification("CAPTURE", &psp, &order, 8000);
    let refund = b.modification("REFUND", &psp, &order, 3000);
    b.send(vec![auth], Expect::Accepted, "");
    b.send(vec![capture], Expect::Accepted, "");
    b.send(vec![refund], Expect::Accepted, "30.00 of 80.00");
    b.expect_order(&order, ExpectedStatus::PARTIALLY_REFUNDED);
}

fn cancellation(b: &mut Builder<'_>) {
    let (order, psp) = b.order();
    let auth = b.authorisation(&psp, &order, 1999);
    let cancel = b.modification("CANCELLATION", &psp, &order, 1999);
    b.send(vec![auth], Expect::Accepted, "");
    b.send(vec![cancel], Expect::Accepted, "");
    b.expect_order(&order, ExpectedStatus::CANCELLED);
}

fn chargeback(b: &mut Builder<'_>) {
    let (order, psp) = b.order();
    let auth = b.authorisation(&psp, &order, 15_000);
    let capture = b.modification("CAPTURE", &psp, &order, 15_000);
    let dispute = psp_reference();
    let mut notice = b.item(&dispute, "NOTIFICATION_OF_CHARGEBACK", &order, 15_000);
    notice.original_reference = psp.clone().into();
    notice.reason = "Fraudulent transaction".into();
    let mut chargeback = b.item(&dispute, "CHARGEBACK", &order, 15_000);
    chargeback.original_reference = psp.clone().into();
    for item in [auth, capture, notice, chargeback] {
        b.send(vec![item], Expect::Accepted, "");
    }
    b.expect_order(&order, ExpectedStatus::CHARGED_BACK);
}

fn report(b: &mut Builder<'_>) {
    let name = format!("settlement_detail_report_batch_{}.csv", b.run);
    let mut item = NotificationRequestItem::new(name.as_str(), "REPORT_AVAILABLE");
    item.merchant_account_code = b.merchant_account.into();
    item.event_date = adyen_date(OffsetDateTime::now_utc()).into();
    item.reason = format!(
        "https://ca-test.adyen.com/reports/download/MerchantAccount/{}/{name}",
        b.merchant_account
    )
    .into();
    b.send(vec![item], Expect::Accepted, "");
}

fn batch(b: &mut Builder<'_>) {
    let (first, first_psp) = b.order();
    let (second, second_psp) = b.order();
    let items = vec![
        b.authorisation(&first_psp, &first, 1200),
        b.authorisation(&second_psp, &second, 3400),
        b.modification("CAPTURE", &first_psp, &first, 1200),
    ];
    b.send(items, Expect::Accepted, "one request");
    b.expect_order(&first, ExpectedStatus::CAPTURED);
    b.expect_order(&second, ExpectedStatus::AUTHORISED);
}

fn duplicate(b: &mut Builder<'_>) {
    let (order, psp) = b.order();
    let item = b.authorisation(&psp, &order, 750);
    b.send(vec![item.clone()], Expect::Accepted, "");
    b.send(vec![item], Expect::Accepted, "sent again");
    b.expect_order(&order, ExpectedStatus::AUTHORISED);
}

fn out_of_order(b: &mut Builder<'_>) {
    let (order, psp) = b.order();
    let auth = b.authorisation(&psp, &order, 6400);
    let capture = b.modification("CAPTURE", &psp, &order, 6400);
    b.send(vec![capture], Expect::Accepted, "before its authorisation");
    b.send(vec![auth], Expect::Accepted, "after its capture");
    b.expect_order(&order, ExpectedStatus::CAPTURED);
}

fn new_event_code(b: &mut Builder<'_>) {
    let (order, psp) = b.order();
    let auth = b.authorisation(&psp, &order, 990);
    let novel = b.modification("INSTALMENT_PLAN_UPDATED", &psp, &order, 990);
    b.send(vec![auth], Expect::Accepted, "");
    b.send(
        vec![novel],
        Expect::Accepted,
        "a code unknown to the library",
    );
    b.expect_order(&order, ExpectedStatus::AUTHORISED);
}

fn forged(b: &mut Builder<'_>) {
    let (order, psp) = b.order();
    let mut item = b.authorisation(&psp, &order, 100);
    b.keys.current.sign_item_in_place(&mut item);
    if let Some(amount) = &mut item.amount {
        amount.value = 100_000;
    }
    b.queue(vec![item], Expect::Rejected, "amount changed after signing");
}

fn previous_key(b: &mut Builder<'_>) {
    let Some(previous) = b.keys.previous.clone() else {
        b.plan.skipped.push((
            "previous-key",
            "needs a previous key: --key CURRENT,PREVIOUS, as in ADYEN_HMAC_KEY",
        ));
        return;
    };
    let (order, psp) = b.order();
    let item = b.authorisation(&psp, &order, 2200);
    b.send_signed(
        vec![item],
        &previous,
        Expect::Accepted,
        "signed with the previous key",
    );
    b.expect_order(&order, ExpectedStatus::AUTHORISED);
}

#[cfg(test)]
mod tests {
    use tower_adyen_webhook::HmacKeys;

    use super::*;

    fn keys() -> SigningKeys {
        SigningKeys {
            current: "00727DB817A85C8503AD29EAD1523DB869AF0E536893BB3046C92DE7CB045CB1"
                .parse()
                .unwrap(),
            previous: Some(
                "DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00"
                    .parse()
                    .unwrap(),
            ),
        }
    }

    #[test]
    fn every_delivery_verifies_exactly_when_it_should() {
        let keys = keys();
        let server = HmacKeys::new(keys.current.clone()).with(keys.previous.clone().unwrap());
        let all: Vec<_> = SCENARIOS.iter().collect();
        let plan = plan(&all, 2, &keys, "ShopECOM");
        assert!(plan.skipped.is_empty());
        for delivery in &plan.deliveries {
            let request = NotificationRequest::from_slice(delivery.body.as_bytes()).unwrap();
            let verified = request
                .items
                .iter()
                .all(|item| server.verify_item(item).is_ok());
            assert_eq!(
                verified,
                delivery.expect == Expect::Accepted,
                "{} {}",
                delivery.scenario,
                delivery.summary()
            );
        }
        let names: std::collections::BTreeSet<_> =
            plan.deliveries.iter().map(|d| d.scenario).collect();
        assert_eq!(names.len(), SCENARIOS.len());
    }

    #[test]
    fn without_a_previous_key_the_rotation_scenario_is_skipped() {
        let keys = SigningKeys {
            previous: None,
            ..keys()
        };
        let plan = plan(&[find("previous-key").unwrap()], 1, &keys, "ShopECOM");
        assert!(plan.deliveries.is_empty());
        assert_eq!(plan.skipped.len(), 1);
    }

    #[test]
    fn event_dates_are_written_as_adyen_writes_them() {
        let instant = OffsetDateTime::from_unix_timestamp_nanos(1_795_871_109_123_000_000).unwrap();
        assert_eq!(adyen_date(instant), "2026-11-28T13:05:09+00:00");
        let elsewhere = instant.to_offset(time::macros::offset!(+2));
        assert_eq!(adyen_date(elsewhere), "2026-11-28T13:05:09+00:00");
        assert_eq!(
            adyen_date(OffsetDateTime::UNIX_EPOCH),
            "1970-01-01T00:00:00+00:00"
        );
    }

    #[test]
    fn references_are_fresh_each_time() {
        let plan = plan(&[find("authorisation").unwrap()], 3, &keys(), "ShopECOM");
        let references: std::collections::BTreeSet<_> = plan
            .deliveries
            .iter()
            .map(|d| d.items[0].psp_reference.clone())
            .collect();
        assert_eq!(references.len(), 3);
        assert_eq!(plan.orders.len(), 3);
    }
}
