//! Who is signed in, and what that lets them use.

use serde::Serialize;

use super::AuthConfig;
use crate::config::UpstreamConfig;

/// What the ID token (and userinfo) said about the person signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub subject: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub groups: Vec<String>,
}

impl Identity {
    /// The connection's access rule: one of its groups, or its list of addresses.
    pub fn may_use(&self, upstream: &UpstreamConfig) -> bool {
        self.groups.iter().any(|g| upstream.allow_groups.contains(g))
            || self.email.as_ref().is_some_and(|e| upstream.allow_emails.iter().any(|a| a.eq_ignore_ascii_case(e)))
    }

    /// A signals receiver's access rule, the same way.
    pub fn may_see(&self, receiver: &crate::signals::ReceiverConfig) -> bool {
        self.groups.iter().any(|g| receiver.allow_groups.contains(g))
            || self.email.as_ref().is_some_and(|e| receiver.allow_emails.iter().any(|a| a.eq_ignore_ascii_case(e)))
    }

    pub fn is_admin(&self, auth: &AuthConfig) -> bool {
        auth.admin_group.as_ref().is_some_and(|admin| self.groups.contains(admin))
    }

    /// How the app and messages name this person.
    pub fn shown(&self) -> &str {
        self.email.as_deref().or(self.name.as_deref()).unwrap_or(&self.subject)
    }
}
