#include "host_bridge.h"

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
  Napi::HandleScope scope(env);

  std::vector<WireSlot> slots;
  slots.reserve(batch.size());
  size_t body_bytes = 0;
  size_t string_count = 0;
  for (const HostMessage& message : batch) {
    slots.push_back(std::visit([](const auto& m) { return ToWire(m); }, message));
    string_count += slots.back().strings.size();
    if (slots.back().body) body_bytes += slots.back().body->size();
  }
  if (wire_.IsEmpty() || wire_capacity_ < batch.size() * kWireInts) {
    wire_capacity_ = std::max<size_t>(batch.size() * kWireInts, 2 * wire_capacity_ + kWireInts * 64);
    wire_ = Napi::Persistent(Napi::Int32Array::New(env, wire_capacity_));
  }
  if (bodies_.IsEmpty() || bodies_capacity_ < body_bytes) {
    bodies_capacity_ = std::max<size_t>(body_bytes, 2 * bodies_capacity_ + 64 * 1024);
    bodies_ = Napi::Persistent(Napi::Buffer<char>::New(env, bodies_capacity_));
  }
  Napi::Int32Array wire = wire_.Value();
  Napi::Buffer<char> bodies = bodies_.Value();
  napi_value strings = nullptr;
  if (string_count > 0) napi_create_array_with_length(env, string_count, &strings);

  int32_t* w = wire.Data();
  char* out = bodies.Data();
  size_t offset = 0;
  uint32_t s = 0;
  for (const WireSlot& slot : slots) {
    const size_t body_size = slot.body ? slot.body->size() : 0;
    *w++ = static_cast<int32_t>(slot.kind);
    *w++ = static_cast<int32_t>(slot.id);
    *w++ = slot.number;
    *w++ = static_cast<int32_t>(slot.strings.size());
    *w++ = static_cast<int32_t>(offset);
    *w++ = static_cast<int32_t>(body_size);
    for (const std::string* text : slot.strings) {
      napi_value value;
      napi_create_string_utf8(env, text->data(), text->size(), &value);
      napi_set_element(env, strings, s++, value);
    }
    if (body_size > 0) {
      std::memcpy(out + offset, slot.body->data(), body_size);
      offset += body_size;
    }
  }
  try {
    deliver.Call({Napi::Number::New(env, static_cast<double>(batch.size())), wire, bodies,
                  strings ? Napi::Value(env, strings) : env.Undefined()});
  } catch (const Napi::Error& error) {
    // The JS side catches its own errors; anything left is a bug to surface
    // as an uncaught exception rather than a crash inside N-API.
    error.ThrowAsJavaScriptException();
  }
}

}  // namespace siphon
