// Reading JS strings into std::string on the request path. N-API's
// napi_get_value_string_utf8 measures and transcodes every string; HTTP
// request data is nearly always ASCII, which V8 stores one byte per char, so
// that case is a straight copy and only the rest goes through UTF-8.
#pragma once
#include <napi.h>

#include <string>
#include <vector>

namespace siphon {

void ReadString(napi_env env, napi_value value, std::string* out);
void ReadStringArray(napi_env env, napi_value array, std::vector<std::string>* out);

}  // namespace siphon
