// Reading JS strings into std::string on the request path. N-API's
// napi_get_value_string_utf8 measures and transcodes every string; HTTP
// request data is nearly always ASCII, which V8 stores one byte per char, so
// that case is a straight copy and only the rest goes through UTF-8.
#pragma once
#include <napi.h>

#include <string>
#include <vector>

namespace siphon {

// Type checks without a napi_typeof call each.
bool IsJsObject(napi_value value);
bool IsJsString(napi_value value);
bool IsJsArray(napi_value value);

void ReadString(napi_env env, napi_value value, std::string* out);

// Building JS values on the request path straight through V8: napi's
// per-element napi_set_element costs a property lookup and a TryCatch each.
napi_value NewJsString(const char* data, size_t size);
napi_value NewJsArray(const napi_value* items, size_t count);
napi_value JsUndefined();
void ReadStringArray(napi_env env, napi_value array, std::vector<std::string>* out);

}  // namespace siphon
