//! The documents' open questions (NOTES.md), each answered by the sandbox one way or the other.
//! The default profile is the reading the sandbox takes when nothing says otherwise; tests switch
//! to the other readings to prove the app copes with every one of them, and a config file can
//! pick them for a demo (`[sandbox_profile]`).
//!
//! `strict` is not a reading: it makes the sandbox refuse, in the vendor's error shape, what the
//! documents do not describe (an ID.me search body that is not multipart, an unknown parameter),
//! so a request the app builds wrongly fails a test instead of passing quietly.

use std::sync::{Arc, RwLock};

use serde::Deserialize;

/// How an Iden 429 says when to come back (RFC 9110 allows both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RetryAfter {
    #[default]
    Seconds,
    HttpDate,
}

/// Standfast's `before`: the document calls it a cursor and says no more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bound {
    #[default]
    Exclusive,
    Inclusive,
}

/// How Standfast lists the events of one `occurredAt`: "newest first by occurredAt then by id"
/// does not say which way the ids go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdOrder {
    #[default]
    Descending,
    Ascending,
}

/// ID.me's 422 and 500 bodies: the document shows `{code, message}` for its 403 sample only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    #[default]
    WithCode,
    MessageOnly,
}

/// What ID.me answers for a page past the last one: the document does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PastEnd {
    /// 200 with no events and both `next_page` and `prev_page` null.
    #[default]
    EmptyPage,
    /// 422, as invalid input.
    Unprocessable,
}

/// Iden's 400 body: the document shows `{"detail": …}` for its 429 only; a Django REST
/// framework validation error is `{"<parameter>": ["<message>", …]}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BadRequest {
    #[default]
    Detail,
    FieldErrors,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Profile {
    /// ID.me: whether 422 and 500 bodies carry `code`.
    pub idme_error_code: ErrorCode,
    /// ID.me: a page past the last one.
    pub idme_past_end: PastEnd,
    /// Iden: the shape of a 400 body.
    pub iden_bad_request: BadRequest,
    /// Standfast: whether `before` is exclusive (NOTES.md's decision) or inclusive.
    pub standfast_before: Bound,
    /// Standfast: the order of ids within one `occurredAt`.
    pub standfast_ids: IdOrder,
    /// Standfast: `occurredAt` with milliseconds (the document's sample has whole seconds;
    /// its field table says only ISO-8601). The events of one second then mostly differ.
    pub standfast_sub_second: bool,
    /// Iden: the first page carries a `previous_cursor` (pointing above its first event). The
    /// document does not say; its example cursor is a Django REST framework cursor, which
    /// answers null there, and so does the sandbox by default.
    pub iden_first_page_previous_cursor: bool,
    /// Iden: the form of `Retry-After` on a 429.
    pub iden_retry_after: RetryAfter,
    /// Refuse what the documents do not describe (see the module's comment).
    pub strict: bool,
}

impl Profile {
    /// In strict mode, the first of `given` (parameter or field names) that is not in the
    /// document's `known` list: what the sandbox refuses with 422. None otherwise.
    pub fn refused<'a>(&self, given: impl IntoIterator<Item = &'a str>, known: &[&str]) -> Option<&'a str> {
        if !self.strict {
            return None;
        }
        given.into_iter().find(|name| !known.contains(name))
    }

    /// The profiles tests run the paging scenarios under: the default and each other reading.
    pub fn readings() -> Vec<(&'static str, Profile)> {
        let default = Profile::default();
        vec![
            ("default", default),
            ("Standfast before inclusive", Profile { standfast_before: Bound::Inclusive, ..default }),
            ("Standfast ids ascending", Profile { standfast_ids: IdOrder::Ascending, ..default }),
            ("Standfast sub-second occurredAt", Profile { standfast_sub_second: true, ..default }),
            (
                "Standfast before inclusive, sub-second occurredAt",
                Profile { standfast_before: Bound::Inclusive, standfast_sub_second: true, ..default },
            ),
            ("ID.me errors without code", Profile { idme_error_code: ErrorCode::MessageOnly, ..default }),
            ("ID.me page past the end is 422", Profile { idme_past_end: PastEnd::Unprocessable, ..default }),
            ("Iden first-page previous_cursor", Profile { iden_first_page_previous_cursor: true, ..default }),
            ("Iden 400 as field errors", Profile { iden_bad_request: BadRequest::FieldErrors, ..default }),
            ("Iden Retry-After as an HTTP-date", Profile { iden_retry_after: RetryAfter::HttpDate, ..default }),
        ]
    }

    /// This reading, with `strict` as given.
    pub fn strict(self, strict: bool) -> Profile {
        Profile { strict, ..self }
    }
}

/// The profile in force, shared by every vendor emulation of one sandbox.
#[derive(Debug, Clone, Default)]
pub struct Profiles(Arc<RwLock<Profile>>);

impl Profiles {
    pub fn new(profile: Profile) -> Self {
        Profiles(Arc::new(RwLock::new(profile)))
    }

    pub fn current(&self) -> Profile {
        self.0.read().map(|p| *p).unwrap_or_default()
    }

    /// Answers by `profile` until the guard is dropped, then by the profile before it (a test
    /// that fails half-way leaves nothing behind).
    #[must_use = "the profile is undone when the guard is dropped"]
    pub fn switch(&self, profile: Profile) -> ProfileGuard {
        let before = self.current();
        self.put(profile);
        ProfileGuard { profiles: self.clone(), before }
    }

    fn put(&self, profile: Profile) {
        if let Ok(mut p) = self.0.write() {
            *p = profile;
        }
    }
}

pub struct ProfileGuard {
    profiles: Profiles,
    before: Profile,
}

impl Drop for ProfileGuard {
    fn drop(&mut self) {
        self.profiles.put(self.before);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_switch_is_undone_when_its_guard_goes() {
        let profiles = Profiles::new(Profile { strict: true, ..Profile::default() });
        {
            let _guard = profiles.switch(Profile { iden_first_page_previous_cursor: true, ..Profile::default() });
            assert!(profiles.current().iden_first_page_previous_cursor);
            assert!(!profiles.current().strict);
        }
        assert_eq!(profiles.current(), Profile { strict: true, ..Profile::default() });
    }

    #[test]
    fn only_a_strict_profile_refuses_names_the_document_does_not_give() {
        let strict = Profile { strict: true, ..Profile::default() };
        assert_eq!(strict.refused(["limit", "page", "skip"], &["limit"]), Some("page"));
        assert_eq!(strict.refused(["limit"], &["limit"]), None);
        assert_eq!(Profile::default().refused(["page"], &["limit"]), None);
    }
}
