#include "completion_bridge.h"

namespace siphon {

CompletionBridge& Bridge() {
  static CompletionBridge* bridge = new CompletionBridge();  // outlives static destructors on exit
  return *bridge;
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
  std::lock_guard<std::mutex> lock(mutex_);
  pending_.push_back(std::move(completion));
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
  Napi::Array out = Napi::Array::New(env, batch.size() * 5);
  uint32_t i = 0;
  for (Completion& c : batch) {
    out.Set(i++, Napi::Number::New(env, static_cast<int>(c.kind)));
    out.Set(i++, Napi::Number::New(env, c.id));
    out.Set(i++, Napi::Number::New(env, c.status));
    if (c.headers.empty()) {
      out.Set(i++, env.Undefined());
    } else {
      Napi::Array headers = Napi::Array::New(env, c.headers.size());
      for (uint32_t h = 0; h < c.headers.size(); h++) headers.Set(h, Napi::String::New(env, c.headers[h]));
      out.Set(i++, headers);
    }
    if (c.kind == Completion::Kind::kResponse || c.kind == Completion::Kind::kClientCall) {
      out.Set(i++, Napi::Buffer<char>::Copy(env, c.body.data(), c.body.size()));
    } else {
      out.Set(i++, Napi::String::New(env, c.body));
    }
  }
  try {
    deliver.Call({out});
  } catch (const Napi::Error& error) {
    // The JS side catches its own errors; anything left is a bug to surface
    // as an uncaught exception rather than a crash inside N-API.
    error.ThrowAsJavaScriptException();
  }
}

}  // namespace siphon
