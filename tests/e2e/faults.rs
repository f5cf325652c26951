//! A vendor that misbehaves: each of the sandbox's faults, on each vendor's view, first on the
//! view's own page and then on a "Load more". The user sees what went wrong in words, the
//! filters and the rows already loaded stay, and Retry brings the rows. (A panic anywhere fails
//! the scenario through the harness.)

use auditdeck_sandbox::faults::{Fault, Vendor};
use fantoccini::{Client, Locator};

use crate::harness::{
    Rig, TestResult, check, click, eventually, row_ids, table_row_count, text_of, type_into, wait_for_text,
};

/// What the user must see when the fault hits.
enum Expect {
    /// An error whose headline holds every one of these.
    Error(&'static [&'static str]),
    /// The rows, as if nothing happened (what the document allows the app to ignore).
    Rows,
    /// Records of the wrong shape: the page cannot be read at all (an error), or its records
    /// cannot (a count of unreadable records, never an "empty" claim), depending on the vendor.
    ErrorOrUnreadable,
}

fn expectation(fault: Fault) -> Expect {
    match fault {
        Fault::TruncatedJson => {
            Expect::Error(&["answered 200 but the response could not be read", "EOF while parsing"])
        }
        Fault::HtmlBadGateway => {
            Expect::Error(&["502 bad gateway", "not in the vendor's error format", "502 Bad Gateway nginx"])
        }
        Fault::EmptyOk => {
            Expect::Error(&["answered 200 but the response could not be read", "the response body is empty"])
        }
        Fault::HugePage | Fault::UnknownFields | Fault::HostileStrings => Expect::Rows,
        Fault::WrongTypes | Fault::NullsEverywhere => Expect::ErrorOrUnreadable,
        Fault::VendorError => Expect::Error(&["500 internal service error"]),
        Fault::Hang => Expect::Error(&["No response from the vendor", "timed out"]),
        Fault::DropConnection => {
            Expect::Error(&["No response from the vendor", "the connection broke off while the response was read"])
        }
    }
}

/// The vendor's own message in its 500.
fn vendor_message(vendor: Vendor) -> &'static str {
    match vendor {
        Vendor::Idme => "(code 500): Internal service error",
        Vendor::Standfast | Vendor::Iden => "Internal server error",
    }
}

/// A view of one vendor, with a filter whose control must keep its value through the fault.
struct View {
    vendor: Vendor,
    url: String,
    scope: &'static str,
    /// The control and the value it shows.
    filter: (&'static str, String),
    page_rows: usize,
}

fn views(rig: &Rig) -> Vec<View> {
    let (ip, _) = rig.data.busiest_ips(1)[0];
    vec![
        View {
            vendor: Vendor::Idme,
            url: format!("/ip/{ip}"),
            scope: ".source-idme",
            filter: ("#ip-input", ip.to_string()),
            page_rows: 50,
        },
        View {
            vendor: Vendor::Iden,
            url: "/severity?severity=high&limit=50".into(),
            scope: ".source-iden",
            filter: ("#severity-high", "true".into()),
            page_rows: 50,
        },
        View {
            vendor: Vendor::Standfast,
            url: "/identity-events?limit=50".into(),
            scope: ".identity-events",
            filter: ("#limit", "50".into()),
            page_rows: 50,
        },
    ]
}

async fn filter_value(client: &Client, css: &str) -> Option<String> {
    if !css.starts_with("#ip-") {
        crate::harness::open_filters(client).await.ok()?;
    }
    let element = client.find(Locator::Css(css)).await.ok()?;
    if css.starts_with("#severity-") {
        element.prop("checked").await.ok()?
    } else {
        element.prop("value").await.ok()?
    }
}

async fn rows_settle(client: &Client, view: &View, want: impl Fn(usize) -> bool, what: &str) -> TestResult {
    eventually(what, || async {
        let busy = client.find_all(Locator::Css("[aria-busy='true'], .results.stale")).await.ok()?;
        let count = table_row_count(client, view.scope).await.ok()?;
        (busy.is_empty() && want(count)).then_some(())
    })
    .await
}

async fn sees_error(client: &Client, within: &str, needles: &[&str]) -> TestResult {
    let css = format!("{within} .error-box .error-headline");
    for needle in needles {
        wait_for_text(client, &css, needle).await?;
    }
    Ok(())
}

/// Waits for the error or the unreadable-records notice under `within`; true for the error.
async fn error_or_unreadable(client: &Client, within: &str) -> Result<bool, String> {
    let error = format!("{within} .error-box .error-headline");
    let notice = format!("{within} .notice.unreadable");
    eventually("an error or a count of unreadable records", || async {
        if text_of(client, &error).await.is_some_and(|t| t.contains("could not be read")) {
            return Some(true);
        }
        text_of(client, &notice).await.filter(|t| t.contains("could not be read")).map(|_| false)
    })
    .await
}

async fn no_error(client: &Client) -> TestResult {
    let errors = client.find_all(Locator::Css(".error-box")).await.map_err(|e| e.to_string())?;
    check(errors.is_empty(), || "an error box is shown".into())
}

async fn fault_on_the_first_page(rig: &Rig, client: &Client, view: &View, fault: Fault) -> TestResult {
    let _armed = rig.sandbox.faults.arm_while(view.vendor, fault, 1);
    client.goto(&rig.url(&view.url)).await.map_err(|e| e.to_string())?;
    match expectation(fault) {
        Expect::Error(needles) => {
            sees_error(client, "", needles).await?;
            if fault == Fault::VendorError {
                sees_error(client, "", &[vendor_message(view.vendor)]).await?;
            }
            let shown = filter_value(client, view.filter.0).await;
            check(shown.as_deref() == Some(view.filter.1.as_str()), || {
                format!("the filter {} shows {shown:?} after the error", view.filter.0)
            })?;
            click(client, ".error-box .retry").await?;
            rows_settle(client, view, |n| n == view.page_rows, "the rows after Retry").await?;
        }
        Expect::Rows => rows_settle(client, view, |n| n == view.page_rows, "the rows").await?,
        Expect::ErrorOrUnreadable => {
            if error_or_unreadable(client, "").await? {
                click(client, ".error-box .retry").await?;
            } else {
                let empty = text_of(client, ".empty").await;
                check(empty.is_none(), || format!("unreadable records are called empty: {empty:?}"))?;
                // The answer that did not read is not kept: a reload asks the vendor again.
                client.refresh().await.map_err(|e| e.to_string())?;
            }
            rows_settle(client, view, |n| n == view.page_rows, "the rows after Retry").await?;
        }
    }
    no_error(client).await
}

async fn fault_on_load_more(rig: &Rig, client: &Client, view: &View, fault: Fault) -> TestResult {
    let before = row_ids(client, view.scope).await?;
    // One page more is enough to see it arrive.
    type_into(client, ".load-more-cap", "100").await?;
    click(client, "h1").await?;
    let _armed = rig.sandbox.faults.arm_while(view.vendor, fault, 1);
    click(client, ".load-more-start").await?;
    match expectation(fault) {
        Expect::Error(needles) => {
            sees_error(client, ".load-more", needles).await?;
            // The loaded rows stay, untouched.
            let count = table_row_count(client, view.scope).await?;
            check(count == view.page_rows, || format!("{count} rows after the failed Load more"))?;
            let now = row_ids(client, view.scope).await?;
            check(now == before, || "the rows changed after the failed Load more".into())?;
            click(client, ".load-more .error-box .retry").await?;
            rows_settle(client, view, |n| n > view.page_rows, "more rows after Retry").await?;
        }
        Expect::Rows => rows_settle(client, view, |n| n > view.page_rows, "more rows").await?,
        Expect::ErrorOrUnreadable => {
            let now = row_ids(client, view.scope).await?;
            check(now.iter().take(5).eq(before.iter().take(5)), || "the loaded rows changed".into())?;
            if error_or_unreadable(client, ".load-more").await? {
                click(client, ".load-more .error-box .retry").await?;
                rows_settle(client, view, |n| n > view.page_rows, "more rows").await?;
            } else {
                // The page's records were counted as unreadable; what was loaded stays.
                rows_settle(client, view, |n| n >= view.page_rows, "the loaded rows").await?;
            }
        }
    }
    no_error(client).await
}

pub async fn every_fault_is_named_and_retry_recovers(rig: &Rig, client: &Client) -> TestResult {
    for (i, fault) in Fault::ALL.into_iter().enumerate() {
        let all = views(rig);
        // Each fault on a different vendor in turn, so every vendor meets most faults.
        for view in all.iter().cycle().skip(i % all.len()).take(2) {
            let context = |e: String| format!("{fault:?} on {:?}: {e}", view.vendor);
            fault_on_the_first_page(rig, client, view, fault).await.map_err(context)?;
            fault_on_load_more(rig, client, view, fault).await.map_err(context)?;
        }
    }
    rig.sandbox.faults.clear();
    Ok(())
}
