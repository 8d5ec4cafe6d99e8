-- The demo configuration of docs/design.md §7, seeded by `npm start` and by the tests. Idempotent: an
-- existing row is left as it is (ON CONFLICT DO NOTHING), so local changes survive a restart.
-- Every secret and password here is `Password1`, hashed with PBKDF2-SHA256 (100,000 iterations);
-- test/unit/seed.test.ts checks that each hash verifies. For local development only.

INSERT INTO clients (client_id, client_name, client_type, secret_hash, token_endpoint_auth_method,
  extra_auth_methods, grant_types, scopes, redirect_uris, capabilities, attestation_policy, dpop_required)
VALUES ('haapi-android-client', 'HAAPI demo Android app', 'confidential',
  'pbkdf2-sha256$100000$A-o4PtkyGi_kaxDrXqCjgQ$MKwrYSy9iVHyp0BGGwaGy7zBz1Lte9pOPI8_SlrT1c8',
  'client_secret_basic',
  '["client_secret_post","private_key_jwt","tls_client_auth","self_signed_tls_client_auth"]',
  '["authorization_code","refresh_token","client_credentials"]', 'openid profile',
  '["app://haapi"]', '{"code":true,"haapi":true}', 'android-dev', 0)
ON CONFLICT (client_id) DO NOTHING;

INSERT INTO clients (client_id, client_name, client_type, token_endpoint_auth_method, grant_types,
  scopes, redirect_uris, capabilities, attestation_policy, dpop_required)
VALUES ('haapi-ios-client', 'HAAPI demo iOS app', 'public', 'none',
  '["authorization_code","refresh_token","client_credentials"]', 'openid profile', '["app://haapi"]',
  '{"code":true,"haapi":true}', 'ios-dev', 1)
ON CONFLICT (client_id) DO NOTHING;

INSERT INTO clients (client_id, client_name, client_type, is_template, token_endpoint_auth_method,
  grant_types, scopes, redirect_uris, capabilities, authenticate_client_by, template_limits, dpop_required)
VALUES ('haapi-template-client', 'HAAPI DCR template', 'confidential', 1, 'client_secret_basic',
  '["authorization_code","refresh_token","client_credentials"]', 'openid profile',
  '["app://haapi"]', '{"code":true,"haapi":true,"allowWithoutAttestation":true}',
  'haapi-android-client', '{"credential":"secret","maxClients":100000}', 1)
ON CONFLICT (client_id) DO NOTHING;

INSERT INTO clients (client_id, client_name, client_type, token_endpoint_auth_method, grant_types,
  scopes, redirect_uris, post_logout_redirect_uris, allowed_origins, capabilities,
  attestation_policy, dpop_required)
VALUES ('haapi-web-client', 'HAAPI demo single-page app', 'public', 'none',
  '["authorization_code","refresh_token","client_credentials"]', 'openid profile',
  '["http://localhost:5173/callback"]', '["http://localhost:5173/"]', '["http://localhost:5173"]',
  '{"code":true,"haapi":true,"browserFlow":true}', 'web-dev', 1)
ON CONFLICT (client_id) DO NOTHING;

INSERT INTO clients (client_id, client_name, client_type, secret_hash, token_endpoint_auth_method,
  extra_auth_methods, grant_types, scopes)
VALUES ('demo-backend', 'Demo back-end service', 'confidential',
  'pbkdf2-sha256$100000$C_61qD565qQfc9ZSMjegow$jqEFsCU37uCe-UuBFRp8AaV9dyNFTMKUAMI7AMPsXUs',
  'client_secret_basic', '["client_secret_post"]', '["client_credentials"]', 'read write')
ON CONFLICT (client_id) DO NOTHING;

INSERT INTO accounts (subject, username, password_hash, attributes)
VALUES ('demo', 'demo',
  'pbkdf2-sha256$100000$TAT873nt6M8Nq7L9bosm9A$l9A6MrUTSCk8-A0hLbdfR9I1X5AbLM9NXnZo0FOmbYI',
  '{"name":"Demo User","given_name":"Demo","family_name":"User","email":"demo@example.com","email_verified":true}')
ON CONFLICT (subject) DO NOTHING;
