#include "js_uws.h"

#include <v8.h>

#include <cstring>

#include "js_strings.h"
#include "request_record_pool.h"

namespace siphon {
namespace {

// How a std::string_view is laid out in the uWS.js binary: libstdc++ puts the
// length first, libc++ the pointer. Decided on the first request from the
// method, a short string whose pointer is a large number.
enum class ViewLayout { kUnknown, kLengthFirst, kPointerFirst, kUnreadable };
ViewLayout g_layout = ViewLayout::kUnknown;  // JS thread

// Header fields read before giving up on finding the end of the array.
constexpr size_t kMaxFields = 512;
constexpr uint64_t kMaxViewSize = 1 << 20;

struct View {
  const char* data;
  size_t size;
};

bool ReadView(const char* at, View* out) {
  uint64_t first, second;
  std::memcpy(&first, at, sizeof(first));
  std::memcpy(&second, at + sizeof(first), sizeof(second));
  if (g_layout == ViewLayout::kUnknown) {
    const bool length_first = first < 64 && second > 0xffff;
    const bool pointer_first = second < 64 && first > 0xffff;
    g_layout = length_first == pointer_first ? ViewLayout::kUnreadable
               : length_first              ? ViewLayout::kLengthFirst
                                           : ViewLayout::kPointerFirst;
  }
  if (g_layout == ViewLayout::kUnreadable) return false;
  const uint64_t size = g_layout == ViewLayout::kLengthFirst ? first : second;
  const uint64_t pointer = g_layout == ViewLayout::kLengthFirst ? second : first;
  if (size > kMaxViewSize || (size > 0 && pointer == 0)) return false;
  out->data = reinterpret_cast<const char*>(pointer);
  out->size = static_cast<size_t>(size);
  return true;
}

bool Is(const View& v, const char* name, size_t length) {
  return v.size == length && std::memcmp(v.data, name, length) == 0;
}

// The request being admitted: filled by readRequest, consumed by Submit (or
// replaced by the next readRequest when admission refused it). JS thread.
std::unique_ptr<RequestRecord> g_staged;

napi_value String(napi_env env, const std::string& text) {
  napi_value value;
  napi_create_string_utf8(env, text.data(), text.size(), &value);
  return value;
}

napi_value Boolean(napi_env env, bool value) {
  napi_value out;
  napi_get_boolean(env, value, &out);
  return out;
}

void FreeKept(napi_env, void* data, void*) {
  auto* record = static_cast<RequestRecord*>(data);
  RecycleRecord(record);
}

}  // namespace

void* UwsObjectPointer(napi_value value) {
  // napi_value is a v8::Local in Node's implementation; this is how Node's own
  // N-API layer converts it.
  v8::Local<v8::Value> local;
  static_assert(sizeof(local) == sizeof(value), "napi_value is not a v8::Local");
  std::memcpy(static_cast<void*>(&local), &value, sizeof(value));
  if (local.IsEmpty() || !local->IsObject()) return nullptr;
  v8::Local<v8::Object> object = local.As<v8::Object>();
  if (object->InternalFieldCount() < 1) return nullptr;
  return object->GetAlignedPointerFromInternalField(0);
}

napi_value ReadUwsRequest(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  const char* request = static_cast<const char*>(UwsObjectPointer(args[0]));
  if (!request) return Boolean(env, false);
  View method, url;
  if (!ReadView(request, &method) || !ReadView(request + sizeof(uint64_t) * 2, &url)) return Boolean(env, false);
  if (method.size == 0 || url.size == 0 || url.data[0] != '/') return Boolean(env, false);

  if (!g_staged) g_staged = AcquireRecord();
  RequestRecord& record = *g_staged;
  record.method.resize(method.size);
  for (size_t i = 0; i < method.size; i++) {
    const char c = method.data[i];
    record.method[i] = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
  }
  const char* question = static_cast<const char*>(std::memchr(url.data, '?', url.size));
  const size_t path_size = question ? static_cast<size_t>(question - url.data) : url.size;
  record.path.assign(url.data, path_size);
  if (question) {
    record.query.assign(question + 1, url.size - path_size - 1);
  } else {
    record.query.clear();
  }

  UwsHeadCounts counts;
  counts.bytes = static_cast<int32_t>(path_size + record.query.size());
  record.headers.clear();
  // Views into uWS's receive buffer, which lives as long as this call.
  View host{nullptr, 0}, content_length{nullptr, 0}, forwarded_for{nullptr, 0};
  bool has_forwarded_for = false;
  std::string transfer_encoding;
  for (size_t field = 1;; field++) {
    if (field > kMaxFields) return Boolean(env, false);
    const char* at = request + field * sizeof(uint64_t) * 4;
    View name, value;
    if (!ReadView(at, &name)) return Boolean(env, false);
    if (name.size == 0) break;
    if (!ReadView(at + sizeof(uint64_t) * 2, &value)) return Boolean(env, false);
    record.headers.emplace_back(name.data, name.size);
    record.headers.emplace_back(value.data, value.size);
    counts.fields++;
    counts.bytes += static_cast<int32_t>(name.size + value.size + 4);
    // The fields admission looks at (src/server/admission.ts addHeader).
    if (Is(name, "host", 4)) {
      if (counts.hosts++ == 0) host = value;
    } else if (Is(name, "content-length", 14)) {
      if (counts.content_lengths++ == 0) content_length = value;
    } else if (Is(name, "x-forwarded-for", 15)) {
      if (!has_forwarded_for) forwarded_for = value;
      has_forwarded_for = true;
    } else if (Is(name, "transfer-encoding", 17)) {
      if (counts.transfer_encodings++ > 0) transfer_encoding += ", ";
      transfer_encoding.append(value.data, value.size);
    }
  }

  // One array, built in one V8 call: [method, path, query, host,
  // content-length, transfer-encoding, x-forwarded-for, fields, bytes,
  // hosts, content-lengths, transfer-encodings] (absent strings undefined).
  napi_value undefined = JsUndefined();
  auto text = [](const View& v) { return NewJsString(v.data, v.size); };
  auto number = [&](int32_t n) {
    napi_value value;
    napi_create_int32(env, n, &value);
    return value;
  };
  const napi_value items[] = {
      NewJsString(record.method.data(), record.method.size()),
      NewJsString(record.path.data(), record.path.size()),
      NewJsString(record.query.data(), record.query.size()),
      counts.hosts > 0 ? text(host) : undefined,
      counts.content_lengths > 0 ? text(content_length) : undefined,
      counts.transfer_encodings > 0 ? NewJsString(transfer_encoding.data(), transfer_encoding.size()) : undefined,
      has_forwarded_for ? text(forwarded_for) : undefined,
      number(counts.fields),
      number(counts.bytes),
      number(counts.hosts),
      number(counts.content_lengths),
      number(counts.transfer_encodings),
  };
  return NewJsArray(items, sizeof(items) / sizeof(items[0]));
}


napi_value StagedHeaders(napi_env env, napi_callback_info) {
  napi_value out;
  const size_t count = g_staged ? g_staged->headers.size() : 0;
  napi_create_array_with_length(env, count, &out);
  for (size_t i = 0; i < count; i++) napi_set_element(env, out, static_cast<uint32_t>(i), String(env, g_staged->headers[i]));
  return out;
}

napi_value KeepStaged(napi_env env, napi_callback_info) {
  napi_value out;
  if (!g_staged) {
    napi_get_undefined(env, &out);
    return out;
  }
  RequestRecord* record = g_staged.release();
  if (napi_create_external(env, record, FreeKept, nullptr, &out) != napi_ok) {
    RecycleRecord(record);
    napi_get_undefined(env, &out);
  }
  return out;
}

std::unique_ptr<RequestRecord> TakeStagedRequest(napi_env env, napi_value headers_arg) {
  napi_valuetype type;
  napi_typeof(env, headers_arg, &type);
  if (type == napi_null) return std::move(g_staged);
  if (type != napi_external) return nullptr;
  void* data = nullptr;
  napi_get_value_external(env, headers_arg, &data);
  auto* record = static_cast<RequestRecord*>(data);
  if (!record) return nullptr;
  // The external keeps a copy it will free: hand over the contents instead.
  auto taken = AcquireRecord();
  std::swap(taken->method, record->method);
  std::swap(taken->path, record->path);
  std::swap(taken->query, record->query);
  std::swap(taken->headers, record->headers);
  return taken;
}

}  // namespace siphon
