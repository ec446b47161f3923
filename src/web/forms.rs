//! `HtmlForm<T>`: a urlencoded form body where repeated names (`meta_key=a&meta_key=b`) become
//! lists, which the meta editor's rows need and `web::Form` cannot read.

use crate::error::AppError;
use actix_web::dev::Payload;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;

pub struct HtmlForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for HtmlForm<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = Bytes::from_request(request, payload);
        Box::pin(async move {
            let body = bytes.await.map_err(|error| {
                if error.as_response_error().status_code()
                    == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE
                {
                    AppError::PayloadTooLarge
                } else {
                    AppError::BadRequest("The form could not be read.".into())
                }
            })?;
            serde_html_form::from_bytes(&body)
                .map(HtmlForm)
                .map_err(|error| {
                    AppError::BadRequest(format!("The form could not be read: {error}."))
                })
        })
    }
}
