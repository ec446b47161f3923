//! `GET /api/v1/openapi.json`: served without a token, as JSON, describing every endpoint.

use crate::common::TestApp;
use rapport::api::ENDPOINTS;

#[actix_web::test]
async fn openapi_json_is_public_and_describes_every_endpoint() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for prefix in ["/api/v1", "/v1"] {
        let response = client
            .api("GET", &format!("{prefix}/openapi.json"), None, &[], None)
            .await;
        assert_eq!(response.status, 200, "{}", response.body);
        assert_eq!(response.header("content-type"), Some("application/json"));
        let document = response.json();
        assert_eq!(document["openapi"], "3.1.0");
        assert_eq!(document["servers"][0]["url"], "/api/v1");
        for endpoint in ENDPOINTS {
            let operation = &document["paths"][endpoint.path][endpoint.method.to_ascii_lowercase()];
            assert_eq!(
                operation["operationId"], endpoint.operation_id,
                "{} {}",
                endpoint.method, endpoint.path
            );
        }
        assert_eq!(
            document["paths"]["/openapi.json"]["get"]["operationId"],
            "openapi"
        );
    }
    // A bad token does not matter here, and other methods are refused as everywhere.
    let with_bad_token = client
        .api("GET", "/api/v1/openapi.json", Some("rpt_nope"), &[], None)
        .await;
    assert_eq!(with_bad_token.status, 200);
    let post = client
        .api(
            "POST",
            "/api/v1/openapi.json",
            None,
            &[],
            Some(&serde_json::json!({})),
        )
        .await;
    assert_eq!(post.status, 405);
    assert_eq!(post.json()["code"], "METHOD_NOT_ALLOWED");
}
