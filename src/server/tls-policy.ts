// TLS settings shared by both engines: TLS 1.2+ (uSockets' own minimum for
// the uWS engine), ECDHE key exchange with AEAD ciphers only. TLS 1.3 suites
// are fixed by OpenSSL and all acceptable.
export const TLS_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');
