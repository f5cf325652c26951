//! The OpenID Connect relying party, through the `openidconnect` crate: discovery, the
//! authorization code flow with PKCE, and the ID token's checks (signature against the
//! provider's JWKS, `iss`, `aud`, `exp`, `nonce`). No JOSE code of our own.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreResponseType,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthenticationFlow, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken,
    EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope, StandardErrorResponse, StandardTokenResponse,
    TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use super::sessions::PendingSignIn;
use super::{AuthConfig, Identity};

/// Claims beyond the standard ones, kept whole: the groups claim is named in the config.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct OtherClaims(HashMap<String, serde_json::Value>);
impl AdditionalClaims for OtherClaims {}

type IdFields = IdTokenFields<
    OtherClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<IdFields, CoreTokenType>;
type OidcClient = Client<
    OtherClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// How long discovery (and the JWKS in it) is trusted before it is read again: a provider that
/// rotates its keys is followed within this time.
const DISCOVERY_LIFETIME: Duration = Duration::from_secs(600);

pub struct RelyingParty {
    config: AuthConfig,
    secret: Option<ClientSecret>,
    redirect: RedirectUrl,
    http: openidconnect::reqwest::Client,
    discovered: Mutex<Option<(OidcClient, Instant)>>,
}

impl RelyingParty {
    pub fn new(
        config: &AuthConfig,
        public_url: &url::Url,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, String> {
        let secret = match &config.client_secret_env {
            None => None,
            Some(name) => Some(ClientSecret::new(
                env(name)
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| format!("[auth]: environment variable {name} (the client secret) is not set"))?,
            )),
        };
        let redirect = RedirectUrl::new(format!("{}/auth/callback", public_url.as_str().trim_end_matches('/')))
            .map_err(|e| format!("[auth]: bad redirect URL: {e}"))?;
        let http = openidconnect::reqwest::ClientBuilder::new()
            // Following redirects would open the client to SSRF (openidconnect's advice).
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| format!("[auth]: cannot build the HTTP client: {e}"))?;
        Ok(RelyingParty { config: config.clone(), secret, redirect, http, discovered: Mutex::new(None) })
    }

    async fn client(&self) -> Result<OidcClient, String> {
        let mut discovered = self.discovered.lock().await;
        if let Some((client, at)) = discovered.as_ref()
            && at.elapsed() < DISCOVERY_LIFETIME
        {
            return Ok(client.clone());
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone()).map_err(|e| e.to_string())?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http).await.map_err(|e| {
            format!("the sign-in provider {} could not be read: {}", self.config.issuer, crate::proxy::error_chain(&e))
        })?;
        let client = OidcClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            self.secret.clone(),
        )
        .set_redirect_uri(self.redirect.clone());
        *discovered = Some((client.clone(), Instant::now()));
        Ok(client)
    }

    /// Where to send the browser to sign in, the `state` naming this sign-in, and what the
    /// callback needs to finish it.
    pub async fn start(&self, return_to: String) -> Result<(url::Url, String, PendingSignIn), String> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client.authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in self.config.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        Ok((url, state.secret().clone(), PendingSignIn::new(nonce, verifier, return_to)))
    }

    /// Exchanges the code and checks the ID token; returns who signed in.
    pub async fn finish(&self, code: String, pending: PendingSignIn) -> Result<Identity, String> {
        let client = self.client().await?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| e.to_string())?
            .set_pkce_verifier(pending.pkce_verifier)
            .request_async(&self.http)
            .await
            .map_err(|e| format!("the sign-in provider refused the code: {}", crate::proxy::error_chain(&e)))?;
        let id_token = tokens.id_token().ok_or("the sign-in provider sent no ID token")?;
        let claims = id_token
            .claims(&client.id_token_verifier(), &pending.nonce)
            .map_err(|e| format!("the ID token failed its checks: {}", crate::proxy::error_chain(&e)))?;
        let mut identity = Identity {
            subject: claims.subject().to_string(),
            email: claims.email().map(|e| e.to_string()),
            name: claims.name().and_then(|n| n.get(None)).map(|n| n.to_string()),
            groups: Vec::new(),
        };
        let groups = match claims.additional_claims().0.get(&self.config.groups_claim) {
            Some(value) => Some(value.clone()),
            // Some providers put groups only in userinfo.
            None => self.userinfo_claim(&client, tokens.access_token().clone(), &identity.subject).await,
        };
        identity.groups = groups.map(group_names).unwrap_or_default();
        Ok(identity)
    }

    async fn userinfo_claim(
        &self,
        client: &OidcClient,
        access_token: openidconnect::AccessToken,
        subject: &str,
    ) -> Option<serde_json::Value> {
        let request =
            client.user_info(access_token, Some(openidconnect::SubjectIdentifier::new(subject.into()))).ok()?;
        let info: UserInfoClaims<OtherClaims, CoreGenderClaim> = request.request_async(&self.http).await.ok()?;
        info.additional_claims().0.get(&self.config.groups_claim).cloned()
    }
}

/// A groups claim as providers send it: a list of names, or one name.
fn group_names(value: serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::String(one) => vec![one],
        serde_json::Value::Array(many) => many.into_iter().filter_map(|v| v.as_str().map(String::from)).collect(),
        _ => Vec::new(),
    }
}
