//! The form fields of a proxied request, for the access log: names and values of a
//! `multipart/form-data` (ID.me's searches) or `application/x-www-form-urlencoded` body.
//! File parts are named, never copied.

use axum::body::Bytes;

/// The fields as JSON pairs, or empty when the body is no form.
pub async fn form_fields(content_type: Option<&str>, body: &Bytes) -> String {
    let Some(content_type) = content_type else { return String::new() };
    let fields: Vec<(String, String)> = if content_type.starts_with("application/x-www-form-urlencoded") {
        url::form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
    } else if let Ok(boundary) = multer::parse_boundary(content_type) {
        multipart(body.clone(), boundary).await
    } else {
        return String::new();
    };
    serde_json::to_string(&fields).unwrap_or_default()
}

async fn multipart(body: Bytes, boundary: String) -> Vec<(String, String)> {
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut parts = multer::Multipart::new(stream, boundary);
    let mut fields = Vec::new();
    while let Ok(Some(field)) = parts.next_field().await {
        let name = field.name().unwrap_or_default().to_string();
        let value = match field.file_name() {
            Some(file) => format!("(file {file})"),
            None => field.text().await.unwrap_or_default(),
        };
        fields.push((name, value));
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_both_form_encodings() {
        let multipart = "--b\r\nContent-Disposition: form-data; name=\"ipaddress\"\r\n\r\n1.2.3.4\r\n--b\r\nContent-Disposition: form-data; name=\"page\"\r\n\r\n2\r\n--b--\r\n";
        assert_eq!(
            form_fields(Some("multipart/form-data; boundary=b"), &Bytes::from(multipart)).await,
            r#"[["ipaddress","1.2.3.4"],["page","2"]]"#
        );
        assert_eq!(
            form_fields(Some("application/x-www-form-urlencoded"), &Bytes::from("ipaddress=1.2.3.4&page=3")).await,
            r#"[["ipaddress","1.2.3.4"],["page","3"]]"#
        );
        assert_eq!(form_fields(None, &Bytes::new()).await, "");
        assert_eq!(form_fields(Some("application/json"), &Bytes::from("{}")).await, "");
    }
}
