#include "js_strings.h"

#include <cstring>

#include <v8.h>

namespace siphon {
namespace {

// napi_value is a v8::Local in Node's implementation (as in peer_address.cpp).
v8::Local<v8::Value> ToLocal(napi_value value) {
  v8::Local<v8::Value> local;
  static_assert(sizeof(local) == sizeof(value), "napi_value is not a v8::Local");
  std::memcpy(static_cast<void*>(&local), &value, sizeof(value));
  return local;
}

bool IsAscii(const std::string& bytes) {
  for (unsigned char c : bytes) {
    if (c >= 0x80) return false;
  }
  return true;
}

void ReadUtf8(napi_env env, napi_value value, std::string* out) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, nullptr, 0, &length) != napi_ok) {
    out->clear();
    return;
  }
  out->resize(length);
  napi_get_value_string_utf8(env, value, out->data(), length + 1, &length);
}

napi_value FromLocal(v8::Local<v8::Value> local) {
  napi_value value;
  static_assert(sizeof(local) == sizeof(value), "napi_value is not a v8::Local");
  std::memcpy(static_cast<void*>(&value), &local, sizeof(value));
  return value;
}

}  // namespace

napi_value NewJsString(const char* data, size_t size) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  const auto* bytes = reinterpret_cast<const uint8_t*>(data);
  bool ascii = true;
  for (size_t i = 0; i < size && ascii; i++) ascii = bytes[i] < 0x80;
  v8::MaybeLocal<v8::String> made =
      ascii ? v8::String::NewFromOneByte(isolate, bytes, v8::NewStringType::kNormal, static_cast<int>(size))
            : v8::String::NewFromUtf8(isolate, data, v8::NewStringType::kNormal, static_cast<int>(size));
  v8::Local<v8::String> text;
  if (!made.ToLocal(&text)) return JsUndefined();
  return FromLocal(text);
}

napi_value NewJsArray(const napi_value* items, size_t count) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  static_assert(sizeof(v8::Local<v8::Value>) == sizeof(napi_value), "napi_value is not a v8::Local");
  auto* locals = reinterpret_cast<v8::Local<v8::Value>*>(const_cast<napi_value*>(items));
  return FromLocal(v8::Array::New(isolate, locals, count));
}

napi_value JsUndefined() { return FromLocal(v8::Undefined(v8::Isolate::GetCurrent())); }

bool IsJsObject(napi_value value) {
  v8::Local<v8::Value> local = ToLocal(value);
  return !local.IsEmpty() && local->IsObject();
}

bool IsJsArray(napi_value value) {
  v8::Local<v8::Value> local = ToLocal(value);
  return !local.IsEmpty() && local->IsArray();
}

bool IsJsString(napi_value value) {
  v8::Local<v8::Value> local = ToLocal(value);
  return !local.IsEmpty() && local->IsString();
}

void ReadString(napi_env env, napi_value value, std::string* out) {
  v8::Local<v8::Value> local = ToLocal(value);
  if (local.IsEmpty() || !local->IsString()) {
    out->clear();
    return;
  }
  v8::Local<v8::String> text = local.As<v8::String>();
  if (text->IsOneByte()) {
    v8::Isolate* isolate = v8::Isolate::GetCurrent();
    out->resize(static_cast<size_t>(text->Length()));
    text->WriteOneByte(isolate, reinterpret_cast<uint8_t*>(out->data()), 0, text->Length(),
                       v8::String::NO_NULL_TERMINATION);
    if (IsAscii(*out)) return;  // Latin-1 beyond ASCII needs encoding: fall through
  }
  ReadUtf8(env, value, out);
}

void ReadStringArray(napi_env env, napi_value array, std::vector<std::string>* out) {
  v8::Local<v8::Value> local = ToLocal(array);
  if (local.IsEmpty() || !local->IsArray()) return;
  v8::Local<v8::Array> items = local.As<v8::Array>();
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  uint32_t length = items->Length();
  out->resize(length);
  for (uint32_t i = 0; i < length; i++) {
    v8::Local<v8::Value> item;
    if (!items->Get(context, i).ToLocal(&item)) continue;
    napi_value as_napi;
    std::memcpy(static_cast<void*>(&as_napi), &item, sizeof(as_napi));
    ReadString(env, as_napi, &(*out)[i]);
  }
}

}  // namespace siphon
