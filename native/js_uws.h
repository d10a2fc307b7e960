// uWebSockets.js objects seen from C++. uWS.js keeps the native object behind
// each JS HttpResponse / HttpRequest in internal field 0 and clears it once
// the object is no longer valid (after end(), or when the request callback
// returns), so a null pointer means "not live".
//
// Reading a request natively (ReadUwsRequest) spares the JS thread a callback
// and two strings per header (req.forEach) and reading them back in Submit:
// about 3,500 instructions per header (docs/performance.md). It depends on the
// layout of uWS::HttpRequest -- an array of {key, value} string views that
// starts with {method, url} and ends at an empty key -- which the uWS.js
// binary does not promise, so src/server/uws-head.ts compares it with uWS's
// own accessors on the first requests and stops using it on any difference.
#pragma once
#include <napi.h>

#include <memory>

#include "request_record.h"

namespace siphon {

void* UwsObjectPointer(napi_value object);

// What admission needs to know about the header fields.
struct UwsHeadCounts {
  int32_t fields = 0;              // header fields
  int32_t bytes = 0;               // request target + header names and values (+4 per field)
  int32_t hosts = 0;
  int32_t content_lengths = 0;
  int32_t transfer_encodings = 0;
};

// readRequest(req) -> Array | false. JS thread. On success the request is
// staged (TakeStagedRequest) and the array holds [method, path, query, host,
// content-length, transfer-encoding (all field lines joined with ", "),
// x-forwarded-for] (absent ones undefined), then UwsHeadCounts in order.
// False: read it in JS instead.
napi_value ReadUwsRequest(napi_env env, napi_callback_info info);

// stagedHeaders() -> [name0, value0, ...] of the staged request (for the check).
napi_value StagedHeaders(napi_env env, napi_callback_info info);

// keepStaged() -> an external owning the staged request, for a request whose
// body arrives after the callback returned. Submit accepts it as `headers`.
napi_value KeepStaged(napi_env env, napi_callback_info info);

// Submit's side: the staged request (headers === null), or a kept one.
std::unique_ptr<RequestRecord> TakeStagedRequest(napi_env env, napi_value headers_arg);

}  // namespace siphon
