#include "host_bridge.h"

#include "js_strings.h"

#include <algorithm>
#include <cstring>

namespace siphon {
namespace {
thread_local std::vector<HostMessage>* t_batch = nullptr;

// One message as its wire slot (host_messages.h kHostMessageWire): the
// fields below, its strings, and a body (binary, copied into `bodies`).
struct WireSlot {
  HostMessageKind kind;
  uint32_t id = 0;
  int32_t number = 0;
  std::vector<const std::string*> strings;
  const std::string* body = nullptr;
};

WireSlot ToWire(const ResponseMessage& m) {
  WireSlot w{HostMessageKind::kResponse, m.request_id, m.status};
  for (const std::string& h : m.headers) w.strings.push_back(&h);
  w.body = &m.body;
  return w;
}
WireSlot ToWire(const HandlerFailedMessage& m) { return WireSlot{HostMessageKind::kHandlerFailed, m.request_id}; }
WireSlot ToWire(const LogMessage& m) {
  WireSlot w{HostMessageKind::kLog, 0, m.level};
  w.strings = {&m.target, &m.text};
  return w;
}
WireSlot ToWire(const ControlDoneMessage& m) {
  WireSlot w{HostMessageKind::kControlDone, m.control_id, m.ok ? 0 : 1};
  w.strings = {&m.payload};
  return w;
}
WireSlot ToWire(const HostCallMessage& m) {
  WireSlot w{HostMessageKind::kHostCall, m.call_id, m.timeout_ms};
  w.strings.push_back(&m.service);
  for (const std::string& a : m.args) w.strings.push_back(&a);
  w.body = &m.body;
  return w;
}
WireSlot ToWire(const ClientDefineMessage& m) {
  WireSlot w{HostMessageKind::kClientDefine, m.client_id};
  w.strings = {&m.settings_json};
  return w;
}
WireSlot ToWire(const ClientCloseMessage& m) { return WireSlot{HostMessageKind::kClientClose, m.client_id}; }

constexpr size_t kWireInts = 6;
}  // namespace

HostBridge& Bridge() {
  static HostBridge* bridge = new HostBridge();  // outlives static destructors on exit
  return *bridge;
}

HostBridge::BatchScope::BatchScope() : previous_(t_batch) { t_batch = &collected_; }

HostBridge::BatchScope::~BatchScope() {
  t_batch = previous_;
  if (!collected_.empty()) Bridge().PushAll(collected_);
}

void HostBridge::Start(Napi::Env env, Napi::Function deliver) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (started_) tsfn_.Release();
  tsfn_ = Napi::ThreadSafeFunction::New(env, deliver, "siphon-host-messages", 0, 1);
  deliver_ = Napi::Persistent(deliver);
  tsfn_.Unref(env);
  started_ = true;
  wake_scheduled_ = !pending_.empty();
  if (wake_scheduled_) {
    tsfn_.NonBlockingCall([this](Napi::Env e, Napi::Function fn) { Drain(e, fn); });
  }
}

void HostBridge::Stop() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (started_) tsfn_.Release();
  started_ = false;
}

void HostBridge::Ref(Napi::Env env) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (started_) tsfn_.Ref(env);
}

void HostBridge::Unref(Napi::Env env) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (started_) tsfn_.Unref(env);
}

void HostBridge::Push(HostMessage&& message) {
  if (t_batch) {
    t_batch->push_back(std::move(message));
    return;
  }
  std::vector<HostMessage> one;
  one.push_back(std::move(message));
  PushAll(one);
}

void HostBridge::PushAll(std::vector<HostMessage>& messages) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (pending_.empty()) {
    pending_.swap(messages);
  } else {
    for (HostMessage& m : messages) pending_.push_back(std::move(m));
  }
  messages.clear();
  if (wake_scheduled_ || !started_) return;
  wake_scheduled_ = true;
  // NonBlockingCall only fails once the function is released (shutdown);
  // then nobody is left to answer anyway.
  tsfn_.NonBlockingCall([this](Napi::Env env, Napi::Function fn) { Drain(env, fn); });
}

void HostBridge::Drain(Napi::Env env, Napi::Function deliver) {
  std::vector<HostMessage> batch;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    batch.swap(pending_);
    wake_scheduled_ = false;
  }
  if (batch.empty() || env == nullptr) return;
  Deliver(env, deliver, batch);
}

void HostBridge::DeliverNow(Napi::Env env, std::vector<HostMessage>& messages) {
  if (messages.empty() || deliver_.IsEmpty()) return;
  Deliver(env, deliver_.Value(), messages);
}

void HostBridge::Deliver(Napi::Env env, Napi::Function deliver, const std::vector<HostMessage>& batch) {
  Napi::HandleScope scope(env);
  napi_value strings = nullptr;
  Encode(env, batch, /*may_grow=*/true, &strings);
  try {
    deliver.Call({Napi::Number::New(env, static_cast<double>(batch.size())), wire_.Value(), bodies_.Value(),
                  strings ? Napi::Value(env, strings) : env.Undefined()});
  } catch (const Napi::Error& error) {
    // The JS side catches its own errors; anything left is a bug to surface
    // as an uncaught exception rather than a crash inside N-API.
    error.ThrowAsJavaScriptException();
  }
}

napi_value HostBridge::AnswerInline(Napi::Env env, std::vector<HostMessage>& messages) {
  napi_value strings = nullptr;
  napi_value result;
  if (messages.empty()) {
    napi_get_boolean(env, true, &result);
  } else if (!Encode(env, messages, /*may_grow=*/false, &strings, /*count_last=*/true)) {
    // Larger than the arrays JS holds: the usual call hands it new ones.
    DeliverNow(env, messages);
    napi_get_boolean(env, true, &result);
  } else if (strings) {
    result = strings;
  } else {
    napi_create_uint32(env, static_cast<uint32_t>(messages.size()), &result);
  }
  return result;
}

void HostBridge::Grow(Napi::Env env, size_t wire_ints, size_t body_bytes) {
  if (wire_.IsEmpty() || wire_capacity_ < wire_ints) {
    wire_capacity_ = std::max<size_t>(wire_ints, 2 * wire_capacity_ + kWireInts * 64);
    Napi::Int32Array wire = Napi::Int32Array::New(env, wire_capacity_);
    wire_data_ = wire.Data();
    wire_ = Napi::Persistent(wire);
  }
  if (bodies_.IsEmpty() || bodies_capacity_ < body_bytes) {
    bodies_capacity_ = std::max<size_t>(body_bytes, 2 * bodies_capacity_ + 64 * 1024);
    Napi::Buffer<char> bodies = Napi::Buffer<char>::New(env, bodies_capacity_);
    bodies_data_ = bodies.Data();
    bodies_ = Napi::Persistent(bodies);
  }
}

Napi::Value HostBridge::Arrays(Napi::Env env) {
  Grow(env, 0, 0);
  Napi::Object out = Napi::Object::New(env);
  out.Set("wire", wire_.Value());
  out.Set("bodies", bodies_.Value());
  return out;
}

bool HostBridge::Encode(Napi::Env env, const std::vector<HostMessage>& batch, bool may_grow, napi_value* strings_out,
                        bool count_last) {
  std::vector<WireSlot> slots;
  slots.reserve(batch.size());
  size_t body_bytes = 0;
  size_t string_count = 0;
  for (const HostMessage& message : batch) {
    slots.push_back(std::visit([](const auto& m) { return ToWire(m); }, message));
    string_count += slots.back().strings.size();
    if (slots.back().body) body_bytes += slots.back().body->size();
  }
  const size_t wire_ints = batch.size() * kWireInts;
  if (wire_.IsEmpty() || wire_capacity_ < wire_ints || bodies_capacity_ < body_bytes) {
    if (!may_grow) return false;
    Grow(env, wire_ints, body_bytes);
  }
  std::vector<napi_value> strings;
  strings.reserve(string_count);

  int32_t* w = wire_data_;
  char* out = bodies_data_;
  size_t offset = 0;
  for (const WireSlot& slot : slots) {
    const size_t body_size = slot.body ? slot.body->size() : 0;
    *w++ = static_cast<int32_t>(slot.kind);
    *w++ = static_cast<int32_t>(slot.id);
    *w++ = slot.number;
    *w++ = static_cast<int32_t>(slot.strings.size());
    *w++ = static_cast<int32_t>(offset);
    *w++ = static_cast<int32_t>(body_size);
    for (const std::string* text : slot.strings) strings.push_back(NewJsString(text->data(), text->size()));
    if (body_size > 0) {
      std::memcpy(out + offset, slot.body->data(), body_size);
      offset += body_size;
    }
  }
  if (count_last && !strings.empty()) {
    napi_value count;
    napi_create_uint32(env, static_cast<uint32_t>(batch.size()), &count);
    strings.push_back(count);
  }
  *strings_out = strings.empty() ? nullptr : NewJsArray(strings.data(), strings.size());
  return true;
}

}  // namespace siphon
