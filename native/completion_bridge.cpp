#include "completion_bridge.h"

#include <algorithm>
#include <cstring>

namespace siphon {
namespace {
thread_local std::vector<Completion>* t_batch = nullptr;

bool BodyIsText(Completion::Kind kind) {
  return kind != Completion::Kind::kResponse && kind != Completion::Kind::kClientCall;
}
}  // namespace

CompletionBridge& Bridge() {
  static CompletionBridge* bridge = new CompletionBridge();  // outlives static destructors on exit
  return *bridge;
}

CompletionBridge::BatchScope::BatchScope() : previous_(t_batch) { t_batch = &collected_; }

CompletionBridge::BatchScope::~BatchScope() {
  t_batch = previous_;
  if (!collected_.empty()) Bridge().PushAll(collected_);
}

void CompletionBridge::Start(Napi::Env env, Napi::Function deliver) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (started_) tsfn_.Release();
  tsfn_ = Napi::ThreadSafeFunction::New(env, deliver, "siphon-completions", 0, 1);
  tsfn_.Unref(env);
  started_ = true;
  wake_scheduled_ = !pending_.empty();
  if (wake_scheduled_) {
    tsfn_.NonBlockingCall([this](Napi::Env e, Napi::Function fn) { Drain(e, fn); });
  }
}

void CompletionBridge::Stop() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (started_) tsfn_.Release();
  started_ = false;
}

void CompletionBridge::Ref(Napi::Env env) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (started_) tsfn_.Ref(env);
}

void CompletionBridge::Unref(Napi::Env env) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (started_) tsfn_.Unref(env);
}

void CompletionBridge::Push(Completion&& completion) {
  if (t_batch) {
    t_batch->push_back(std::move(completion));
    return;
  }
  std::vector<Completion> one;
  one.push_back(std::move(completion));
  PushAll(one);
}

void CompletionBridge::PushAll(std::vector<Completion>& completions) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (pending_.empty()) {
    pending_.swap(completions);
  } else {
    for (Completion& c : completions) pending_.push_back(std::move(c));
  }
  completions.clear();
  if (wake_scheduled_ || !started_) return;
  wake_scheduled_ = true;
  // NonBlockingCall only fails once the function is released (shutdown);
  // then nobody is left to answer anyway.
  tsfn_.NonBlockingCall([this](Napi::Env env, Napi::Function fn) { Drain(env, fn); });
}

void CompletionBridge::Drain(Napi::Env env, Napi::Function deliver) {
  std::vector<Completion> batch;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    batch.swap(pending_);
    wake_scheduled_ = false;
  }
  if (batch.empty() || env == nullptr) return;
  Napi::HandleScope scope(env);

  size_t body_bytes = 0;
  size_t string_count = 0;
  for (const Completion& c : batch) {
    string_count += c.headers.size() + (BodyIsText(c.kind) ? 1 : 0);
    if (!BodyIsText(c.kind)) body_bytes += c.body.size();
  }
  if (meta_.IsEmpty() || meta_capacity_ < batch.size() * 6) {
    meta_capacity_ = std::max<size_t>(batch.size() * 6, 2 * meta_capacity_ + 6 * 64);
    meta_ = Napi::Persistent(Napi::Int32Array::New(env, meta_capacity_));
  }
  if (bodies_.IsEmpty() || bodies_capacity_ < body_bytes) {
    bodies_capacity_ = std::max<size_t>(body_bytes, 2 * bodies_capacity_ + 64 * 1024);
    bodies_ = Napi::Persistent(Napi::Buffer<char>::New(env, bodies_capacity_));
  }
  Napi::Int32Array meta = meta_.Value();
  Napi::Buffer<char> bodies = bodies_.Value();
  napi_value strings = nullptr;
  if (string_count > 0) napi_create_array_with_length(env, string_count, &strings);

  int32_t* m = meta.Data();
  char* out = bodies.Data();
  size_t offset = 0;
  uint32_t s = 0;
  auto add_string = [&](const std::string& text) {
    napi_value value;
    napi_create_string_utf8(env, text.data(), text.size(), &value);
    napi_set_element(env, strings, s++, value);
  };
  for (const Completion& c : batch) {
    const bool text = BodyIsText(c.kind);
    *m++ = static_cast<int32_t>(c.kind);
    *m++ = static_cast<int32_t>(c.id);
    *m++ = c.status;
    *m++ = static_cast<int32_t>(c.headers.size());
    *m++ = text ? -1 : static_cast<int32_t>(offset);
    *m++ = text ? 0 : static_cast<int32_t>(c.body.size());
    for (const std::string& h : c.headers) add_string(h);
    if (text) {
      add_string(c.body);
    } else if (!c.body.empty()) {
      std::memcpy(out + offset, c.body.data(), c.body.size());
      offset += c.body.size();
    }
  }
  try {
    deliver.Call({Napi::Number::New(env, static_cast<double>(batch.size())), meta, bodies,
                  strings ? Napi::Value(env, strings) : env.Undefined()});
  } catch (const Napi::Error& error) {
    // The JS side catches its own errors; anything left is a bug to surface
    // as an uncaught exception rather than a crash inside N-API.
    error.ThrowAsJavaScriptException();
  }
}

}  // namespace siphon
