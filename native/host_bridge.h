// Carries host messages (host_messages.h) from worker threads to the JS
// thread in batches. A worker running several requests in one go (an asyncio
// loop's drain) collects its messages and hands them over under one lock; the
// JS thread is woken only when the shared batch was empty, and receives the
// whole batch in one call as a few flat arrays rather than an object each.
#pragma once
#include <napi.h>

#include <mutex>
#include <vector>

#include "host_messages.h"

namespace siphon {

class HostBridge {
 public:
  // `deliver(count, wire, bodies, strings)` is called on the JS thread per batch:
  //   wire: Int32Array, six per message (host_messages.h kHostMessageWire);
  //   bodies: a Buffer holding every message body back to back;
  //   strings: every message's strings in order, or undefined.
  // `wire` and `bodies` are the same two objects every time (grown when a
  // batch needs more): allocating them per batch made V8 collect garbage
  // constantly under load. So JS must copy what it keeps beyond the call.
  void Start(Napi::Env env, Napi::Function deliver);
  void Stop();

  // Any thread. Never blocks on the JS thread. Inside a BatchScope on this
  // thread the message waits for the scope's end.
  void Push(HostMessage&& message);

  // Keeps the Node event loop alive while Python work is outstanding.
  void Ref(Napi::Env env);
  void Unref(Napi::Env env);

  // JS thread: hands `messages` to deliver now, without a wake-up.
  void DeliverNow(Napi::Env env, std::vector<HostMessage>& messages);

  // JS thread: what an inline first step produced (inline_runner.cpp), as
  // Submit's return value instead of a call into JS: the message count, or
  // the strings array with the count appended, the wire fields written into
  // the arrays Arrays() gave JS. A batch too large for them goes through
  // deliver instead, and the result is `true`.
  napi_value AnswerInline(Napi::Env env, std::vector<HostMessage>& messages);

  // JS thread: {wire, bodies}, the arrays inline answers are written to.
  // Replaced only when a batch outgrows them, and deliver passes the new ones.
  Napi::Value Arrays(Napi::Env env);

  // Collects the calling thread's messages until the scope ends, then pushes
  // them as one batch -- unless Take() took them first.
  class BatchScope {
   public:
    BatchScope();
    ~BatchScope();
    BatchScope(const BatchScope&) = delete;
    BatchScope& operator=(const BatchScope&) = delete;
    std::vector<HostMessage> Take() { return std::move(collected_); }

   private:
    std::vector<HostMessage> collected_;
    std::vector<HostMessage>* previous_;
  };

 private:
  void PushAll(std::vector<HostMessage>& messages);
  void Drain(Napi::Env env, Napi::Function deliver);
  void Deliver(Napi::Env env, Napi::Function deliver, const std::vector<HostMessage>& batch);
  bool Encode(Napi::Env env, const std::vector<HostMessage>& batch, bool may_grow, napi_value* strings,
              bool count_last = false);
  void Grow(Napi::Env env, size_t wire_ints, size_t body_bytes);

  std::mutex mutex_;
  std::vector<HostMessage> pending_;
  bool wake_scheduled_ = false;
  bool started_ = false;
  Napi::ThreadSafeFunction tsfn_;
  Napi::FunctionReference deliver_;  // JS thread only: the same function, for DeliverNow
  // JS thread only: the reused arrays handed to deliver.
  Napi::Reference<Napi::Int32Array> wire_;
  Napi::Reference<Napi::Buffer<char>> bodies_;
  int32_t* wire_data_ = nullptr;
  char* bodies_data_ = nullptr;
  size_t wire_capacity_ = 0;
  size_t bodies_capacity_ = 0;
};

HostBridge& Bridge();

}  // namespace siphon
